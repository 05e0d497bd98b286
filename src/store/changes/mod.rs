//! The operators' changes: incidents, maintenance windows and outage force-resolve, shared
//! by the admin JSON API and the admin page (through the [`super::Store`]) and the CLI (on its
//! own connection). Every function validates its input (naming each bad field), works on a
//! database connection inside one transaction, and writes what it changed to `audit_log`.

pub mod audit;
pub mod incidents;
pub mod maintenance;
pub mod outages;
pub mod window_rules;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

/// One invalid field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, as the caller named it (`severity`, `services`, ...).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// `field`: `message`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The input is invalid; every problem is listed.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// No such row.
    #[error("{0} not found")]
    NotFound(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

fn describe(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    parts.join("; ")
}

/// `Ok(())` when `errors` is empty, else [`ChangeError::Invalid`].
pub fn check(errors: Vec<FieldError>) -> Result<(), ChangeError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ChangeError::Invalid(errors))
    }
}

/// A time as operators write it: RFC 3339 (`2026-12-01T02:00:00Z`), or the same without
/// seconds (`2026-12-01T02:00Z`), or `2026-12-01 02:00` (UTC).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let bare = text.trim_end_matches('Z');
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())
    .map(|t| t.and_utc())
}

/// Years a stored time may have: both databases keep 1 to 9999 (SQLite's date functions and
/// PostgreSQL's `timestamp` text round trip do not go further).
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// `Ok` when `t`'s year is within [`YEARS`]; otherwise why not.
pub fn year_in_range(t: DateTime<Utc>) -> Result<(), String> {
    use chrono::Datelike;
    if YEARS.contains(&t.year()) {
        Ok(())
    } else {
        Err(format!(
            "year {} is outside {} to {}",
            t.year(),
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// Runs `work` in a transaction; when SQLite refuses it because another connection wrote in
/// between (a read-then-write transaction cannot wait for the lock: "database is locked"),
/// the whole transaction is retried, a few times, with growing pauses.
pub fn transaction<T>(
    conn: &mut crate::db::AnyConnection,
    mut work: impl FnMut(&mut crate::db::AnyConnection) -> Result<T, ChangeError>,
) -> Result<T, ChangeError> {
    use diesel::Connection;
    let mut attempt = 0u64;
    loop {
        match conn.transaction(&mut work) {
            Err(ChangeError::Db(e)) if is_busy(&e) && attempt < 20 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(10 * attempt));
            }
            other => return other,
        }
    }
}

fn is_busy(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("database is locked") || info.message().contains("database is busy"))
}

/// Microseconds, what both databases keep.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_times_parse_in_their_usual_forms() {
        let expected = "2026-12-01T02:00:00Z";
        for text in [
            "2026-12-01T02:00Z",
            "2026-12-01T02:00:00Z",
            "2026-12-01 02:00",
            "2026-12-01T03:00:00+01:00",
        ] {
            let t = parse_time(text).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            assert_eq!(t.as_deref(), Some(expected), "{text}");
        }
        assert_eq!(parse_time("tomorrow"), None);
    }
}
