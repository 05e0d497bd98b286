//! What a monitor does with a cycle's result: feed the state machine, turn its effects into
//! writes, alerts and a status update. Shared by the ServiceMonitor actor and `check --once`.

use crate::actors::alerter::PendingAlert;
use crate::actors::persistence::Record;
use crate::actors::status_cache::StatusUpdate;
use crate::alert::{slack, AlertKind, OutboxState};
use crate::board::{Board, BoardData};
use crate::db::models::{NewHealthCheck, StateRow, WriteOp};
use crate::domain::outcome::{CheckOutcome, CycleResult};
use crate::domain::state::{must_store_now, step, Effect, Policy, ServiceState};
use crate::domain::status::{public_detail, service_status, ServiceStatus};
use crate::settings::ServiceSettings;
use chrono::Utc;
use std::sync::Arc;

/// Everything a conclusive cycle produced, ready to send.
#[derive(Debug)]
pub struct CycleReport {
    /// The outcome itself.
    pub outcome: CheckOutcome,
    /// Writes for Persistence.
    pub record: Record,
    /// New public state for StatusCache.
    pub update: StatusUpdate,
    /// Alerts for the Alerter (their outbox rows are in `record`).
    pub alerts: Vec<PendingAlert>,
    /// The state after the cycle.
    pub state: ServiceState,
}

/// One service's memory between cycles.
#[derive(Clone, Debug)]
pub struct MonitorCore {
    /// The service.
    pub service: Arc<ServiceSettings>,
    /// State machine state (restored at start).
    pub state: ServiceState,
    /// Last public status.
    pub public: ServiceStatus,
    status_page_url: Arc<str>,
    board: Board,
}

impl MonitorCore {
    /// A core for `service` starting from `state`.
    pub fn new(
        service: Arc<ServiceSettings>,
        state: ServiceState,
        status_page_url: Arc<str>,
    ) -> Self {
        MonitorCore {
            service,
            state,
            public: ServiceStatus::Unknown,
            status_page_url,
            board: Board::default(),
        }
    }

    /// The same core reading operators' decisions from `board`.
    pub fn with_board(mut self, board: Board) -> Self {
        self.board = board;
        self
    }

    /// An outage an operator resolved is forgotten, streak and all: no recovery alert for it,
    /// and a new outage (with its own down alert) if the service keeps failing.
    fn forget_resolved_outage(&mut self, board: &BoardData) {
        let Some(outage) = self.state.outage else {
            return;
        };
        if board.was_resolved(&self.service.name, outage.start) {
            log::info!(
                "Outage of {} since {} was resolved by an operator; counting afresh",
                self.service.name,
                slack::format_time(outage.start)
            );
            self.state = ServiceState::default();
        }
    }

    /// Applies a cycle's result; `None` for an inconclusive one (logged, nothing else).
    pub fn apply(&mut self, result: CycleResult) -> Option<CycleReport> {
        let outcome = match result {
            CycleResult::Checked(outcome) => outcome,
            CycleResult::Inconclusive(why) => {
                log::warn!(
                    "Check of {} was inconclusive (not counted): {why}",
                    self.service.name
                );
                return None;
            }
        };
        let board = self.board.current();
        self.forget_resolved_outage(&board);
        let in_maintenance = board
            .notices
            .in_maintenance(&self.service.name, outcome.checked_at);
        let policy = Policy {
            failure_threshold: self.service.failure_threshold,
            alerts_held: in_maintenance,
        };
        let (state, effects) = step(&self.state, &outcome, policy);
        let name = &self.service.name;
        log::debug!(
            "Checked {name}: {} {:?}",
            outcome.status.as_str(),
            outcome.error
        );
        self.public = service_status(
            &state,
            &outcome,
            self.public,
            self.service.degraded_threshold_ms,
            in_maintenance,
        );
        let mut ops = vec![WriteOp::Check(NewHealthCheck::from_outcome(name, &outcome))];
        let mut alerts = Vec::new();
        for effect in &effects {
            self.log_effect(effect, &outcome);
            match effect {
                Effect::OpenOutage { start } => ops.push(WriteOp::OpenOutage {
                    service: name.clone(),
                    start: start.naive_utc(),
                }),
                Effect::CloseOutage { end, .. } => ops.push(WriteOp::CloseOutage {
                    service: name.clone(),
                    end: end.naive_utc(),
                }),
                Effect::AlertDown { .. } | Effect::AlertRecovered { .. } => {
                    if let Some(alert) = self.alert_for(effect) {
                        ops.push(WriteOp::Alert(alert.row(OutboxState::Pending, None)));
                        alerts.push(alert);
                    }
                }
            }
        }
        let update = StatusUpdate {
            service: name.clone(),
            status: self.public,
            response_time_ms: outcome.response_time_ms,
            detail: public_detail(self.public, Some(&outcome)),
            checked_at: outcome.checked_at,
            since: state.outage.as_ref().map(|o| o.start),
        };
        let row = StateRow::from_state(name, &state, Some(outcome.checked_at));
        let urgent = !effects.is_empty() || must_store_now(&self.state, &state);
        let state_refresh_only = self.state == state;
        self.state = state.clone();
        Some(CycleReport {
            outcome,
            record: Record {
                ops,
                state: Some(row),
                urgent,
                state_refresh_only,
            },
            update,
            alerts,
            state,
        })
    }

    fn alert_for(&self, effect: &Effect) -> Option<PendingAlert> {
        let name = &self.service.name;
        let url = &*self.status_page_url;
        let (kind, start, payload) = match effect {
            Effect::AlertDown {
                start,
                status_code,
                error,
            } => (
                AlertKind::Down,
                start,
                slack::down_payload(name, *start, *status_code, error.as_deref(), url),
            ),
            Effect::AlertRecovered {
                start,
                end,
                response_time_ms,
            } => (
                AlertKind::Recovered,
                start,
                slack::recovered_payload(name, *start, *end, *response_time_ms, url),
            ),
            Effect::OpenOutage { .. } | Effect::CloseOutage { .. } => return None,
        };
        Some(PendingAlert {
            key: format!("{kind}:{name}:{}", start.to_rfc3339()),
            service: name.clone(),
            kind,
            payload: payload.to_string(),
            attempts: 0,
            created_at: Utc::now().naive_utc(),
        })
    }

    fn log_effect(&self, effect: &Effect, outcome: &CheckOutcome) {
        let name = &self.service.name;
        match effect {
            Effect::OpenOutage { start } => log::warn!(
                "Service {name} is down (confirmed after {} failed cycles, since {}): {}",
                self.service.failure_threshold,
                slack::format_time(*start),
                outcome.error.as_deref().unwrap_or("unknown error")
            ),
            Effect::CloseOutage { start, end } => log::info!(
                "Service {name} recovered after {}",
                slack::format_downtime((*end - *start).num_seconds())
            ),
            Effect::AlertDown { .. } | Effect::AlertRecovered { .. } => {}
        }
    }
}
