//! Maintenance windows: schedule, edit, cancel, delete, list. Services must be configured.

pub use super::window_rules::{validate, MAX_TITLE};
use super::{audit, OpsError};
use crate::db::schema::maintenance_windows as mw;
use crate::db::AnyConnection;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A maintenance window as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Affected services; empty for all.
    pub services: Vec<String>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// False once cancelled.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new window; times as operators write them (see [`parse_time`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Affected services (empty: all).
    #[serde(default)]
    pub services: Vec<String>,
    /// Start.
    pub start: String,
    /// End, strictly after the start.
    pub end: String,
}

/// A change to a window; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowPatch {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Affected services.
    pub services: Option<Vec<String>>,
    /// Start.
    pub start: Option<String>,
    /// End.
    pub end: Option<String>,
    /// False cancels it.
    pub active: Option<bool>,
}

type Row = (
    i64,
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    bool,
    NaiveDateTime,
    NaiveDateTime,
);

fn from_row(r: Row) -> Window {
    Window {
        id: r.0,
        title: r.1,
        description: r.2,
        services: serde_json::from_str(&r.3).unwrap_or_default(),
        start: r.4.and_utc(),
        end: r.5.and_utc(),
        active: r.6,
        created_at: r.7.and_utc(),
        updated_at: r.8.and_utc(),
    }
}

fn load(conn: &mut AnyConnection, id: Option<i64>) -> QueryResult<Vec<Window>> {
    let mut query = mw::table
        .select((
            mw::id,
            mw::title,
            mw::description,
            mw::affected_services,
            mw::start_time,
            mw::end_time,
            mw::active,
            mw::created_at,
            mw::updated_at,
        ))
        .order(mw::start_time.desc())
        .limit(500)
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(mw::id.eq(id));
    }
    let rows: Vec<Row> = query.load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One window.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Window, OpsError> {
    load(conn, Some(id))?
        .pop()
        .ok_or_else(|| OpsError::NotFound(format!("maintenance window {id}")))
}

/// Every window, latest start first (at most 500).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Window>, OpsError> {
    Ok(load(conn, None)?)
}

fn services_json(services: &[String]) -> String {
    serde_json::to_string(services).unwrap_or_else(|_| "[]".into())
}

/// Schedules a window.
pub fn create(
    conn: &mut AnyConnection,
    actor: &str,
    input: &NewWindow,
    known: &[String],
    now: DateTime<Utc>,
) -> Result<Window, OpsError> {
    let (start, end) = validate(
        &input.title,
        &input.services,
        &input.start,
        &input.end,
        known,
    )?;
    super::transaction(conn, |c| {
        let id: i64 = diesel::insert_into(mw::table)
            .values((
                mw::title.eq(input.title.trim()),
                mw::description.eq(&input.description),
                mw::affected_services.eq(services_json(&input.services)),
                mw::start_time.eq(start.naive_utc()),
                mw::end_time.eq(end.naive_utc()),
                mw::active.eq(true),
                mw::created_at.eq(now.naive_utc()),
                mw::updated_at.eq(now.naive_utc()),
            ))
            .returning(mw::id)
            .get_result(c)?;
        let created = get(c, id)?;
        audit::record(
            c,
            actor,
            "maintenance.create",
            &format!("maintenance {id}"),
            None::<&Window>,
            Some(&created),
            now,
        )?;
        Ok(created)
    })
}

/// Changes a window; the result is validated as a whole.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    patch: &WindowPatch,
    known: &[String],
    now: DateTime<Utc>,
) -> Result<Window, OpsError> {
    super::transaction(conn, |c| {
        let before = get(c, id)?;
        let title = patch.title.clone().unwrap_or_else(|| before.title.clone());
        let services = patch
            .services
            .clone()
            .unwrap_or_else(|| before.services.clone());
        let start = patch
            .start
            .clone()
            .unwrap_or_else(|| before.start.to_rfc3339());
        let end = patch.end.clone().unwrap_or_else(|| before.end.to_rfc3339());
        let (start, end) = validate(&title, &services, &start, &end, known)?;
        diesel::update(mw::table.find(id))
            .set((
                mw::title.eq(title.trim()),
                mw::description.eq(patch.description.as_ref().unwrap_or(&before.description)),
                mw::affected_services.eq(services_json(&services)),
                mw::start_time.eq(start.naive_utc()),
                mw::end_time.eq(end.naive_utc()),
                mw::active.eq(patch.active.unwrap_or(before.active)),
                mw::updated_at.eq(now.naive_utc()),
            ))
            .execute(c)?;
        let after = get(c, id)?;
        audit::record(
            c,
            actor,
            "maintenance.update",
            &format!("maintenance {id}"),
            Some(&before),
            Some(&after),
            now,
        )?;
        Ok(after)
    })
}

/// Cancels a window (kept, inactive). Not validated again, so a window naming a service
/// since removed from the configuration can still be cancelled.
pub fn cancel(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    _known: &[String],
    now: DateTime<Utc>,
) -> Result<Window, OpsError> {
    super::transaction(conn, |c| {
        let before = get(c, id)?;
        diesel::update(mw::table.find(id))
            .set((mw::active.eq(false), mw::updated_at.eq(now.naive_utc())))
            .execute(c)?;
        let after = get(c, id)?;
        let subject = format!("maintenance {id}");
        audit::record(
            c,
            actor,
            "maintenance.update",
            &subject,
            Some(&before),
            Some(&after),
            now,
        )?;
        Ok(after)
    })
}

/// Deletes a window.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    super::transaction(conn, |c| {
        let before = get(c, id)?;
        diesel::delete(mw::table.find(id)).execute(c)?;
        audit::record(
            c,
            actor,
            "maintenance.delete",
            &format!("maintenance {id}"),
            Some(&before),
            None::<&Window>,
            now,
        )?;
        Ok(())
    })
}

#[cfg(test)]
#[path = "maintenance_tests.rs"]
mod tests;
