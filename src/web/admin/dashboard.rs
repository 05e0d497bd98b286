//! What the admin dashboard renders: the database's overview, the live snapshot, and a
//! refused submission with its form. Plain data, shared by the dashboard's views and its
//! forms (kept apart from both so neither imports the other back).

use crate::snapshot::Snapshot;
use crate::store::changes::FieldError;
pub use crate::store::Overview;
use chrono::{DateTime, Utc};

/// The form a submission came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    /// New incident.
    Incident,
    /// New maintenance window.
    Maintenance,
    /// A button on a listed item (resolve, cancel, delete).
    Action,
}

/// A refused submission: its form, every problem, and the values to show again.
#[derive(Clone, Debug)]
pub struct Problem {
    /// Where it came from.
    pub form: FormKind,
    /// What is wrong, per field.
    pub errors: Vec<FieldError>,
    /// The submitted fields.
    pub values: Vec<(String, String)>,
}

/// Everything the dashboard renders.
pub struct Dashboard<'a> {
    /// The signed-in token's name.
    pub who: &'a str,
    /// The session's CSRF token.
    pub csrf: &'a str,
    /// Live status.
    pub snapshot: &'a Snapshot,
    /// Outages, notices, audit.
    pub overview: &'a Overview,
    /// Configured service names (the maintenance checkboxes).
    pub services: &'a [String],
    /// What the last action did.
    pub flash: Option<String>,
    /// A refused submission.
    pub problem: Option<&'a Problem>,
    /// Now.
    pub now: DateTime<Utc>,
}
