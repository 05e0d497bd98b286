//! Alerts: what kinds there are, how far an outbox row's delivery got, and the Slack payloads
//! (all pure).
//!
//! The kinds and states are stored as text in `alert_outbox` (`kind`, `state`); databases
//! already hold these strings, so [`AlertKind::as_str`] and [`OutboxState::as_str`] must never
//! change what they return.

pub mod slack;

/// Which transition an alert announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// An outage was confirmed.
    Down,
    /// The outage ended.
    Recovered,
}

impl AlertKind {
    /// The stored text: `down` or `recovered`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Down => "down",
            AlertKind::Recovered => "recovered",
        }
    }

    /// The kind a stored text names, if any.
    pub fn from_stored(text: &str) -> Option<Self> {
        [AlertKind::Down, AlertKind::Recovered]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far an outbox row's delivery got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Written, not delivered yet (reloaded and retried at start).
    Pending,
    /// Slack accepted it.
    Sent,
    /// No webhook configured: logged instead.
    Skipped,
    /// Slack rejected the payload itself (HTTP 400); not retried.
    Failed,
}

impl OutboxState {
    /// The stored text: `pending`, `sent`, `skipped` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Skipped => "skipped",
            OutboxState::Failed => "failed",
        }
    }
}

impl std::fmt::Display for OutboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Existing databases hold these strings: they must not change.
    #[test]
    fn stored_texts_are_stable() {
        assert_eq!(AlertKind::Down.as_str(), "down");
        assert_eq!(AlertKind::Recovered.as_str(), "recovered");
        let states = [
            OutboxState::Pending,
            OutboxState::Sent,
            OutboxState::Skipped,
            OutboxState::Failed,
        ];
        let texts: Vec<_> = states.iter().map(|s| s.as_str()).collect();
        assert_eq!(texts, ["pending", "sent", "skipped", "failed"]);
    }

    #[test]
    fn a_stored_kind_reads_back() {
        assert_eq!(AlertKind::from_stored("down"), Some(AlertKind::Down));
        assert_eq!(
            AlertKind::from_stored("recovered"),
            Some(AlertKind::Recovered)
        );
        assert_eq!(AlertKind::from_stored("Down"), None);
    }
}
