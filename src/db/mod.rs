//! The database: one connection type over SQLite and PostgreSQL, its schema, rows and queries.

pub mod connection;
pub mod history;
pub mod models;
pub mod notices;
pub mod queries;
pub mod read_queries;
pub mod rollups;
pub mod schema;

pub use connection::{connect, AnyConnection, DbError, DbTarget, Pool};

use chrono::Utc;

/// Days hourly rollups are kept: small (24 rows per service and day), and enough for a year.
pub const ROLLUP_RETENTION_DAYS: i64 = 400;

/// Deletes (or, with `dry_run`, counts) check rows older than `days` days, and rollups older
/// than [`ROLLUP_RETENTION_DAYS`]; returns the check rows. On a blocking thread.
pub async fn cleanup(pool: Pool, days: u32, dry_run: bool) -> Result<usize, DbError> {
    let now = Utc::now();
    let cutoff = (now - chrono::Duration::days(i64::from(days))).naive_utc();
    let rollup_cutoff = (now - chrono::Duration::days(ROLLUP_RETENTION_DAYS)).naive_utc();
    blocking(pool, move |conn| {
        if dry_run {
            Ok(usize::try_from(queries::count_checks_before(conn, cutoff)?).unwrap_or(usize::MAX))
        } else {
            let deleted = queries::delete_checks_before(conn, cutoff)?;
            rollups::delete_before(conn, rollup_cutoff)?;
            Ok(deleted)
        }
    })
    .await
}

/// Runs `work` with a pooled connection on a blocking thread.
pub async fn blocking<T, F>(pool: Pool, work: F) -> Result<T, DbError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
{
    actix_web::rt::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))?
}
