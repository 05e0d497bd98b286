//! Every statement Watchpost runs, as plain functions over a connection.

use super::connection::AnyConnection;
use super::models::{NewAlert, NewHealthCheck, PendingAlertRow, StateRow, WriteOp};
use super::schema::{alert_outbox, health_checks, outages, service_states};
use crate::alert::OutboxState;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

/// Check rows per multi-row INSERT (7 values each: well under both backends' bind limits).
const CHECK_CHUNK: usize = 500;

/// Applies `ops` and upserts `states`, all in one transaction: the check rows first, in
/// multi-row inserts, then the other writes in order, then the new checks are rolled up.
/// Returns how many check rows were new (a replayed row is skipped).
pub fn apply_batch(
    conn: &mut AnyConnection,
    ops: &[WriteOp],
    states: &[StateRow],
) -> QueryResult<usize> {
    let checks: Vec<NewHealthCheck> = ops
        .iter()
        .filter_map(|op| match op {
            WriteOp::Check(row) => Some(row.clone()),
            _ => None,
        })
        .collect();
    conn.transaction(|c| {
        let written = insert_checks(c, &checks)?;
        for op in ops.iter().filter(|op| !matches!(op, WriteOp::Check(_))) {
            apply(c, op)?;
        }
        for row in states {
            upsert_state(c, row)?;
        }
        if written > 0 {
            super::rollups::roll_up(c)?;
        }
        Ok(written)
    })
}

/// Stores check rows, skipping any already stored (checks are unique by service and time);
/// returns how many were new.
pub fn insert_checks(c: &mut AnyConnection, rows: &[NewHealthCheck]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(CHECK_CHUNK) {
        let insert = diesel::insert_into(health_checks::table).values(chunk);
        written += match c {
            AnyConnection::Sqlite(c) => insert.on_conflict_do_nothing().execute(c)?,
            AnyConnection::Postgresql(c) => insert.on_conflict_do_nothing().execute(c)?,
        };
    }
    Ok(written)
}

fn apply(c: &mut AnyConnection, op: &WriteOp) -> QueryResult<()> {
    let now = Utc::now().naive_utc();
    match op {
        // Every write is safe to repeat: a batch whose COMMIT reply was lost is written again.
        WriteOp::Check(row) => insert_check(c, row).map(drop),
        WriteOp::OpenOutage { service, start } => {
            // An open one, or this very one already closed (a replayed open-and-close).
            let open: i64 = outages::table
                .filter(outages::service_name.eq(service))
                .filter(
                    outages::end_time
                        .is_null()
                        .or(outages::start_time.eq(start)),
                )
                .count()
                .get_result(c)?;
            if open > 0 {
                return Ok(());
            }
            diesel::insert_into(outages::table)
                .values((
                    outages::service_name.eq(service),
                    outages::start_time.eq(start),
                    outages::resolved.eq(false),
                    outages::created_at.eq(now),
                    outages::updated_at.eq(now),
                ))
                .execute(c)
                .map(drop)
        }
        WriteOp::CloseOutage { service, end } => diesel::update(outages::table)
            .filter(outages::service_name.eq(service))
            .filter(outages::end_time.is_null())
            .set((
                outages::end_time.eq(end),
                outages::resolved.eq(true),
                outages::updated_at.eq(now),
            ))
            .execute(c)
            .map(drop),
        WriteOp::Alert(alert) => {
            if !alert_exists(c, &alert.dedupe_key)? {
                diesel::insert_into(alert_outbox::table)
                    .values(alert)
                    .execute(c)?;
            }
            Ok(())
        }
        WriteOp::AlertDone(alert) => finish_alert(c, alert),
    }
}

/// Stores one check unless one of the service at that time is stored already; returns whether
/// it was written.
pub fn insert_check(c: &mut AnyConnection, row: &NewHealthCheck) -> QueryResult<bool> {
    insert_checks(c, std::slice::from_ref(row)).map(|n| n > 0)
}

fn alert_exists(c: &mut AnyConnection, key: &str) -> QueryResult<bool> {
    let n: i64 = alert_outbox::table
        .filter(alert_outbox::dedupe_key.eq(key))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

fn finish_alert(c: &mut AnyConnection, alert: &NewAlert) -> QueryResult<()> {
    let updated = diesel::update(alert_outbox::table)
        .filter(alert_outbox::dedupe_key.eq(&alert.dedupe_key))
        .set((
            alert_outbox::state.eq(&alert.state),
            alert_outbox::attempts.eq(alert.attempts),
            alert_outbox::last_error.eq(&alert.last_error),
            alert_outbox::sent_at.eq(alert.sent_at),
        ))
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(alert_outbox::table)
            .values(alert)
            .execute(c)?;
    }
    Ok(())
}

fn upsert_state(c: &mut AnyConnection, row: &StateRow) -> QueryResult<()> {
    let updated = diesel::update(service_states::table.find(&row.service_name))
        .set(row)
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(service_states::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

/// Every service's saved state.
pub fn load_states(conn: &mut AnyConnection) -> QueryResult<Vec<StateRow>> {
    service_states::table
        .select(StateRow::as_select())
        .load(conn)
}

/// Open outages: (service, start), oldest first.
pub fn open_outages(conn: &mut AnyConnection) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    outages::table
        .filter(outages::end_time.is_null())
        .order(outages::start_time.asc())
        .select((outages::service_name, outages::start_time))
        .load(conn)
}

/// Alerts written but not yet delivered, in the order they were written.
pub fn pending_alerts(conn: &mut AnyConnection) -> QueryResult<Vec<PendingAlertRow>> {
    alert_outbox::table
        .filter(alert_outbox::state.eq(OutboxState::Pending.as_str()))
        .order(alert_outbox::id.asc())
        .select(PendingAlertRow::as_select())
        .load(conn)
}

/// Check rows older than `cutoff`.
pub fn count_checks_before(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<i64> {
    health_checks::table
        .filter(health_checks::checked_at.lt(cutoff))
        .count()
        .get_result(conn)
}

/// Deletes check rows older than `cutoff`; returns how many.
pub fn delete_checks_before(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(health_checks::table.filter(health_checks::checked_at.lt(cutoff))).execute(conn)
}
