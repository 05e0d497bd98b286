//! The real binary as a process: kill -9 in the middle of an outage, a streak across a
//! restart, SIGTERM, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::process::{free_port, Served};
use support::slack::{alerts, field, seconds_of};
use support::{column, eventually, FakeServer, Reply};

fn write_config(
    dir: &Path,
    db: &str,
    target: &FakeServer,
    slack: &FakeServer,
    threshold: u32,
) -> std::path::PathBuf {
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.25\nretries = 1\nfailure_threshold = {threshold}\n\
         [slack]\nwebhook_url = \"{}\"\n[[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n",
        slack.url("/hook"),
        target.url("/health")
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

async fn kill9_mid_outage(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/health", Reply::status(200));
    let config = write_config(dir.path(), &db, &target, &slack, 2);
    let mut first = Served::start(dir.path(), &config, free_port()).await;
    let up_sql = "SELECT status AS v FROM health_checks WHERE status = 'up'";
    assert!(
        eventually(Duration::from_secs(10), || async {
            !column(&db, up_sql).is_empty()
        })
        .await
    );

    let failing_since = Instant::now();
    target.set("/health", Reply::status(503));
    assert!(
        eventually(Duration::from_secs(10), || async {
            alerts(&slack, "Service Down").len() == 1
        })
        .await
    );
    let sent_sql = "SELECT state AS v FROM alert_outbox";
    assert!(
        eventually(Duration::from_secs(5), || async {
            column(&db, sent_sql) == [Some("sent".into())]
        })
        .await
    );
    first.kill9();

    let second = Served::start(dir.path(), &config, free_port()).await;
    let down_sql = "SELECT status AS v FROM health_checks WHERE status = 'down'";
    let downs_at_restart = column(&db, down_sql).len();
    assert!(
        eventually(Duration::from_secs(10), || async {
            column(&db, down_sql).len() >= downs_at_restart + 4
        })
        .await
    );
    assert_eq!(
        alerts(&slack, "Service Down").len(),
        1,
        "a restart re-sent the down alert"
    );

    target.set("/health", Reply::status(200));
    assert!(
        eventually(Duration::from_secs(10), || async {
            alerts(&slack, "Service Recovered").len() == 1
        })
        .await
    );
    let elapsed = failing_since.elapsed().as_secs() as i64;
    let recovered = &alerts(&slack, "Service Recovered")[0];
    let downtime = seconds_of(&field(recovered, "Downtime"));
    assert!(
        downtime >= elapsed - 2 && downtime <= elapsed + 1,
        "downtime {downtime}s, test saw {elapsed}s"
    );
    let down = &alerts(&slack, "Service Down")[0];
    assert_eq!(field(down, "HTTP Code"), "503");
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        slack.hits("/hook"),
        2,
        "exactly one down and one recovered alert"
    );
    drop(second);
}

#[actix_web::test]
async fn kill9_mid_outage_neither_repeats_nor_loses_alerts_sqlite() {
    kill9_mid_outage(false).await;
}

#[actix_web::test]
async fn kill9_mid_outage_neither_repeats_nor_loses_alerts_postgres() {
    kill9_mid_outage(true).await;
}

#[actix_web::test]
async fn streak_survives_a_restart_and_dates_the_outage_from_its_first_failure() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/health", Reply::status(503));
    let config = write_config(dir.path(), &db, &target, &slack, 4);
    let mut first = Served::start(dir.path(), &config, free_port()).await;
    let down_sql =
        "SELECT checked_at AS v FROM health_checks WHERE status = 'down' ORDER BY checked_at";
    assert!(
        eventually(Duration::from_secs(10), || async {
            column(&db, down_sql).len() >= 2
        })
        .await
    );
    first.kill9();
    let before = column(&db, down_sql);
    assert!(
        before.len() < 4,
        "threshold reached before the kill: {before:?}"
    );
    let streak_sql = "SELECT CAST(consecutive_failures AS TEXT) AS v FROM service_states";
    assert_eq!(column(&db, streak_sql), [Some(before.len().to_string())]);

    let _second = Served::start(dir.path(), &config, free_port()).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            alerts(&slack, "Service Down").len() == 1
        })
        .await
    );
    let first_failure = before[0].clone().expect("time");
    let since = field(&alerts(&slack, "Service Down")[0], "Since");
    assert_eq!(since, format!("{} UTC", &first_failure[..19]));
    let total_downs = column(&db, down_sql).len();
    assert!(total_downs >= 4);
}

#[actix_web::test]
async fn sigterm_exits_zero_within_five_seconds_with_writes_flushed() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    target.set("/health", Reply::status(200));
    let config = write_config(dir.path(), &db, &target, &slack, 2);
    let mut served = Served::start(dir.path(), &config, free_port()).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            target.hits("/health") >= 3
        })
        .await
    );
    let status = served.terminate(Duration::from_secs(5)).await;
    assert!(status.success(), "exit status {status:?}");
    let hits = target.hits("/health");
    let rows = column(&db, "SELECT status AS v FROM health_checks").len();
    assert!(rows + 1 >= hits, "{hits} checks made, {rows} stored");
}
