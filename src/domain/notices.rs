//! What operators tell the public: incidents and maintenance windows, and the decisions that
//! read them (which window covers a service now, how incidents raise the banner).

use super::status::OverallStatus;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Incident severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A major problem.
    High,
    /// A lesser problem.
    Medium,
    /// Over.
    Resolved,
}

impl Severity {
    /// From the stored text; anything unknown reads as `medium`.
    pub fn parse(text: &str) -> Severity {
        match text {
            "high" => Severity::High,
            "resolved" => Severity::Resolved,
            _ => Severity::Medium,
        }
    }

    /// `high`, `medium`, `resolved`: the stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Resolved => "resolved",
        }
    }

    /// `High`, `Medium`, `Resolved`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Resolved => "Resolved",
        }
    }
}

/// An incident message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// Row id.
    pub id: i64,
    /// Severity.
    pub severity: Severity,
    /// Plain text.
    pub text: String,
    /// Still shown as active.
    pub active: bool,
    /// Posted.
    pub created_at: DateTime<Utc>,
    /// Last changed (for a resolved one: when it was resolved).
    pub updated_at: DateTime<Utc>,
}

impl Incident {
    /// Active and not resolved.
    pub fn is_open(&self) -> bool {
        self.active && self.severity != Severity::Resolved
    }

    /// Seconds from posting to its last change.
    pub fn duration_seconds(&self) -> i64 {
        (self.updated_at - self.created_at).num_seconds().max(0)
    }
}

/// A maintenance window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Maintenance {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Affected services; empty for all.
    pub services: Vec<String>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

impl Maintenance {
    /// True while `now` is inside the window.
    pub fn in_progress(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && now < self.end
    }

    /// True when the window names `service` (or names none, so covers all).
    pub fn covers(&self, service: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }
}

/// Incidents and maintenance as the page shows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notices {
    /// Open incidents, newest first.
    pub active: Vec<Incident>,
    /// The last resolved incidents, newest first.
    pub history: Vec<Incident>,
    /// Windows in progress or scheduled, soonest first.
    pub maintenance: Vec<Maintenance>,
}

impl Notices {
    /// True when a window in progress at `now` covers `service`.
    pub fn in_maintenance(&self, service: &str, now: DateTime<Utc>) -> bool {
        self.maintenance
            .iter()
            .any(|m| m.in_progress(now) && m.covers(service))
    }

    /// The banner raised by open incidents: a high one is at least major, a medium one at
    /// least degraded.
    pub fn raise(&self, overall: OverallStatus) -> OverallStatus {
        let high = self.active.iter().any(|i| i.severity == Severity::High);
        let medium = self.active.iter().any(|i| i.severity == Severity::Medium);
        match overall {
            _ if high => OverallStatus::Major,
            OverallStatus::Operational | OverallStatus::Unknown if medium => {
                OverallStatus::Degraded
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(severity: Severity) -> Incident {
        let now = Utc::now();
        Incident {
            id: 1,
            severity,
            text: "x".into(),
            active: true,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn incidents_raise_the_banner_but_never_lower_it() {
        let high = Notices {
            active: vec![incident(Severity::High)],
            ..Notices::default()
        };
        assert_eq!(high.raise(OverallStatus::Operational), OverallStatus::Major);
        let medium = Notices {
            active: vec![incident(Severity::Medium)],
            ..Notices::default()
        };
        assert_eq!(
            medium.raise(OverallStatus::Operational),
            OverallStatus::Degraded
        );
        assert_eq!(medium.raise(OverallStatus::Partial), OverallStatus::Partial);
        assert_eq!(medium.raise(OverallStatus::Major), OverallStatus::Major);
        assert_eq!(
            medium.raise(OverallStatus::Maintenance),
            OverallStatus::Maintenance
        );
        assert_eq!(
            Notices::default().raise(OverallStatus::Unknown),
            OverallStatus::Unknown
        );
    }

    #[test]
    fn a_window_covers_its_services_while_in_progress() {
        let now = Utc::now();
        let window = Maintenance {
            id: 1,
            title: "db".into(),
            description: String::new(),
            services: vec!["api".into()],
            start: now - chrono::Duration::minutes(5),
            end: now + chrono::Duration::minutes(5),
        };
        let notices = Notices {
            maintenance: vec![window.clone()],
            ..Notices::default()
        };
        assert!(notices.in_maintenance("api", now));
        assert!(!notices.in_maintenance("web", now));
        assert!(!notices.in_maintenance("api", now + chrono::Duration::minutes(6)));
        let all = Maintenance {
            services: vec![],
            ..window
        };
        assert!(all.covers("anything"));
    }
}
