//! Read-side queries of the public API: one service's response times, its checks page by page,
//! and outages. Called per request (never on `/` or `/api/status`), each bounded by a limit.

use super::connection::AnyConnection;
use super::schema::{health_checks, outages};
use crate::domain::status::HINT_PREFIX_CHARS;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

diesel::define_sql_function! {
    /// SQL's `substr(text, start, length)`: characters, on SQLite and PostgreSQL alike.
    fn substr(
        text: diesel::sql_types::Nullable<diesel::sql_types::Text>,
        start: diesel::sql_types::Integer,
        length: diesel::sql_types::Integer,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Response times read for the latency percentiles at most (a day of checks every second).
pub const MAX_LATENCY_ROWS: i64 = 86_400;

/// One stored check.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRecord {
    /// When it ran.
    pub checked_at: DateTime<Utc>,
    /// `up` or `down`.
    pub status: String,
    /// Last HTTP status seen.
    pub status_code: Option<i32>,
    /// Response time, ms.
    pub response_time_ms: Option<i32>,
    /// The start of the stored error text of a down check: the first
    /// [`HINT_PREFIX_CHARS`] characters, all its public hint reads. A page of checks never
    /// loads more, whatever was stored (a row kept from before the 1 KiB cap, an import).
    pub error_message: Option<String>,
}

/// One outage.
#[derive(Clone, Debug, PartialEq)]
pub struct OutageRecord {
    /// Service name.
    pub service: String,
    /// First failure.
    pub start: DateTime<Utc>,
    /// Recovery; `None` while open.
    pub end: Option<DateTime<Utc>>,
    /// Closed (by recovery or by an operator).
    pub resolved: bool,
    /// Who closed it, when recorded.
    pub resolved_by: Option<String>,
}

/// Which checks to read: `since <= checked_at < until`, newest first, at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckPage {
    /// Oldest time included.
    pub since: Option<DateTime<Utc>>,
    /// Newest time, excluded (so a page's oldest time pages on without repeats).
    pub until: Option<DateTime<Utc>>,
    /// Rows at most.
    pub limit: i64,
}

/// Which outages to read, newest first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutageFilter<'a> {
    /// Only this service's.
    pub service: Option<&'a str>,
    /// Only those still open or ended at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Rows at most.
    pub limit: i64,
}

type CheckRow = (
    NaiveDateTime,
    String,
    Option<i32>,
    Option<i32>,
    Option<String>,
);
type OutageRow = (
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    bool,
    Option<String>,
);

/// Response times (ms) of `service`'s checks at or after `since`, in no particular order.
pub fn response_times(
    conn: &mut AnyConnection,
    service: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<u64>> {
    let rows: Vec<Option<i32>> = health_checks::table
        .filter(health_checks::service_name.eq(service))
        .filter(health_checks::checked_at.ge(since.naive_utc()))
        .filter(health_checks::response_time_ms.is_not_null())
        .order(health_checks::checked_at.desc())
        .limit(MAX_LATENCY_ROWS)
        .select(health_checks::response_time_ms)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|ms| u64::try_from(ms?).ok())
        .collect())
}

/// A page of `service`'s checks, newest first.
pub fn checks(
    conn: &mut AnyConnection,
    service: &str,
    page: CheckPage,
) -> QueryResult<Vec<CheckRecord>> {
    let mut query = health_checks::table
        .filter(health_checks::service_name.eq(service))
        .into_boxed();
    if let Some(since) = page.since {
        query = query.filter(health_checks::checked_at.ge(since.naive_utc()));
    }
    if let Some(until) = page.until {
        query = query.filter(health_checks::checked_at.lt(until.naive_utc()));
    }
    let rows: Vec<CheckRow> = query
        .order((health_checks::checked_at.desc(), health_checks::id.desc()))
        .limit(page.limit)
        .select((
            health_checks::checked_at,
            health_checks::status,
            health_checks::status_code,
            health_checks::response_time_ms,
            substr(health_checks::error_message, 1, HINT_PREFIX_CHARS),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, status, code, ms, error)| CheckRecord {
            checked_at: at.and_utc(),
            status,
            status_code: code,
            response_time_ms: ms,
            error_message: error,
        })
        .collect())
}

