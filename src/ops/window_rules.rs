//! The rules of a maintenance window, pure: a title, configured services only, an end after
//! its start.

use super::{check, parse_time, FieldError, OpsError};
use chrono::{DateTime, Utc};

/// Longest title.
pub const MAX_TITLE: usize = 200;

/// Checks a window's fields against the configured service names `known`; returns its times.
pub fn validate(
    title: &str,
    services: &[String],
    start: &str,
    end: &str,
    known: &[String],
) -> Result<(DateTime<Utc>, DateTime<Utc>), OpsError> {
    let mut errors = Vec::new();
    if title.trim().is_empty() {
        errors.push(FieldError::new("title", "must not be empty"));
    } else if title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new(
            "title",
            format!("is longer than {MAX_TITLE} characters"),
        ));
    }
    let unknown: Vec<&String> = services.iter().filter(|s| !known.contains(s)).collect();
    if !unknown.is_empty() {
        let quoted = |v: Vec<&String>| {
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        errors.push(FieldError::new(
            "services",
            format!(
                "unknown service(s) {}; configured: {}",
                quoted(unknown),
                quoted(known.iter().collect())
            ),
        ));
    }
    let start_at = parse_time(start);
    let end_at = parse_time(end);
    if start_at.is_none() {
        errors.push(FieldError::new(
            "start",
            format!("{start:?} is not a time like 2026-12-01T02:00Z"),
        ));
    }
    if end_at.is_none() {
        errors.push(FieldError::new(
            "end",
            format!("{end:?} is not a time like 2026-12-01T04:00Z"),
        ));
    }
    if let (Some(s), Some(e)) = (start_at, end_at) {
        if e <= s {
            errors.push(FieldError::new("end", "must be after start"));
        }
    }
    check(errors)?;
    match (start_at, end_at) {
        (Some(s), Some(e)) => Ok((s, e)),
        _ => Err(OpsError::Invalid(Vec::new())),
    }
}
