//! The outage state machine (DESIGN.md §3.2), as one pure function: [`step`].

use super::outcome::CheckOutcome;
use chrono::{DateTime, Utc};

/// A confirmed outage that has not ended yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenOutage {
    /// First failure of the streak that confirmed it.
    pub start: DateTime<Utc>,
    /// False while alerts are held (maintenance): the down alert is still owed.
    pub down_alert_sent: bool,
}

/// Everything the state machine remembers about one service; persisted in `service_states`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceState {
    /// Consecutive down cycles, reset by an up cycle.
    pub consecutive_failures: u32,
    /// Time of the first down cycle of the current streak.
    pub streak_start: Option<DateTime<Utc>>,
    /// The confirmed outage in progress, if any.
    pub outage: Option<OpenOutage>,
}

/// Whether going from `old` to `new` must be stored at once rather than with the next routine
/// batch: an outage opened, closed or alerted, a streak begun, grown or ended before it confirmed
/// an outage (after a crash the restored streak must be the true one). An outage's failure count
/// growing is routine.
pub fn must_store_now(old: &ServiceState, new: &ServiceState) -> bool {
    let counting = new.outage.is_none() && old.consecutive_failures != new.consecutive_failures;
    old.outage != new.outage || old.streak_start != new.streak_start || counting
}

/// Inputs of a step besides the state and the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Consecutive down cycles that confirm an outage (at least 1).
    pub failure_threshold: u32,
    /// True while a maintenance window covers the service: down alerts are held.
    pub alerts_held: bool,
}

/// Something the caller must do because of a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Record a new open outage starting at `start`.
    OpenOutage {
        /// First failure of the streak.
        start: DateTime<Utc>,
    },
    /// Close the open outage.
    CloseOutage {
        /// When it started.
        start: DateTime<Utc>,
        /// The up cycle that ended it.
        end: DateTime<Utc>,
    },
    /// Send the down alert for the outage that started at `start`.
    AlertDown {
        /// First failure of the streak.
        start: DateTime<Utc>,
        /// Last HTTP status seen.
        status_code: Option<u16>,
        /// Last error text.
        error: Option<String>,
    },
    /// Send the recovery alert.
    AlertRecovered {
        /// When the outage started.
        start: DateTime<Utc>,
        /// When the service answered again.
        end: DateTime<Utc>,
        /// Response time of the recovering check.
        response_time_ms: Option<u64>,
    },
}

/// Feeds one conclusive outcome to the state machine; returns the new state and what to do.
pub fn step(
    state: &ServiceState,
    outcome: &CheckOutcome,
    policy: Policy,
) -> (ServiceState, Vec<Effect>) {
    if outcome.is_up() {
        step_up(state, outcome)
    } else {
        step_down(state, outcome, policy)
    }
}

fn step_up(state: &ServiceState, outcome: &CheckOutcome) -> (ServiceState, Vec<Effect>) {
    let mut effects = Vec::new();
    if let Some(outage) = state.outage {
        let end = outcome.checked_at;
        effects.push(Effect::CloseOutage {
            start: outage.start,
            end,
        });
        if outage.down_alert_sent {
            effects.push(Effect::AlertRecovered {
                start: outage.start,
                end,
                response_time_ms: outcome.response_time_ms,
            });
        }
    }
    (ServiceState::default(), effects)
}

fn step_down(
    state: &ServiceState,
    outcome: &CheckOutcome,
    policy: Policy,
) -> (ServiceState, Vec<Effect>) {
    let mut next = state.clone();
    next.consecutive_failures = state.consecutive_failures.saturating_add(1);
    let start = *next.streak_start.get_or_insert(outcome.checked_at);
    let mut effects = Vec::new();
    let alert = Effect::AlertDown {
        start,
        status_code: outcome.status_code,
        error: outcome.error.clone(),
    };
    match next.outage {
        None if next.consecutive_failures >= policy.failure_threshold.max(1) => {
            effects.push(Effect::OpenOutage { start });
            if !policy.alerts_held {
                effects.push(alert);
            }
            next.outage = Some(OpenOutage {
                start,
                down_alert_sent: !policy.alerts_held,
            });
        }
        Some(ref mut outage) if !outage.down_alert_sent && !policy.alerts_held => {
            let start = outage.start;
            outage.down_alert_sent = true;
            effects.push(Effect::AlertDown {
                start,
                status_code: outcome.status_code,
                error: outcome.error.clone(),
            });
        }
        _ => {}
    }
    (next, effects)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
