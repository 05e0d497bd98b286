//! Database helpers for tests: a fresh PostgreSQL database per test (when TEST_DATABASE_URL is
//! set), and raw queries on either backend through diesel.

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A new empty PostgreSQL database, or `None` when TEST_DATABASE_URL is unset.
pub fn fresh_database() -> Option<String> {
    let base = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "watchpost_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = PgConnection::establish(&base).expect("TEST_DATABASE_URL reachable");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create database");
    let cut = base.rfind('/').expect("database URL has a path");
    Some(format!("{}/{name}", &base[..cut]))
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Runs `sql`, whose one column must be text aliased `v` (`SELECT CAST(x AS TEXT) AS v ...`),
/// and returns its values. Works on `sqlite://` and `postgres://` URLs.
pub fn column(url: &str, sql: &str) -> Vec<Option<String>> {
    let rows: Vec<Row> = if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = SqliteConnection::establish(path).expect("open sqlite");
        diesel::sql_query(sql).load(&mut conn).expect("query")
    } else {
        let mut conn = PgConnection::establish(url).expect("connect postgres");
        diesel::sql_query(sql).load(&mut conn).expect("query")
    };
    rows.into_iter().map(|r| r.v).collect()
}
