//! What a start restores for the page, on SQLite and PostgreSQL: "monitored since" recorded in
//! bulk for new services (backdated to the oldest stored check where there is one), and every
//! service's newest response times (PostgreSQL reads them in one round trip).

use crate::support;

use chrono::{Duration, SubsecRound, Utc};
use watchpost::db::connection::run_migrations;
use watchpost::db::history::{ensure_monitored, load_history, SAMPLES};
use watchpost::db::models::{NewHealthCheck, WriteOp};
use watchpost::db::queries;

fn check(service: &str, at: chrono::DateTime<Utc>, ms: i32) -> WriteOp {
    WriteOp::Check(NewHealthCheck {
        service_name: service.to_string(),
        status: "up".to_string(),
        status_code: Some(200),
        response_time_ms: Some(ms),
        error_message: None,
        checked_at: at.naive_utc(),
    })
}

fn restores_monitored_since_and_samples(url: &str) {
    let pool = watchpost::db::connect(url, 2).expect("pool");
    let mut conn = pool.get().expect("connection");
    run_migrations(&mut conn).expect("migrations");
    let now = Utc::now().trunc_subsecs(6);
    let first = now - Duration::days(5);
    // `old` has history from before "monitored since" was recorded: a check 5 days ago and 45
    // in the last hour (100 ms, 101 ms, ... oldest first). `new` has none.
    let mut ops = vec![check("old", first, 10)];
    for i in 0..45 {
        ops.push(check(
            "old",
            now - Duration::seconds(45 - i),
            100 + i as i32,
        ));
    }
    queries::apply_batch(&mut conn, &ops, &[]).expect("seed");
    let names: Vec<String> = (0..1200)
        .map(|i| format!("svc-{i:04}"))
        .chain(["old".to_string(), "new".to_string()])
        .collect();
    ensure_monitored(&mut conn, &names, now.naive_utc()).expect("monitored");
    // A second start records nothing new and moves nothing.
    ensure_monitored(&mut conn, &names, (now + Duration::hours(1)).naive_utc()).expect("again");
    let history = load_history(&mut conn, &names, now).expect("history");
    assert_eq!(history.len(), names.len());
    assert_eq!(history["old"].monitored_since, Some(first));
    assert_eq!(history["new"].monitored_since, Some(now));
    assert_eq!(history["svc-1199"].monitored_since, Some(now));
    let samples: Vec<u64> = history["old"].samples.iter().map(|(_, ms)| *ms).collect();
    let newest: Vec<u64> = (105..145).collect();
    assert_eq!(samples.len(), SAMPLES);
    assert_eq!(samples, newest, "the newest samples, oldest first");
    assert!(history["new"].samples.is_empty());
}

#[test]
fn sqlite_start_restores_monitored_since_and_samples() {
    let dir = tempfile::tempdir().expect("dir");
    restores_monitored_since_and_samples(&support::sqlite_url(dir.path()));
}

#[test]
fn postgres_start_restores_monitored_since_and_samples() {
    let Some(url) = support::fresh_database() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL half skipped");
        return;
    };
    restores_monitored_since_and_samples(&url);
}
