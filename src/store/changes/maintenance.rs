//! Maintenance windows: schedule, edit, cancel, delete, list. Services must be configured.

pub use super::window_rules::{validate, MAX_TITLE};
use super::{audit, ChangeError};
use crate::db::notices::{window, WindowRow, WINDOW_COLUMNS};
use crate::db::schema::maintenance_windows as mw;
use crate::db::AnyConnection;
use crate::domain::notices::Maintenance;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A maintenance window as stored: the window the page shows, and its bookkeeping. Serialized
/// flat, the window's fields first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Window {
    /// Title, services and times.
    #[serde(flatten)]
    pub window: Maintenance,
    /// False once cancelled.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new window; times as operators write them (see [`super::parse_time`]).
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

type Row = (WindowRow, bool, NaiveDateTime, NaiveDateTime);

fn from_row((row, active, created, updated): Row) -> Window {
    Window {
        window: window(row),
        active,
        created_at: created.and_utc(),
        updated_at: updated.and_utc(),
    }
}

fn load(conn: &mut AnyConnection, id: Option<i64>) -> QueryResult<Vec<Window>> {
    let mut query = mw::table
        .select((WINDOW_COLUMNS, mw::active, mw::created_at, mw::updated_at))
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
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Window, ChangeError> {
    load(conn, Some(id))?
        .pop()
        .ok_or_else(|| ChangeError::NotFound(format!("maintenance window {id}")))
}

/// Every window, latest start first (at most 500).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Window>, ChangeError> {
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
) -> Result<Window, ChangeError> {
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
) -> Result<Window, ChangeError> {
    super::transaction(conn, |c| {
        let before = get(c, id)?;
        let title = patch
            .title
            .clone()
            .unwrap_or_else(|| before.window.title.clone());
        let services = patch
            .services
            .clone()
            .unwrap_or_else(|| before.window.services.clone());
        let start = patch
            .start
            .clone()
            .unwrap_or_else(|| before.window.start.to_rfc3339());
        let end = patch
            .end
            .clone()
            .unwrap_or_else(|| before.window.end.to_rfc3339());
        let (start, end) = validate(&title, &services, &start, &end, known)?;
        diesel::update(mw::table.find(id))
            .set((
                mw::title.eq(title.trim()),
                mw::description.eq(patch
                    .description
                    .as_ref()
                    .unwrap_or(&before.window.description)),
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
    now: DateTime<Utc>,
) -> Result<Window, ChangeError> {
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
) -> Result<(), ChangeError> {
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
