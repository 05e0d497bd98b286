//! Hourly rollups of the check rows (`check_rollups`): written in every write batch's
//! transaction from the rows above the `rollup_progress` mark, read for long-range figures
//! (days with data, the read API) without scanning raw rows.

use super::connection::AnyConnection;
use super::schema::check_rollups;
use chrono::{NaiveDateTime, Timelike};
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use std::sync::LazyLock;

use crate::domain::rollup_stats::Tally;
pub use crate::domain::rollup_stats::BUCKETS_MS;

/// The aggregate columns, for PostgreSQL and SQLite alike, after the service and hour.
const AGGREGATES: &str = "COUNT(*),
    SUM(CASE WHEN status = 'down' THEN 1 ELSE 0 END),
    COUNT(response_time_ms), COALESCE(SUM(response_time_ms), 0),
    MIN(response_time_ms), MAX(response_time_ms),
    SUM(CASE WHEN response_time_ms <= 50 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 100 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 250 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 1000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 2500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 5000 THEN 1 ELSE 0 END)";

/// Counts add up; the minimum and maximum keep the smaller and larger (NULL: no response time).
const MERGE: &str = "checks = check_rollups.checks + excluded.checks,
    failures = check_rollups.failures + excluded.failures,
    latency_count = check_rollups.latency_count + excluded.latency_count,
    latency_sum_ms = check_rollups.latency_sum_ms + excluded.latency_sum_ms,
    latency_min_ms = CASE WHEN check_rollups.latency_min_ms IS NULL
        OR excluded.latency_min_ms < check_rollups.latency_min_ms
        THEN excluded.latency_min_ms ELSE check_rollups.latency_min_ms END,
    latency_max_ms = CASE WHEN check_rollups.latency_max_ms IS NULL
        OR excluded.latency_max_ms > check_rollups.latency_max_ms
        THEN excluded.latency_max_ms ELSE check_rollups.latency_max_ms END,
    le_50 = check_rollups.le_50 + excluded.le_50,
    le_100 = check_rollups.le_100 + excluded.le_100,
    le_250 = check_rollups.le_250 + excluded.le_250,
    le_500 = check_rollups.le_500 + excluded.le_500,
    le_1000 = check_rollups.le_1000 + excluded.le_1000,
    le_2500 = check_rollups.le_2500 + excluded.le_2500,
    le_5000 = check_rollups.le_5000 + excluded.le_5000";

/// The statement rolling up the rows above the mark, with `hour` the backend's expression for
/// the start of a check's UTC hour.
fn roll_up_sql(hour: &str) -> String {
    format!(
        "INSERT INTO check_rollups (service_name, hour, checks, failures, latency_count,
            latency_sum_ms, latency_min_ms, latency_max_ms,
            le_50, le_100, le_250, le_500, le_1000, le_2500, le_5000)
        SELECT service_name, {hour}, {AGGREGATES}
        FROM health_checks
        WHERE id > (SELECT last_check_id FROM rollup_progress WHERE id = 1)
        GROUP BY 1, 2
        ON CONFLICT (service_name, hour) DO UPDATE SET {MERGE}"
    )
}

static SQLITE_ROLL_UP: LazyLock<String> =
    LazyLock::new(|| roll_up_sql("strftime('%Y-%m-%d %H:00:00', checked_at)"));
static POSTGRES_ROLL_UP: LazyLock<String> =
    LazyLock::new(|| roll_up_sql("date_trunc('hour', checked_at)"));

const MOVE_MARK: &str = "UPDATE rollup_progress
    SET last_check_id = COALESCE((SELECT MAX(id) FROM health_checks), last_check_id)
    WHERE id = 1";

