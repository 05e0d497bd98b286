//! The rules of a maintenance window, pure: a title, configured services only, an end after
//! its start.

use super::{check, parse_time, year_in_range, ChangeError, FieldError};
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
) -> Result<(DateTime<Utc>, DateTime<Utc>), ChangeError> {
    let mut errors = Vec::new();
    check_title(&mut errors, title);
    check_services(&mut errors, services, known);
    let start_at = time(&mut errors, "start", start, "2026-12-01T02:00Z");
    let end_at = time(&mut errors, "end", end, "2026-12-01T04:00Z");
    if let (Some(s), Some(e)) = (start_at, end_at) {
        if e <= s {
            errors.push(FieldError::new("end", "must be after start"));
        }
    }
    check(errors)?;
    match (start_at, end_at) {
        (Some(s), Some(e)) => Ok((s, e)),
        _ => Err(ChangeError::Invalid(Vec::new())),
    }
}

/// `text` as a time within the years both databases keep, or a problem naming `field`.
fn time(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &str,
    example: &str,
) -> Option<DateTime<Utc>> {
    let Some(t) = parse_time(text) else {
        errors.push(FieldError::new(
            field,
            format!("{text:?} is not a time like {example}"),
        ));
        return None;
    };
    match year_in_range(t) {
        Ok(()) => Some(t),
        Err(why) => {
            errors.push(FieldError::new(field, why));
            None
        }
    }
}

/// A problem with `title` when it is blank or longer than [`MAX_TITLE`].
pub fn check_title(errors: &mut Vec<FieldError>, title: &str) {
    if title.trim().is_empty() {
        errors.push(FieldError::new("title", "must not be empty"));
    } else if title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new(
            "title",
            format!("is longer than {MAX_TITLE} characters"),
        ));
    }
}

/// A problem with `services` when one is not among the configured `known`.
pub fn check_services(errors: &mut Vec<FieldError>, services: &[String], known: &[String]) {
    let unknown: Vec<&String> = services.iter().filter(|s| !known.contains(s)).collect();
    if unknown.is_empty() {
        return;
    }
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
