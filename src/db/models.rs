//! Rows as diesel sees them, and the write operations the Persistence actor applies.

use super::schema::{alert_outbox, health_checks, service_states};
use crate::domain::outcome::CheckOutcome;
use crate::domain::state::{OpenOutage, ServiceState};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// A new `health_checks` row.
#[derive(Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = health_checks, treat_none_as_default_value = false)]
pub struct NewHealthCheck {
    /// Service name.
    pub service_name: String,
    /// `up` or `down`.
    pub status: String,
    /// Last HTTP status seen.
    pub status_code: Option<i32>,
    /// Response time in ms.
    pub response_time_ms: Option<i32>,
    /// Last error text.
    pub error_message: Option<String>,
    /// Cycle start, UTC.
    pub checked_at: NaiveDateTime,
}

impl NewHealthCheck {
    /// The row recording `outcome` for `service`.
    pub fn from_outcome(service: &str, outcome: &CheckOutcome) -> Self {
        NewHealthCheck {
            service_name: service.to_string(),
            status: outcome.status.as_str().to_string(),
            status_code: outcome.status_code.map(i32::from),
            response_time_ms: outcome
                .response_time_ms
                .map(|ms| i32::try_from(ms).unwrap_or(i32::MAX)),
            error_message: outcome.error.clone(),
            checked_at: outcome.checked_at.naive_utc(),
        }
    }
}

/// A `service_states` row.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug, PartialEq)]
#[diesel(table_name = service_states, treat_none_as_null = true)]
pub struct StateRow {
    /// Service name (key).
    pub service_name: String,
    /// Consecutive down cycles.
    pub consecutive_failures: i32,
    /// First failure of the current streak.
    pub streak_start: Option<NaiveDateTime>,
    /// Start of the confirmed outage, if one is open.
    pub outage_start: Option<NaiveDateTime>,
    /// Whether that outage's down alert was sent (false while held).
    pub down_alert_sent: bool,
    /// Last conclusive cycle.
    pub last_checked_at: Option<NaiveDateTime>,
    /// When the row was written.
    pub updated_at: NaiveDateTime,
}

impl StateRow {
    /// The row for `state` of `service`.
    pub fn from_state(
        service: &str,
        state: &ServiceState,
        last_checked: Option<DateTime<Utc>>,
    ) -> Self {
        StateRow {
            service_name: service.to_string(),
            consecutive_failures: i32::try_from(state.consecutive_failures).unwrap_or(i32::MAX),
            streak_start: state.streak_start.map(|t| t.naive_utc()),
            outage_start: state.outage.map(|o| o.start.naive_utc()),
            down_alert_sent: state.outage.is_some_and(|o| o.down_alert_sent),
            last_checked_at: last_checked.map(|t| t.naive_utc()),
            updated_at: Utc::now().naive_utc(),
        }
    }

    /// The state machine's view of the row.
    pub fn to_state(&self) -> ServiceState {
        ServiceState {
            consecutive_failures: u32::try_from(self.consecutive_failures).unwrap_or(0),
            streak_start: self.streak_start.map(|t| t.and_utc()),
            outage: self.outage_start.map(|t| OpenOutage {
                start: t.and_utc(),
                down_alert_sent: self.down_alert_sent,
            }),
        }
    }
}

/// An `alert_outbox` row to insert (or to upsert when its delivery ends).
#[derive(Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = alert_outbox)]
pub struct NewAlert {
    /// `{kind}:{service}:{outage start}`: one alert per outage and kind.
    pub dedupe_key: String,
    /// Service name.
    pub service_name: String,
    /// [`AlertKind::as_str`](crate::alert::AlertKind::as_str): `down` or `recovered`.
    pub kind: String,
    /// The Slack payload, JSON.
    pub payload: String,
    /// [`OutboxState::as_str`](crate::alert::OutboxState::as_str): `pending`, `sent`,
    /// `skipped` or `failed`.
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Last delivery error.
    pub last_error: Option<String>,
    /// When the transition happened.
    pub created_at: NaiveDateTime,
    /// When Slack accepted it.
    pub sent_at: Option<NaiveDateTime>,
}

/// A pending alert loaded at start.
#[derive(Queryable, Selectable, Clone, Debug, PartialEq)]
#[diesel(table_name = alert_outbox)]
pub struct PendingAlertRow {
    /// Dedupe key.
    pub dedupe_key: String,
    /// Service name.
    pub service_name: String,
    /// `down` or `recovered` ([`AlertKind::from_stored`](crate::alert::AlertKind::from_stored)).
    pub kind: String,
    /// Slack payload, JSON.
    pub payload: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the transition happened.
    pub created_at: NaiveDateTime,
}

/// One write the Persistence actor applies, in order, inside a batch transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteOp {
    /// Insert a check row (the only kind that may be dropped under overload).
    Check(NewHealthCheck),
    /// Open an outage unless one is already open for the service.
    OpenOutage {
        /// Service name.
        service: String,
        /// First failure of the streak.
        start: NaiveDateTime,
    },
    /// Close the service's open outage.
    CloseOutage {
        /// Service name.
        service: String,
        /// When it ended.
        end: NaiveDateTime,
    },
    /// Insert an alert unless its dedupe key exists.
    Alert(NewAlert),
    /// Record the end of an alert's delivery (sent, skipped or failed); inserts it if absent.
    AlertDone(NewAlert),
}
