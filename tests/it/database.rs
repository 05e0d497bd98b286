//! The monitor's own database failing: checks, the page and alerts go on, writes wait in
//! memory and land when the database is back, and no service is shown down because of it.

use crate::support;

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use std::time::{Duration, Instant};
use support::{column, eventually, FakeServer, Reply, TestApp};

/// Two services (`ok`, `flaky`, both up at first) checked every 0.2 s against a fake target,
/// a fake Slack, and a SQLite database that has its first check rows.
struct Fixture {
    _dir: tempfile::TempDir,
    target: FakeServer,
    slack: FakeServer,
    db: String,
    app: TestApp,
}

impl Fixture {
    /// Starts the app; `database` is extra TOML for the `[database]` table.
    async fn start(database: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("dir");
        let (target, slack) = (FakeServer::start(), FakeServer::start());
        target.set("/ok", Reply::status(200));
        target.set("/flaky", Reply::status(200));
        slack.set("/hook", Reply::status(200));
        let db = support::sqlite_url(dir.path());
        let toml = format!(
            "[database]\nurl = \"{db}\"\n{database}\n\
             [checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
             [slack]\nwebhook_url = \"{}\"\n\
             [[services]]\nname = \"ok\"\nurl = \"{}\"\n[[services]]\nname = \"flaky\"\nurl = \"{}\"\n",
            slack.url("/hook"),
            target.url("/ok"),
            target.url("/flaky")
        );
        let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
        let count_sql = "SELECT CAST(COUNT(*) AS TEXT) AS v FROM health_checks";
        assert!(
            eventually(Duration::from_secs(5), || async {
                column(&db, count_sql)[0].as_deref() != Some("0")
            })
            .await
        );
        Fixture {
            _dir: dir,
            target,
            slack,
            db,
            app,
        }
    }

    /// Another connection holding the write lock until it commits.
    fn lock(&self) -> SqliteConnection {
        let path = self.db.trim_start_matches("sqlite://");
        let mut locker = SqliteConnection::establish(path).expect("open");
        locker.batch_execute("BEGIN EXCLUSIVE").expect("lock");
        locker
    }

    /// Waits for `flaky`'s open outage and its sent down alert to be in the database.
    async fn assert_outage_and_alert_stored(&self) {
        let outage_sql = "SELECT service_name AS v FROM outages WHERE end_time IS NULL";
        assert!(
            eventually(Duration::from_secs(15), || async {
                column(&self.db, outage_sql) == [Some("flaky".to_string())]
            })
            .await,
            "the outage was lost"
        );
        let sent_sql = "SELECT state AS v FROM alert_outbox";
        assert!(
            eventually(Duration::from_secs(5), || async {
                column(&self.db, sent_sql) == [Some("sent".to_string())]
            })
            .await,
            "the alert row was lost"
        );
    }
}

#[actix_web::test]
async fn locked_sqlite_delays_writes_but_not_checks_or_alerts() {
    let f = Fixture::start("").await;
    let (target, slack, db, app) = (&f.target, &f.slack, &f.db, &f.app);

    // Another connection takes the write lock and keeps it for 6.5 s, longer than
    // the 5 s busy timeout, so the first batch fails and is retried from memory.
    let mut locker = f.lock();
    let locked_at = Instant::now();
    target.set("/flaky", Reply::status(503));

    // While locked: the down alert still reaches Slack, the healthy service stays up.
    assert!(
        eventually(Duration::from_secs(3), || async {
            slack.hits("/hook") == 1
        })
        .await
    );
    assert!(
        locked_at.elapsed() < Duration::from_secs(4),
        "alert waited for the database"
    );
    let status = app.status().await;
    assert_eq!(status["services"][0]["status"], "up");
    assert_eq!(status["services"][1]["status"], "down");
    let alert = slack.requests("/hook")[0].json();
    assert_eq!(alert["text"], "🔴 Service Down: flaky");

    let remaining = Duration::from_millis(6500).saturating_sub(locked_at.elapsed());
    actix_web::rt::time::sleep(remaining).await;
    locker.batch_execute("COMMIT").expect("unlock");
    drop(locker);

    // Back: the writes held in memory land, the outage and the sent alert included.
    f.assert_outage_and_alert_stored().await;
    let down_sql = "SELECT CAST(COUNT(*) AS TEXT) AS v FROM health_checks WHERE service_name = 'flaky' AND status = 'down'";
    let downs: usize = column(db, down_sql)[0]
        .as_deref()
        .unwrap_or("0")
        .parse()
        .expect("count");
    assert!(
        downs >= 5,
        "checks made during the lock were not all written: {downs}"
    );
    assert_eq!(app.status().await["services"][0]["status"], "up");
    assert_eq!(slack.hits("/hook"), 1);
    f.app.stop().await;
}

/// Overload: with the database locked and a backlog bound of 4 writes, the oldest check rows
/// are dropped and counted in `/metrics`; the outage, its alert and the states are kept and
/// written when the database is back.
#[actix_web::test]
async fn a_full_backlog_drops_only_check_rows_and_counts_them() {
    let f = Fixture::start("max_backlog = 4").await;
    let mut locker = f.lock();
    f.target.set("/flaky", Reply::status(503));
    let dropped = || async {
        let (_, body) = f.app.get("/metrics").await;
        body.lines()
            .find_map(|l| l.strip_prefix("watchpost_persistence_dropped_checks_total "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Two services at 5 cycles/s pass a bound of 4 writes within a few seconds.
    assert!(
        eventually(Duration::from_secs(6), || async { dropped().await > 0.0 }).await,
        "no check row was dropped"
    );
    locker.batch_execute("COMMIT").expect("unlock");
    drop(locker);

    f.assert_outage_and_alert_stored().await;
    let state_sql = "SELECT CAST(down_alert_sent AS TEXT) AS v FROM service_states WHERE service_name = 'flaky'";
    assert!(
        eventually(Duration::from_secs(5), || async {
            column(&f.db, state_sql) == [Some("1".to_string())]
        })
        .await,
        "the state was lost"
    );
    assert_eq!(f.slack.hits("/hook"), 1, "one down alert");
    f.app.stop().await;
}
