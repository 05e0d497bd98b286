//! Incidents: post, edit, resolve, delete, list.

use super::{audit, check, ChangeError, FieldError};
use crate::db::notices::{incident, IncidentRow, INCIDENT_COLUMNS};
use crate::db::schema::incidents;
use crate::db::AnyConnection;
use crate::domain::notices::{Incident, Severity};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

/// Longest incident text.
pub const MAX_TEXT: usize = 10_000;
const SEVERITIES: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Resolved];

/// A new incident, as operators send it: the severity is text until it is checked, so a bad
/// one is reported by name with the other problems.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// `high`, `medium` or `resolved`.
    pub severity: String,
    /// Plain text, at most 10,000 characters.
    pub text: String,
}

/// A change to an incident; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// New severity.
    pub severity: Option<String>,
    /// New text.
    pub text: Option<String>,
    /// Shown as active.
    pub active: Option<bool>,
}

/// The [`Severity`] `severity` names, or `None` and a problem unless it is high, medium or
/// resolved.
pub fn check_severity(errors: &mut Vec<FieldError>, severity: &str) -> Option<Severity> {
    let named = SEVERITIES.into_iter().find(|s| s.as_str() == severity);
    if named.is_none() {
        errors.push(FieldError::new(
            "severity",
            format!("{severity:?} is not one of high, medium, resolved"),
        ));
    }
    named
}

/// A problem with `text` when it is blank or longer than [`MAX_TEXT`].
pub fn check_text(errors: &mut Vec<FieldError>, text: &str) {
    if text.trim().is_empty() {
        errors.push(FieldError::new("text", "must not be empty"));
    } else if text.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            "text",
            format!("is longer than {MAX_TEXT} characters"),
        ));
    }
}

/// One incident.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Incident, ChangeError> {
    let row: Option<IncidentRow> = incidents::table
        .find(id)
        .select(INCIDENT_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(incident)
        .ok_or_else(|| ChangeError::NotFound(format!("incident {id}")))
}

/// Every incident, newest first (at most 500).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Incident>, ChangeError> {
    let rows: Vec<IncidentRow> = incidents::table
        .order(incidents::id.desc())
        .limit(500)
        .select(INCIDENT_COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(incident).collect())
}

/// Posts an incident (active unless its severity is `resolved`).
pub fn create(
    conn: &mut AnyConnection,
    actor: &str,
    input: &NewIncident,
    now: DateTime<Utc>,
) -> Result<Incident, ChangeError> {
    let mut errors = Vec::new();
    let severity = check_severity(&mut errors, &input.severity);
    check_text(&mut errors, &input.text);
    let severity = match severity {
        Some(severity) if errors.is_empty() => severity,
        _ => return Err(ChangeError::Invalid(errors)),
    };
    super::transaction(conn, |c| {
        let id: i64 = diesel::insert_into(incidents::table)
            .values((
                incidents::severity.eq(severity.as_str()),
                incidents::text.eq(&input.text),
                incidents::active.eq(severity != Severity::Resolved),
                incidents::created_at.eq(now.naive_utc()),
                incidents::updated_at.eq(now.naive_utc()),
            ))
            .returning(incidents::id)
            .get_result(c)?;
        let created = get(c, id)?;
        audit::record(
            c,
            actor,
            "incident.create",
            &format!("incident {id}"),
            None::<&Incident>,
            Some(&created),
            now,
        )?;
        Ok(created)
    })
}

/// Changes an incident.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    patch: &IncidentPatch,
    now: DateTime<Utc>,
) -> Result<Incident, ChangeError> {
    let mut errors = Vec::new();
    let severity = patch
        .severity
        .as_deref()
        .and_then(|s| check_severity(&mut errors, s));
    if let Some(t) = &patch.text {
        check_text(&mut errors, t);
    }
    check(errors)?;
    super::transaction(conn, |c| {
        let before = get(c, id)?;
        let severity = severity.unwrap_or(before.severity);
        // Resolving makes an incident inactive unless the patch says otherwise.
        let active = patch
            .active
            .unwrap_or(before.active && severity != Severity::Resolved);
        diesel::update(incidents::table.find(id))
            .set((
                incidents::severity.eq(severity.as_str()),
                incidents::text.eq(patch.text.as_ref().unwrap_or(&before.text)),
                incidents::active.eq(active),
                incidents::updated_at.eq(now.naive_utc()),
            ))
            .execute(c)?;
        let after = get(c, id)?;
        audit::record(
            c,
            actor,
            "incident.update",
            &format!("incident {id}"),
            Some(&before),
            Some(&after),
            now,
        )?;
        Ok(after)
    })
}

/// Resolves an incident: inactive, severity `resolved`.
pub fn resolve(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Incident, ChangeError> {
    let patch = IncidentPatch {
        severity: Some("resolved".into()),
        active: Some(false),
        text: None,
    };
    update(conn, actor, id, &patch, now)
}

/// Deletes an incident.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ChangeError> {
    super::transaction(conn, |c| {
        let before = get(c, id)?;
        diesel::delete(incidents::table.find(id)).execute(c)?;
        audit::record(
            c,
            actor,
            "incident.delete",
            &format!("incident {id}"),
            Some(&before),
            None::<&Incident>,
            now,
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_severity_is_one_of_three_names_or_a_problem_naming_it() {
        let mut errors = Vec::new();
        assert_eq!(check_severity(&mut errors, "high"), Some(Severity::High));
        assert_eq!(
            check_severity(&mut errors, "medium"),
            Some(Severity::Medium)
        );
        assert_eq!(
            check_severity(&mut errors, "resolved"),
            Some(Severity::Resolved)
        );
        assert!(errors.is_empty());
        assert_eq!(check_severity(&mut errors, "High"), None);
        assert_eq!(
            errors,
            [FieldError::new(
                "severity",
                "\"High\" is not one of high, medium, resolved"
            )]
        );
    }
}
