//! Outages: list, and force-resolve a stuck one. The monitor reconciles at its next cycle:
//! no recovery alert for a resolved outage, and a new outage (with its own down alert) if the
//! service is still failing at the threshold.

use super::{audit, check, ChangeError, FieldError};
use crate::db::schema::{outages, service_states};
use crate::db::AnyConnection;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// An outage as operators see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outage {
    /// Row id.
    pub id: i64,
    /// Service name.
    pub service: String,
    /// First failure.
    pub start: DateTime<Utc>,
    /// Recovery or force-resolve; `null` while open.
    pub end: Option<DateTime<Utc>>,
    /// Seconds, up to now while open.
    pub duration_seconds: i64,
    /// Closed.
    pub resolved: bool,
    /// The operator who force-resolved it; `null` when the service recovered.
    pub resolved_by: Option<String>,
}

type Row = (
    i64,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    bool,
    Option<String>,
);

fn from_row(r: Row, now: DateTime<Utc>) -> Outage {
    let (start, end) = (r.2.and_utc(), r.3.map(|e| e.and_utc()));
    Outage {
        id: r.0,
        service: r.1,
        start,
        end,
        duration_seconds: (end.unwrap_or(now) - start).num_seconds().max(0),
        resolved: r.4,
        resolved_by: r.5,
    }
}

fn load(
    conn: &mut AnyConnection,
    id: Option<i64>,
    open_only: bool,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Outage>> {
    let mut query = outages::table
        .select((
            outages::id,
            outages::service_name,
            outages::start_time,
            outages::end_time,
            outages::resolved,
            outages::resolved_by,
        ))
        .order(outages::start_time.desc())
        .limit(500)
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(outages::id.eq(id));
    }
    if open_only {
        query = query.filter(outages::end_time.is_null());
    }
    let rows: Vec<Row> = query.load(conn)?;
    Ok(rows.into_iter().map(|r| from_row(r, now)).collect())
}

/// Outages, newest first (at most 500); only the open ones with `open_only`.
pub fn list(
    conn: &mut AnyConnection,
    open_only: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Outage>, ChangeError> {
    Ok(load(conn, None, open_only, now)?)
}

/// One outage.
pub fn get(conn: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> Result<Outage, ChangeError> {
    load(conn, Some(id), false, now)?
        .pop()
        .ok_or_else(|| ChangeError::NotFound(format!("outage {id}")))
}

/// Force-resolves an outage not marked resolved: an open one ends now, one that has an end
/// (an imported row) keeps it; `resolved_by` names the operator, and the service's saved state
/// forgets it (so a restart does not bring it back).
pub fn resolve(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Outage, ChangeError> {
    super::transaction(conn, |c| {
        let before = get(c, id, now)?;
        if before.resolved {
            check(vec![FieldError::new(
                "id",
                format!("outage {id} is already resolved"),
            )])?;
        }
        let end = before.end.unwrap_or(now);
        diesel::update(outages::table.find(id))
            .set((
                outages::end_time.eq(Some(end.naive_utc())),
                outages::resolved.eq(true),
                outages::resolved_by.eq(Some(actor)),
                outages::updated_at.eq(now.naive_utc()),
            ))
            .execute(c)?;
        diesel::update(
            service_states::table
                .filter(service_states::service_name.eq(&before.service))
                .filter(service_states::outage_start.eq(before.start.naive_utc())),
        )
        .set((
            service_states::consecutive_failures.eq(0),
            service_states::streak_start.eq(None::<NaiveDateTime>),
            service_states::outage_start.eq(None::<NaiveDateTime>),
            service_states::down_alert_sent.eq(false),
            service_states::updated_at.eq(now.naive_utc()),
        ))
        .execute(c)?;
        let after = get(c, id, now)?;
        audit::record(
            c,
            actor,
            "outage.resolve",
            &format!("outage {id}"),
            Some(&before),
            Some(&after),
            now,
        )?;
        Ok(after)
    })
}
