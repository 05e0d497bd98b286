//! Read-side queries of what operators decided: incidents, maintenance windows and outages
//! resolved by hand, with the one decoder of each row (the operators' changes in
//! `crate::store::changes` read their rows through these too).

use super::connection::AnyConnection;
use super::schema::{incidents, maintenance_windows as mw, outages};
use crate::domain::notices::{Incident, Maintenance, Notices, Severity};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// Resolved incidents shown under Recent History.
pub const RECENT_INCIDENTS: i64 = 10;

/// An `incidents` row as [`INCIDENT_COLUMNS`] selects it.
pub type IncidentRow = (i64, String, String, bool, NaiveDateTime, NaiveDateTime);

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
        created_at: created.and_utc(),
        updated_at: updated.and_utc(),
    }
}

/// A `maintenance_windows` row as [`WINDOW_COLUMNS`] selects it.
pub type WindowRow = (i64, String, String, String, NaiveDateTime, NaiveDateTime);

/// The columns of a [`Maintenance`] window, in [`WindowRow`] order.
pub const WINDOW_COLUMNS: (
    mw::id,
    mw::title,
    mw::description,
    mw::affected_services,
    mw::start_time,
    mw::end_time,
) = (
    mw::id,
    mw::title,
    mw::description,
    mw::affected_services,
    mw::start_time,
    mw::end_time,
);

/// The maintenance window of a row (its services are stored as a JSON list).
pub fn window(row: WindowRow) -> Maintenance {
    let (id, title, description, services, start, end) = row;
    Maintenance {
        id,
        title,
        description,
        services: serde_json::from_str(&services).unwrap_or_default(),
        start: start.and_utc(),
        end: end.and_utc(),
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
    let windows: Vec<WindowRow> = mw::table
        .filter(mw::active.eq(true))
        .filter(mw::end_time.gt(now.naive_utc()))
        .order(mw::start_time.asc())
        .select(WINDOW_COLUMNS)
        .load(conn)?;
    Ok(Notices {
        active: active.into_iter().map(incident).collect(),
        history: history.into_iter().map(incident).collect(),
        maintenance: windows.into_iter().map(window).collect(),
    })
}

/// Outages an operator resolved since `since`: (service, start). The monitors forget an open
/// outage of theirs that is in this list.
pub fn resolved_by_operators(
    conn: &mut AnyConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<(String, DateTime<Utc>)>> {
    let rows: Vec<(String, NaiveDateTime)> = outages::table
        .filter(outages::resolved_by.is_not_null())
        .filter(outages::end_time.ge(since.naive_utc()))
        .select((outages::service_name, outages::start_time))
        .load(conn)?;
    Ok(rows.into_iter().map(|(s, t)| (s, t.and_utc())).collect())
}
