//! What one check cycle of a service produced.

use super::text::cap_target_text;
#[cfg(doc)]
use super::text::TARGET_TEXT_MAX;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a check cycle found the service healthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// The final attempt returned the expected status (and, for two-phase checks, a result).
    Up,
    /// Every attempt of the cycle failed.
    Down,
}

impl CheckStatus {
    /// The text stored in the `status` column: `up` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Up => "up",
            CheckStatus::Down => "down",
        }
    }
}

/// The conclusive result of one check cycle (all attempts of it).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckOutcome {
    /// Up or down.
    pub status: CheckStatus,
    /// Duration of the successful (or last) attempt, in milliseconds.
    pub response_time_ms: Option<u64>,
    /// The last HTTP status seen, if any response arrived.
    pub status_code: Option<u16>,
    /// The last attempt's error text (stable prefixes, see DESIGN.md §3.1); `None` when up.
    pub error: Option<String>,
    /// When the cycle started; the first failure of a streak dates the outage.
    pub checked_at: DateTime<Utc>,
}

impl CheckOutcome {
    /// A healthy result.
    pub fn up(checked_at: DateTime<Utc>, response_time_ms: u64, status_code: u16) -> Self {
        CheckOutcome {
            status: CheckStatus::Up,
            response_time_ms: Some(response_time_ms),
            status_code: Some(status_code),
            error: None,
            checked_at,
        }
    }

    /// A failed result with its error text, capped at [`TARGET_TEXT_MAX`] bytes (a target
    /// controls much of it).
    pub fn down(
        checked_at: DateTime<Utc>,
        error: impl Into<String>,
        status_code: Option<u16>,
        response_time_ms: Option<u64>,
    ) -> Self {
        CheckOutcome {
            status: CheckStatus::Down,
            response_time_ms,
            status_code,
            error: Some(cap_target_text(error.into())),
            checked_at,
        }
    }

    /// True when the cycle found the service healthy.
    pub fn is_up(&self) -> bool {
        self.status == CheckStatus::Up
    }
}

/// What a cycle produced: a conclusive outcome, or nothing usable because the monitor
/// itself failed (its own bug or resources). Inconclusive cycles are logged, never stored,
/// counted or alerted.
#[derive(Clone, Debug, PartialEq)]
pub enum CycleResult {
    /// The service answered (or failed to) and the answer counts.
    Checked(CheckOutcome),
    /// The monitor could not tell; the message says why.
    Inconclusive(String),
}
