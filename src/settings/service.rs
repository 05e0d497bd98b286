//! One monitored service's resolved settings, and how it is checked.
//!
//! A two-phase check's polling settings live inside its [`CheckType`] variant, so a probe
//! that matches on the type has them in hand (no `Option` beside the enum to fall out of
//! step). The printed configuration (`config check`) keeps the shape of the file: a
//! `check_type` key and, for a two-phase service, an `async_verification` table.

use super::Secs;
use serde::{Deserialize, Serialize, Serializer};
use std::time::Duration;
use url::Url;

/// `check_type` as written in the file: which kind of check, without its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// One request, success iff the status is the expected one.
    Standard,
    /// POST a job, then poll for its result (DESIGN.md §3.1).
    AsyncTwoPhase,
}

/// How a service is checked, with what that kind of check needs.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckType {
    /// One request, success iff the status is the expected one.
    Standard,
    /// POST a job, then poll for its result (DESIGN.md §3.1).
    AsyncTwoPhase(AsyncVerification),
}

impl CheckType {
    /// The kind alone, as `check_type` names it.
    pub fn kind(&self) -> CheckKind {
        match self {
            CheckType::Standard => CheckKind::Standard,
            CheckType::AsyncTwoPhase(_) => CheckKind::AsyncTwoPhase,
        }
    }
}

/// `async_verification` of a two-phase service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AsyncVerification {
    /// Poll URL prefix; the task id is appended.
    pub base_url: Url,
    /// Polls before giving up.
    pub max_poll_attempts: u32,
    /// Wait before each poll.
    pub poll_interval: Secs,
}

/// One monitored service with every default resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSettings {
    /// Unique name.
    pub name: String,
    /// The group the status page shows it in (trimmed, 1 to 100 characters); `None`: no group.
    pub group: Option<String>,
    /// What to request.
    pub url: Url,
    /// HTTP method, upper case.
    pub method: String,
    /// Status that means up (200; 202 for two-phase).
    pub expected_status: u16,
    /// Deadline of one whole attempt.
    pub timeout: Secs,
    /// Follow up to 10 redirects.
    pub follow_redirects: bool,
    /// A new connection for every attempt (DNS, connect and TLS handshake each time, as the
    /// original did) instead of reusing a kept-alive one.
    pub fresh_connection: bool,
    /// Down cycles that confirm an outage.
    pub failure_threshold: u32,
    /// Standard, or two-phase with its polling.
    pub check_type: CheckType,
    /// JSON body sent with the request.
    pub request_body: Option<serde_json::Value>,
    /// Slower than this is degraded.
    pub degraded_threshold_ms: u64,
    /// Time between cycle starts.
    pub interval: Secs,
    /// Attempts per cycle, in total.
    pub retries: u32,
    /// Pause between attempts.
    pub retry_delay: Secs,
}

impl ServiceSettings {
    /// The per-attempt deadline as a `Duration`.
    pub fn timeout(&self) -> Duration {
        self.timeout.0
    }

    /// The polling of a two-phase check; `None` for a standard one.
    pub fn async_verification(&self) -> Option<&AsyncVerification> {
        match &self.check_type {
            CheckType::AsyncTwoPhase(verify) => Some(verify),
            CheckType::Standard => None,
        }
    }
}

/// A service as the file has it: `check_type`, then `request_body`, then (two-phase only) the
/// `async_verification` table (`config check` prints this).
#[derive(Serialize)]
struct Written<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: &'a Option<String>,
    url: &'a Url,
    method: &'a str,
    expected_status: u16,
    timeout: Secs,
    follow_redirects: bool,
    fresh_connection: bool,
    failure_threshold: u32,
    check_type: CheckKind,
    request_body: &'a Option<serde_json::Value>,
    async_verification: Option<&'a AsyncVerification>,
    degraded_threshold_ms: u64,
    interval: Secs,
    retries: u32,
    retry_delay: Secs,
}

impl Serialize for ServiceSettings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Written {
            name: &self.name,
            group: &self.group,
            url: &self.url,
            method: &self.method,
            expected_status: self.expected_status,
            timeout: self.timeout,
            follow_redirects: self.follow_redirects,
            fresh_connection: self.fresh_connection,
            failure_threshold: self.failure_threshold,
            check_type: self.check_type.kind(),
            request_body: &self.request_body,
            async_verification: self.async_verification(),
            degraded_threshold_ms: self.degraded_threshold_ms,
            interval: self.interval,
            retries: self.retries,
            retry_delay: self.retry_delay,
        }
        .serialize(serializer)
    }
}
