//! Writing a document's rows, skipping those already present by their natural key (service and
//! time for checks and outages, service for states — replaced —, creation time and text for
//! incidents, title and start for maintenance windows), then rolling the new check rows up
//! into their hours. The caller holds the transaction.

use super::rows::{CheckRow, IncidentRow, OutageRow, StateRow, WindowRow};
use super::{Counts, Document};
use crate::db::models::NewHealthCheck;
use crate::db::schema::{incidents, maintenance_windows as mw, outages, service_states};
use crate::db::{queries, AnyConnection};
use chrono::Utc;
use diesel::prelude::*;

fn check(c: &mut AnyConnection, r: &CheckRow) -> QueryResult<bool> {
    let row = NewHealthCheck {
        service_name: r.service_name.clone(),
        status: r.status.clone(),
        status_code: r.status_code,
        response_time_ms: r.response_time_ms,
        error_message: r.error_message.clone(),
        checked_at: r.checked_at.naive_utc(),
    };
    queries::insert_check(c, &row)
}

fn outage(c: &mut AnyConnection, r: &OutageRow) -> QueryResult<bool> {
    let start = r.start_time.naive_utc();
    let n: i64 = outages::table
        .filter(outages::service_name.eq(&r.service_name))
        .filter(outages::start_time.eq(start))
        .count()
        .get_result(c)?;
    if n > 0 {
        return Ok(false);
    }
    let now = Utc::now().naive_utc();
    diesel::insert_into(outages::table)
        .values((
            outages::service_name.eq(&r.service_name),
            outages::start_time.eq(start),
            outages::end_time.eq(r.end_time.map(|t| t.naive_utc())),
            outages::resolved.eq(r.resolved),
            outages::resolved_by.eq(&r.resolved_by),
            outages::created_at.eq(now),
            outages::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(true)
}

fn state(c: &mut AnyConnection, r: &StateRow) -> QueryResult<bool> {
    diesel::delete(service_states::table.find(&r.service_name)).execute(c)?;
    diesel::insert_into(service_states::table)
        .values((
            service_states::service_name.eq(&r.service_name),
            service_states::consecutive_failures.eq(r.consecutive_failures),
            service_states::streak_start.eq(r.streak_start.map(|t| t.naive_utc())),
            service_states::outage_start.eq(r.outage_start.map(|t| t.naive_utc())),
            service_states::down_alert_sent.eq(r.down_alert_sent),
            service_states::last_checked_at.eq(r.last_checked_at.map(|t| t.naive_utc())),
            service_states::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(c)?;
    Ok(true)
}

fn incident(c: &mut AnyConnection, r: &IncidentRow) -> QueryResult<bool> {
    let created = r.created_at.naive_utc();
    let n: i64 = incidents::table
        .filter(incidents::created_at.eq(created))
        .filter(incidents::text.eq(&r.text))
        .count()
        .get_result(c)?;
    if n > 0 {
        return Ok(false);
    }
    diesel::insert_into(incidents::table)
        .values((
            incidents::severity.eq(&r.severity),
            incidents::text.eq(&r.text),
            incidents::active.eq(r.active),
            incidents::created_at.eq(created),
            incidents::updated_at.eq(r.updated_at.naive_utc()),
        ))
        .execute(c)?;
    Ok(true)
}

fn window(c: &mut AnyConnection, r: &WindowRow) -> QueryResult<bool> {
    let start = r.start_time.naive_utc();
    let n: i64 = mw::table
        .filter(mw::title.eq(&r.title))
        .filter(mw::start_time.eq(start))
        .count()
        .get_result(c)?;
    if n > 0 {
        return Ok(false);
    }
    diesel::insert_into(mw::table)
        .values((
            mw::title.eq(&r.title),
            mw::description.eq(&r.description),
            mw::affected_services
                .eq(serde_json::to_string(&r.affected_services).unwrap_or_else(|_| "[]".into())),
            mw::start_time.eq(start),
            mw::end_time.eq(r.end_time.naive_utc()),
            mw::active.eq(r.active),
            mw::created_at.eq(r.created_at.naive_utc()),
            mw::updated_at.eq(r.updated_at.naive_utc()),
        ))
        .execute(c)?;
    Ok(true)
}

fn each<T>(
    c: &mut AnyConnection,
    rows: &[T],
    write: fn(&mut AnyConnection, &T) -> QueryResult<bool>,
) -> QueryResult<(usize, usize)> {
    let mut written = 0;
    for row in rows {
        if write(c, row)? {
            written += 1;
        }
    }
    Ok((written, rows.len() - written))
}

/// Writes `doc`; returns what was written and skipped per table.
pub fn write(c: &mut AnyConnection, doc: &Document) -> QueryResult<Counts> {
    let results = [
        ("health_checks", each(c, &doc.checks, check)?),
        ("outages", each(c, &doc.outages, outage)?),
        ("service_states", each(c, &doc.states, state)?),
        ("incidents", each(c, &doc.incidents, incident)?),
        ("maintenance_windows", each(c, &doc.windows, window)?),
    ];
    // Imported history counts in the hourly rollups at once, in the import's transaction.
    crate::db::rollups::roll_up(c)?;
    Ok(Counts {
        tables: results.into_iter().map(|(t, (w, s))| (t, w, s)).collect(),
    })
}