/// Outages matching `filter`, newest start first.
pub fn outages(
    conn: &mut AnyConnection,
    filter: OutageFilter<'_>,
) -> QueryResult<Vec<OutageRecord>> {
    let mut query = outages::table.into_boxed();
    if let Some(service) = filter.service {
        query = query.filter(outages::service_name.eq(service));
    }
    if let Some(since) = filter.since {
        let since = since.naive_utc();
        query = query.filter(outages::end_time.is_null().or(outages::end_time.ge(since)));
    }
    let rows: Vec<OutageRow> = query
        .order((outages::start_time.desc(), outages::id.desc()))
        .limit(filter.limit)
        .select((
            outages::service_name,
            outages::start_time,
            outages::end_time,
            outages::resolved,
            outages::resolved_by,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(service, start, end, resolved, by)| OutageRecord {
            service,
            start: start.and_utc(),
            end: end.map(|e| e.and_utc()),
            resolved,
            resolved_by: by,
        })
        .collect())
}

/// Start of `service`'s open outage (the newest, should there be several).
pub fn open_outage(conn: &mut AnyConnection, service: &str) -> QueryResult<Option<DateTime<Utc>>> {
    let start: Option<NaiveDateTime> = outages::table
        .filter(outages::service_name.eq(service))
        .filter(outages::end_time.is_null())
        .order(outages::start_time.desc())
        .select(outages::start_time)
        .first(conn)
        .optional()?;
    Ok(start.map(|s| s.and_utc()))
}

/// A service's newest check as [`latest_checks`] reads it on SQLite.
type LatestTuple = (
    NaiveDateTime,
    String,
    Option<i32>,
    Option<i32>,
    Option<String>,
);

#[derive(QueryableByName)]
struct LatestRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    service_name: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    checked_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    status_code: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    response_time_ms: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    error_message: Option<String>,
}

/// The newest stored check of each service in `names` that has one (what the page shows
/// right after a start): one indexed query per service on SQLite, one round trip on
/// PostgreSQL.
pub fn latest_checks(
    conn: &mut AnyConnection,
    names: &[String],
) -> QueryResult<std::collections::HashMap<String, CheckRecord>> {
    let mut latest = std::collections::HashMap::new();
    if let AnyConnection::Postgresql(c) = conn {
        let rows: Vec<LatestRow> = diesel::sql_query(
            "SELECT s.name AS service_name, h.checked_at, h.status, h.status_code, \
             h.response_time_ms, h.error_message \
             FROM unnest($1::text[]) AS s(name) CROSS JOIN LATERAL ( \
               SELECT checked_at, status, status_code, response_time_ms, error_message \
               FROM health_checks WHERE service_name = s.name \
               ORDER BY checked_at DESC, id DESC LIMIT 1) h",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(names)
        .load(c)?;
        for r in rows {
            let record = CheckRecord {
                checked_at: r.checked_at.and_utc(),
                status: r.status,
                status_code: r.status_code,
                response_time_ms: r.response_time_ms,
                error_message: r.error_message,
            };
            latest.insert(r.service_name, record);
        }
        return Ok(latest);
    }
    for name in names {
        let row: Option<LatestTuple> = health_checks::table
            .filter(health_checks::service_name.eq(name))
            .order((health_checks::checked_at.desc(), health_checks::id.desc()))
            .select((
                health_checks::checked_at,
                health_checks::status,
                health_checks::status_code,
                health_checks::response_time_ms,
                health_checks::error_message,
            ))
            .first(conn)
            .optional()?;
        if let Some((at, status, code, ms, error)) = row {
            let record = CheckRecord {
                checked_at: at.and_utc(),
                status,
                status_code: code,
                response_time_ms: ms,
                error_message: error,
            };
            latest.insert(name.clone(), record);
        }
    }
    Ok(latest)
}
