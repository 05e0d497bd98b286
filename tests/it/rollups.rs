//! Hourly rollups (`check_rollups`): written in the same transaction as the check rows they
//! count, exactly once even when a batch is replayed, on SQLite and PostgreSQL; and kept up by
//! the running app as results arrive.

use crate::support;

use chrono::{NaiveDate, NaiveDateTime};
use std::time::Duration;
use support::{column, eventually, FakeServer, Reply, TestApp};
use watchpost::db::models::{NewHealthCheck, WriteOp};
use watchpost::db::{connection::run_migrations, queries, rollups};

fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .and_then(|d| d.and_hms_opt(h, m, s))
        .expect("time")
}

fn check(service: &str, t: NaiveDateTime, up: bool, ms: Option<i32>) -> WriteOp {
    WriteOp::Check(NewHealthCheck {
        service_name: service.to_string(),
        status: if up { "up" } else { "down" }.to_string(),
        status_code: up.then_some(200),
        response_time_ms: ms,
        error_message: (!up).then(|| "Connection error: refused".to_string()),
        checked_at: t,
    })
}

/// Two services over two hours: latencies 40, 120, 900 and a down check without one in 10:00
/// for `api`; one slow check in 11:00; one for `web`.
fn batch() -> Vec<WriteOp> {
    vec![
        check("api", at(10, 0, 0), true, Some(40)),
        check("api", at(10, 20, 0), true, Some(120)),
        check("api", at(10, 40, 0), false, None),
        check("api", at(10, 59, 59), true, Some(900)),
        check("api", at(11, 0, 0), false, Some(7000)),
        check("web", at(10, 30, 0), true, Some(5)),
    ]
}

fn rollups_are_exact_and_replays_add_nothing(url: &str) {
    let pool = watchpost::db::connect(url, 2).expect("pool");
    let mut conn = pool.get().expect("connection");
    run_migrations(&mut conn).expect("migrations");
    let ops = batch();
    assert_eq!(
        queries::apply_batch(&mut conn, &ops, &[]).expect("write"),
        6
    );
    // The same batch again, as after a COMMIT whose reply was lost: nothing new.
    assert_eq!(
        queries::apply_batch(&mut conn, &ops, &[]).expect("replay"),
        0
    );

    let api = rollups::hourly(&mut conn, "api", at(9, 30, 0)).expect("read");
    assert_eq!(api.len(), 2, "{api:?}");
    let ten = &api[0];
    assert_eq!(ten.hour, at(10, 0, 0));
    assert_eq!((ten.checks, ten.failures), (4, 1));
    assert_eq!((ten.latency_count, ten.latency_sum_ms), (3, 1060));
    assert_eq!(
        (ten.latency_min_ms, ten.latency_max_ms),
        (Some(40), Some(900))
    );
    assert_eq!(ten.buckets(), [1, 1, 2, 2, 3, 3, 3]);
    let eleven = &api[1];
    assert_eq!(eleven.hour, at(11, 0, 0));
    assert_eq!((eleven.checks, eleven.failures), (1, 1));
    assert_eq!(eleven.buckets(), [0; 7]);
    assert_eq!(eleven.latency_count, 1);

    // A later batch adds to an existing hour: counts add, min and max widen.
    let more = vec![
        check("api", at(10, 45, 0), true, Some(10)),
        check("api", at(10, 46, 0), true, None),
    ];
    assert_eq!(
        queries::apply_batch(&mut conn, &more, &[]).expect("more"),
        2
    );
    let ten = &rollups::hourly(&mut conn, "api", at(10, 0, 0)).expect("read")[0];
    assert_eq!((ten.checks, ten.failures, ten.latency_count), (6, 1, 4));
    assert_eq!(
        (ten.latency_min_ms, ten.latency_max_ms),
        (Some(10), Some(900))
    );
    assert_eq!(ten.buckets(), [2, 2, 3, 3, 4, 4, 4]);

    let web = rollups::hourly(&mut conn, "web", at(0, 0, 0)).expect("read");
    assert_eq!(web.len(), 1);
    assert_eq!((web[0].checks, web[0].latency_sum_ms), (1, 5));
}

#[test]
fn sqlite_rollups_are_exact_and_replays_add_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    rollups_are_exact_and_replays_add_nothing(&support::sqlite_url(dir.path()));
}

#[test]
fn postgres_rollups_are_exact_and_replays_add_nothing() {
    let Some(url) = support::fresh_database() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL half skipped");
        return;
    };
    rollups_are_exact_and_replays_add_nothing(&url);
}

#[actix_web::test]
async fn the_running_app_rolls_up_every_stored_check() {
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    target.set("/bad", Reply::status(503));
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\n\
         [[services]]\nname = \"ok\"\nurl = \"{}\"\n\
         [[services]]\nname = \"bad\"\nurl = \"{}\"\n",
        target.url("/ok"),
        target.url("/bad")
    );
    let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
    let count = |sql: &str| -> i64 {
        let v = column(&db, sql).into_iter().next().flatten();
        v.and_then(|v| v.parse().ok()).unwrap_or(-1)
    };
    let enough = || async {
        count("SELECT CAST(COUNT(*) AS TEXT) AS v FROM health_checks WHERE service_name = 'bad'")
            >= 5
    };
    assert!(eventually(Duration::from_secs(10), enough).await);
    // One statement, so the raw rows and the rollups are read from one committed state (the
    // monitors keep writing while the test reads).
    for service in ["ok", "bad"] {
        let sql = format!(
            "SELECT CAST(raw || ',' || rolled || ',' || failures AS TEXT) AS v FROM \
             (SELECT (SELECT COUNT(*) FROM health_checks WHERE service_name = '{service}') AS raw, \
                     (SELECT SUM(checks) FROM check_rollups WHERE service_name = '{service}') AS rolled, \
                     (SELECT SUM(failures) FROM check_rollups WHERE service_name = '{service}') AS failures) t"
        );
        let row = column(&db, &sql)
            .into_iter()
            .next()
            .flatten()
            .expect("a row");
        let n: Vec<i64> = row.split(',').map(|x| x.parse().expect("number")).collect();
        let (raw, rolled, failures) = (n[0], n[1], n[2]);
        assert!(raw >= 1, "{service}: no rows");
        assert_eq!(
            rolled, raw,
            "{service}: rollups count every stored check once"
        );
        assert_eq!(
            failures,
            if service == "bad" { raw } else { 0 },
            "{service}"
        );
    }
    app.stop().await;
}
