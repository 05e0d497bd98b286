//! Read-side queries of the status page: monitored-since, recent outages, the newest response
//! times, incidents and maintenance windows. Run at start and on a slow refresh, never per
//! page view.

use super::connection::AnyConnection;
use super::schema::{health_checks, incidents, maintenance_windows, monitored_services, outages};
use crate::domain::notices::{Incident, Maintenance, Notices, Severity};
use crate::domain::uptime::Span;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

/// Newest response times kept per service for the sparkline.
pub const SAMPLES: usize = 40;
/// How far back the page looks.
pub const HISTORY_DAYS: i64 = 90;
/// Resolved incidents shown under Recent History.
pub const RECENT_INCIDENTS: i64 = 10;

/// What the page needs to know about one service's past.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// First monitored.
    pub monitored_since: Option<DateTime<Utc>>,
    /// Outages of the last 90 days and any still open, oldest first.
    pub outages: Vec<Span>,
    /// Newest response times of the last 24 h: (checked at, ms), oldest first.
    pub samples: Vec<(DateTime<Utc>, u64)>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Records `now` as "monitored since" for each service that has none yet (or the time of its
/// oldest stored check, for a database that predates this table).
pub fn ensure_monitored(
    conn: &mut AnyConnection,
    names: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let known: std::collections::HashSet<String> = monitored_services::table
        .select(monitored_services::service_name)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let new: Vec<&String> = names.iter().filter(|n| !known.contains(*n)).collect();
    if new.is_empty() {
        return Ok(());
    }
    // One transaction for all of them: thousands of new services start in one commit.
    conn.transaction(|conn| record_monitored(conn, &new, now))
}

fn record_monitored(
    conn: &mut AnyConnection,
    new: &[&String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for name in new {
        let oldest: Option<NaiveDateTime> = health_checks::table
            .filter(health_checks::service_name.eq(*name))
            .select(diesel::dsl::min(health_checks::checked_at))
            .first(conn)?;
        diesel::insert_into(monitored_services::table)
            .values((
                monitored_services::service_name.eq(*name),
                monitored_services::monitored_since.eq(oldest.unwrap_or(now).min(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The history of every service in `names`.
pub fn load_history(
    conn: &mut AnyConnection,
    names: &[String],
    now: DateTime<Utc>,
) -> QueryResult<HashMap<String, History>> {
    let mut all: HashMap<String, History> = names
        .iter()
        .map(|n| (n.clone(), History::default()))
        .collect();
    let since: Vec<(String, NaiveDateTime)> = monitored_services::table.load(conn)?;
    for (name, at) in since {
        if let Some(h) = all.get_mut(&name) {
            h.monitored_since = Some(utc(at));
        }
    }
    let horizon = (now - Duration::days(HISTORY_DAYS + 1)).naive_utc();
    let rows: Vec<(String, NaiveDateTime, Option<NaiveDateTime>)> = outages::table
        .filter(
            outages::end_time
                .is_null()
                .or(outages::end_time.ge(horizon)),
        )
        .order(outages::start_time.asc())
        .select((
            outages::service_name,
            outages::start_time,
            outages::end_time,
        ))
        .load(conn)?;
    for (name, start, end) in rows {
        if let Some(h) = all.get_mut(&name) {
            h.outages.push(Span {
                start: utc(start),
                end: end.map(utc),
            });
        }
    }
    let day_ago = (now - Duration::hours(24)).naive_utc();
    for (name, h) in all.iter_mut() {
        h.samples = samples(conn, name, day_ago)?;
    }
    Ok(all)
}

fn samples(
    conn: &mut AnyConnection,
    name: &str,
    after: NaiveDateTime,
) -> QueryResult<Vec<(DateTime<Utc>, u64)>> {
    let rows: Vec<(NaiveDateTime, Option<i32>)> = health_checks::table
        .filter(health_checks::service_name.eq(name))
        .filter(health_checks::checked_at.ge(after))
        .filter(health_checks::response_time_ms.is_not_null())
        .order(health_checks::checked_at.desc())
        .limit(SAMPLES as i64)
        .select((health_checks::checked_at, health_checks::response_time_ms))
        .load(conn)?;
    let mut out: Vec<(DateTime<Utc>, u64)> = rows
        .into_iter()
        .filter_map(|(at, ms)| Some((utc(at), u64::try_from(ms?).ok()?)))
        .collect();
    out.reverse();
    Ok(out)
}

/// An `incidents` row as [`INCIDENT_COLUMNS`] selects it.
pub type IncidentRow = (i64, String, String, bool, NaiveDateTime, NaiveDateTime);
type WindowRow = (i64, String, String, String, NaiveDateTime, NaiveDateTime);

/// The columns of an [`Incident`], in [`IncidentRow`] order.
pub const INCIDENT_COLUMNS: (
    incidents::id,
    incidents::severity,
    incidents::text,
    incidents::active,
    incidents::created_at,
    incidents::updated_at,
) = (
    incidents::id,
    incidents::severity,
    incidents::text,
    incidents::active,
    incidents::created_at,
    incidents::updated_at,
);

/// The incident of a row.
pub fn incident(row: IncidentRow) -> Incident {
    let (id, severity, text, active, created, updated) = row;
    Incident {
        id,
        severity: Severity::parse(&severity),
        text,
        active,
        created_at: utc(created),
        updated_at: utc(updated),
    }
}

/// Open incidents, the last resolved ones, and the maintenance windows not yet over.
pub fn load_notices(conn: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<Notices> {
    let columns = INCIDENT_COLUMNS;
    let open = incidents::active
        .eq(true)
        .and(incidents::severity.ne("resolved"));
    let active: Vec<IncidentRow> = incidents::table
        .filter(open)
        .order(incidents::created_at.desc())
        .select(columns)
        .load(conn)?;
    let history: Vec<IncidentRow> = incidents::table
        .filter(
            incidents::active
                .eq(false)
                .or(incidents::severity.eq("resolved")),
        )
        .order(incidents::updated_at.desc())
        .limit(RECENT_INCIDENTS)
        .select(columns)
        .load(conn)?;
    let windows: Vec<WindowRow> = maintenance_windows::table
        .filter(maintenance_windows::active.eq(true))
        .filter(maintenance_windows::end_time.gt(now.naive_utc()))
        .order(maintenance_windows::start_time.asc())
        .select((
            maintenance_windows::id,
            maintenance_windows::title,
            maintenance_windows::description,
            maintenance_windows::affected_services,
            maintenance_windows::start_time,
            maintenance_windows::end_time,
        ))
        .load(conn)?;
    Ok(Notices {
        active: active.into_iter().map(incident).collect(),
        history: history.into_iter().map(incident).collect(),
        maintenance: windows
            .into_iter()
            .map(
                |(id, title, description, services, start, end)| Maintenance {
                    id,
                    title,
                    description,
                    services: serde_json::from_str(&services).unwrap_or_default(),
                    start: utc(start),
                    end: utc(end),
                },
            )
            .collect(),
    })
}
