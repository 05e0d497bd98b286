//! Public status of a service and of the whole site (DESIGN.md §4.3, §4.4).

use super::outcome::CheckOutcome;
use super::state::ServiceState;
use serde::{Deserialize, Serialize};

/// Status of one service as the public sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Healthy.
    Up,
    /// A confirmed outage is in progress.
    Down,
    /// Healthy but the latest response was slower than the service's degraded threshold.
    Degraded,
    /// A maintenance window covers the service.
    Maintenance,
    /// No conclusive result yet.
    Unknown,
}

/// The overall banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverallStatus {
    /// Everything up.
    Operational,
    /// Something slow, nothing down.
    Degraded,
    /// Some services down.
    Partial,
    /// Every service down.
    Major,
    /// Something under maintenance, nothing down.
    Maintenance,
    /// No result for any service yet.
    Unknown,
}

impl OverallStatus {
    /// The banner text (DESIGN.md §4.4).
    pub fn label(self) -> &'static str {
        match self {
            OverallStatus::Operational => "All Systems Operational",
            OverallStatus::Degraded => "Degraded Performance",
            OverallStatus::Partial => "Partial Outage",
            OverallStatus::Major => "Major Outage",
            OverallStatus::Maintenance => "Under Maintenance",
            OverallStatus::Unknown => "Checking…",
        }
    }
}

/// The banner for a set of service statuses: major (every service with a result is down) >
/// partial (any down) > maintenance > degraded > operational; unknown while no service has a
/// result. Services still unknown are left out once at least one has a result.
pub fn overall(statuses: &[ServiceStatus]) -> OverallStatus {
    let known: Vec<ServiceStatus> = statuses
        .iter()
        .copied()
        .filter(|s| *s != ServiceStatus::Unknown)
        .collect();
    let any = |s: ServiceStatus| known.contains(&s);
    if known.is_empty() {
        OverallStatus::Unknown
    } else if known.iter().all(|s| *s == ServiceStatus::Down) {
        OverallStatus::Major
    } else if any(ServiceStatus::Down) {
        OverallStatus::Partial
    } else if any(ServiceStatus::Maintenance) {
        OverallStatus::Maintenance
    } else if any(ServiceStatus::Degraded) {
        OverallStatus::Degraded
    } else {
        OverallStatus::Operational
    }
}

/// The public status of a service after `latest` was applied and the state became `state`.
///
/// Down only when an outage is confirmed; a failing cycle below the threshold keeps the
/// previous public status (`previous`), so a blip never reaches the page.
pub fn service_status(
    state: &ServiceState,
    latest: &CheckOutcome,
    previous: ServiceStatus,
    degraded_threshold_ms: u64,
    in_maintenance: bool,
) -> ServiceStatus {
    if in_maintenance {
        ServiceStatus::Maintenance
    } else if state.outage.is_some() {
        ServiceStatus::Down
    } else if !latest.is_up() {
        match previous {
            ServiceStatus::Down | ServiceStatus::Maintenance => ServiceStatus::Unknown,
            other => other,
        }
    } else if latest.response_time_ms.unwrap_or(0) > degraded_threshold_ms {
        ServiceStatus::Degraded
    } else {
        ServiceStatus::Up
    }
}

/// The sanitized public hint for a service (never the raw error).
pub fn public_detail(status: ServiceStatus, latest: Option<&CheckOutcome>) -> Option<String> {
    match status {
        ServiceStatus::Maintenance => Some("Under maintenance".to_string()),
        ServiceStatus::Degraded => Some("Slow response".to_string()),
        ServiceStatus::Down => latest.map(failure_hint),
        ServiceStatus::Up | ServiceStatus::Unknown => None,
    }
}

fn failure_hint(outcome: &CheckOutcome) -> String {
    hint(outcome.error.as_deref().unwrap_or(""), outcome.status_code)
}

/// How much of an error text [`hint`] looks at: its first characters, with the stable
/// prefix (DESIGN.md §3.1). Readers that only need the hint load no more than this.
pub const HINT_PREFIX_CHARS: i32 = 32;

/// The public hint for a failed check's raw `error` (never shown itself: it may name
/// internal hosts): `Request timed out`, `Service unreachable`, `Unexpected response (HTTP
/// {code})` or `Not responding correctly`.
pub fn hint(error: &str, status_code: Option<u16>) -> String {
    // Reads no more than HINT_PREFIX_CHARS characters of `error`.
    if error.starts_with("Request timed out") {
        "Request timed out".to_string()
    } else if error.starts_with("Connection error") {
        "Service unreachable".to_string()
    } else if let Some(code) = status_code.filter(|_| error.starts_with("Expected")) {
        format!("Unexpected response (HTTP {code})")
    } else {
        "Not responding correctly".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use ServiceStatus::*;

    #[test]
    fn banner_precedence() {
        assert_eq!(overall(&[]), OverallStatus::Unknown);
        assert_eq!(overall(&[Unknown, Unknown]), OverallStatus::Unknown);
        assert_eq!(overall(&[Down, Down]), OverallStatus::Major);
        assert_eq!(overall(&[Down, Up, Maintenance]), OverallStatus::Partial);
        assert_eq!(
            overall(&[Degraded, Maintenance]),
            OverallStatus::Maintenance
        );
        assert_eq!(overall(&[Up, Degraded, Unknown]), OverallStatus::Degraded);
        assert_eq!(overall(&[Up, Unknown]), OverallStatus::Operational);
        assert_eq!(OverallStatus::Unknown.label(), "Checking…");
    }

    #[test]
    fn unconfirmed_failure_keeps_previous_status() {
        let down = CheckOutcome::down(Utc::now(), "Expected 200, got 503", Some(503), None);
        let state = ServiceState {
            consecutive_failures: 1,
            ..Default::default()
        };
        assert_eq!(service_status(&state, &down, Up, 2000, false), Up);
        let slow = CheckOutcome::up(Utc::now(), 2500, 200);
        assert_eq!(
            service_status(&ServiceState::default(), &slow, Up, 2000, false),
            Degraded
        );
    }

    #[test]
    fn hints_never_leak_raw_errors() {
        let o = |e: &str, c| CheckOutcome::down(Utc::now(), e, c, None);
        let hint = |e, c| public_detail(Down, Some(&o(e, c))).expect("hint");
        assert_eq!(
            hint("Request timed out: after 10s", None),
            "Request timed out"
        );
        assert_eq!(
            hint("Connection error: refused 10.0.0.1", None),
            "Service unreachable"
        );
        assert_eq!(
            hint("Expected 200, got 503", Some(503)),
            "Unexpected response (HTTP 503)"
        );
        assert_eq!(
            hint("Phase 2: task failed - secret", Some(202)),
            "Not responding correctly"
        );
    }
}