/// Adds the check rows stored since the last call to their hours' rollups and moves the mark;
/// run inside the transaction that stored them, so the rows are counted exactly once.
pub fn roll_up(c: &mut AnyConnection) -> QueryResult<()> {
    match c {
        AnyConnection::Sqlite(c) => {
            FixedSql(&SQLITE_ROLL_UP).execute(c)?;
            FixedSql(MOVE_MARK).execute(c)?;
        }
        AnyConnection::Postgresql(c) => {
            FixedSql(&POSTGRES_ROLL_UP).execute(c)?;
            FixedSql(MOVE_MARK).execute(c)?;
        }
    }
    Ok(())
}

/// A statement without parameters that the connection prepares once and reuses, keyed by its
/// text (diesel never caches a `sql_query`, so the rollup was parsed again in every batch).
#[derive(Debug, Clone, Copy)]
struct FixedSql(&'static str);

impl<DB: Backend> QueryFragment<DB> for FixedSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.0);
        Ok(())
    }
}

impl QueryId for FixedSql {
    type QueryId = ();
    // Not one type per statement: the cache is keyed by the SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Conn> RunQueryDsl<Conn> for FixedSql {}

/// One service's hour.
#[derive(Queryable, Selectable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = check_rollups)]
pub struct Rollup {
    /// Service name.
    pub service_name: String,
    /// Start of the UTC hour.
    pub hour: NaiveDateTime,
    /// Checks stored.
    pub checks: i64,
    /// Of which down.
    pub failures: i64,
    /// Checks with a response time.
    pub latency_count: i64,
    /// Sum of those response times (ms).
    pub latency_sum_ms: i64,
    /// Fastest (ms).
    pub latency_min_ms: Option<i32>,
    /// Slowest (ms).
    pub latency_max_ms: Option<i32>,
    /// Answered within 50 ms.
    pub le_50: i64,
    /// Within 100 ms.
    pub le_100: i64,
    /// Within 250 ms.
    pub le_250: i64,
    /// Within 500 ms.
    pub le_500: i64,
    /// Within 1 s.
    pub le_1000: i64,
    /// Within 2.5 s.
    pub le_2500: i64,
    /// Within 5 s.
    pub le_5000: i64,
}

impl Rollup {
    /// The cumulative counts of [`BUCKETS_MS`].
    pub fn buckets(&self) -> [i64; 7] {
        [
            self.le_50,
            self.le_100,
            self.le_250,
            self.le_500,
            self.le_1000,
            self.le_2500,
            self.le_5000,
        ]
    }
}

impl Rollup {
    /// The hour's figures for [`crate::domain::rollup_stats`].
    pub fn tally(&self) -> Tally {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let ms = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
        Tally {
            checks: count(self.checks),
            failures: count(self.failures),
            latency_count: count(self.latency_count),
            latency_sum_ms: count(self.latency_sum_ms),
            latency_min_ms: ms(self.latency_min_ms),
            latency_max_ms: ms(self.latency_max_ms),
            within: self.buckets().map(count),
        }
    }
}

/// `service`'s rollups from the hour holding `since` on, oldest first.
pub fn hourly(
    conn: &mut AnyConnection,
    service: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<Rollup>> {
    let from = hour_of(since);
    check_rollups::table
        .filter(check_rollups::service_name.eq(service))
        .filter(check_rollups::hour.ge(from))
        .order(check_rollups::hour.asc())
        .select(Rollup::as_select())
        .load(conn)
}

/// Every service's hours with at least one check since `since`: (service, hour), for telling
/// days with data from days without.
pub fn hours_with_checks(
    conn: &mut AnyConnection,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    check_rollups::table
        .filter(check_rollups::hour.ge(hour_of(since)))
        .filter(check_rollups::checks.gt(0))
        .select((check_rollups::service_name, check_rollups::hour))
        .load(conn)
}

/// Deletes rollups of hours before `cutoff`; returns how many.
pub fn delete_before(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(check_rollups::table.filter(check_rollups::hour.lt(cutoff))).execute(conn)
}

/// The start of the hour holding `t`.
pub fn hour_of(t: NaiveDateTime) -> NaiveDateTime {
    t.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}
