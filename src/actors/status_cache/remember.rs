//! How a status update changes a service's remembered history (its samples and outages).

use super::StatusUpdate;
use crate::db::history::{self, History, SAMPLES};
use crate::domain::uptime::Span;
use chrono::Duration as Age;

/// Applies a status update to a service's history: its newest sample, and its outage list
/// (an outage appears when confirmed and closes at the first up cycle).
pub(super) fn remember(history: &mut History, msg: &StatusUpdate) {
    if let Some(ms) = msg.response_time_ms {
        history.samples.push((msg.checked_at, ms));
        let day_ago = msg.checked_at - Age::hours(24);
        history.samples.retain(|(at, _)| *at >= day_ago);
        let excess = history.samples.len().saturating_sub(SAMPLES);
        history.samples.drain(..excess);
    }
    let open = history.outages.iter_mut().find(|o| o.end.is_none());
    match (open, msg.since) {
        (Some(o), Some(start)) if o.start == start => {}
        (Some(o), since) => {
            o.end = Some(msg.checked_at);
            if let Some(start) = since {
                history.outages.push(Span { start, end: None });
            }
        }
        (None, Some(start)) => history.outages.push(Span { start, end: None }),
        (None, None) => {}
    }
    let horizon = msg.checked_at - Age::days(history::HISTORY_DAYS + 1);
    history
        .outages
        .retain(|o| o.end.is_none_or(|end| end >= horizon));
    if history.monitored_since.is_none() {
        history.monitored_since = Some(msg.checked_at);
    }
}
