//! The rows of an export document, one type per table (DESIGN.md §3.4 columns, no ids, times
//! RFC 3339 UTC), and reading them back from JSON with errors that name the row and field.

pub use super::fields::micros;
use super::fields::{not_before, one_of, Fields, Read};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// A `health_checks` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckRow {
    /// Service.
    pub service_name: String,
    /// `up` or `down`.
    pub status: String,
    /// Last HTTP status.
    pub status_code: Option<i32>,
    /// Milliseconds.
    pub response_time_ms: Option<i32>,
    /// Error text.
    pub error_message: Option<String>,
    /// When.
    pub checked_at: DateTime<Utc>,
}

/// An `outages` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutageRow {
    /// Service.
    pub service_name: String,
    /// First failure.
    pub start_time: DateTime<Utc>,
    /// Recovery; `null` while open.
    pub end_time: Option<DateTime<Utc>>,
    /// Closed.
    pub resolved: bool,
    /// Operator who resolved it by hand.
    pub resolved_by: Option<String>,
}

/// A `service_states` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateRow {
    /// Service.
    pub service_name: String,
    /// Down cycles in a row.
    pub consecutive_failures: i32,
    /// First failure of the streak.
    pub streak_start: Option<DateTime<Utc>>,
    /// Start of the confirmed outage.
    pub outage_start: Option<DateTime<Utc>>,
    /// Its down alert went out.
    pub down_alert_sent: bool,
    /// Last check.
    pub last_checked_at: Option<DateTime<Utc>>,
}

/// An `incidents` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentRow {
    /// high, medium or resolved.
    pub severity: String,
    /// Text.
    pub text: String,
    /// Shown as active.
    pub active: bool,
    /// Posted.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A `maintenance_windows` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowRow {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Affected services (empty: all).
    pub affected_services: Vec<String>,
    /// Start.
    pub start_time: DateTime<Utc>,
    /// End.
    pub end_time: DateTime<Utc>,
    /// Not cancelled.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl CheckRow {
    /// Reads and checks one row.
    pub fn read(v: &Value) -> Read<Self> {
        let f = Fields::new(
            v,
            &[
                "service_name",
                "status",
                "status_code",
                "response_time_ms",
                "error_message",
                "checked_at",
            ],
        )?;
        Ok(CheckRow {
            service_name: f.text("service_name")?,
            status: one_of("status", f.text("status")?, &["up", "down"])?,
            status_code: f.opt_int("status_code")?,
            response_time_ms: f.opt_int("response_time_ms")?,
            error_message: f.opt_text("error_message")?,
            checked_at: f.time("checked_at")?,
        })
    }
}

impl OutageRow {
    /// Reads and checks one row.
    pub fn read(v: &Value) -> Read<Self> {
        let f = Fields::new(
            v,
            &[
                "service_name",
                "start_time",
                "end_time",
                "resolved",
                "resolved_by",
            ],
        )?;
        let row = OutageRow {
            service_name: f.text("service_name")?,
            start_time: f.time("start_time")?,
            end_time: f.opt_time("end_time")?,
            resolved: f.flag("resolved")?,
            resolved_by: f.opt_text("resolved_by")?,
        };
        if let Some(end) = row.end_time {
            not_before("end_time", end, row.start_time, "start_time")?;
        }
        Ok(row)
    }
}

impl StateRow {
    /// Reads and checks one row.
    pub fn read(v: &Value) -> Read<Self> {
        let f = Fields::new(
            v,
            &[
                "service_name",
                "consecutive_failures",
                "streak_start",
                "outage_start",
                "down_alert_sent",
                "last_checked_at",
            ],
        )?;
        let failures = f.opt_int("consecutive_failures")?.unwrap_or(0);
        if failures < 0 {
            return Err("field consecutive_failures: must not be negative".into());
        }
        Ok(StateRow {
            service_name: f.text("service_name")?,
            consecutive_failures: failures,
            streak_start: f.opt_time("streak_start")?,
            outage_start: f.opt_time("outage_start")?,
            down_alert_sent: f.flag("down_alert_sent")?,
            last_checked_at: f.opt_time("last_checked_at")?,
        })
    }
}

impl IncidentRow {
    /// Reads and checks one row.
    pub fn read(v: &Value) -> Read<Self> {
        let f = Fields::new(
            v,
            &["severity", "text", "active", "created_at", "updated_at"],
        )?;
        let row = IncidentRow {
            severity: one_of(
                "severity",
                f.text("severity")?,
                &["high", "medium", "resolved"],
            )?,
            text: f.text("text")?,
            active: f.flag("active")?,
            created_at: f.time("created_at")?,
            updated_at: f.time("updated_at")?,
        };
        not_before("updated_at", row.updated_at, row.created_at, "created_at")?;
        Ok(row)
    }
}

impl WindowRow {
    /// Reads and checks one row.
    pub fn read(v: &Value) -> Read<Self> {
        let f = Fields::new(
            v,
            &[
                "title",
                "description",
                "affected_services",
                "start_time",
                "end_time",
                "active",
                "created_at",
                "updated_at",
            ],
        )?;
        let row = WindowRow {
            title: f.text("title")?,
            description: f.opt_text("description")?.unwrap_or_default(),
            affected_services: f.names("affected_services")?,
            start_time: f.time("start_time")?,
            end_time: f.time("end_time")?,
            active: f.flag("active")?,
            created_at: f.time("created_at")?,
            updated_at: f.time("updated_at")?,
        };
        if row.end_time <= row.start_time {
            return Err("field end_time: must be after start_time".into());
        }
        Ok(row)
    }
}
