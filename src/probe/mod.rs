//! Probes: one check cycle of a service over HTTP(S) with awc, as a [`CheckOutcome`].
//!
//! A cycle is up to `retries` attempts in total with `retry_delay` between them; the first
//! success ends it. Each attempt has one deadline (`timeout`) covering connect, redirects,
//! body and (two-phase) every poll. Bodies are read up to [`MAX_BODY`].

pub mod http;
pub mod two_phase;

use crate::domain::outcome::CheckOutcome;
use crate::domain::text::{cap_target_text, escape_controls};
use crate::settings::{CheckType, ServiceSettings};
use awc::Client;
use chrono::{SubsecRound, Utc};
use std::time::{Duration, Instant};

/// Largest response body read; a bigger one is cut off (standard) or rejected (two-phase).
pub const MAX_BODY: usize = 1024 * 1024;
/// Redirect hops followed when `follow_redirects` is on.
pub const MAX_REDIRECTS: usize = 10;

/// A successful attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Success {
    /// Milliseconds the attempt took.
    pub elapsed_ms: u64,
    /// Final HTTP status.
    pub status_code: u16,
}

/// A failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Error text with its stable prefix.
    pub error: String,
    /// HTTP status, when a response arrived.
    pub status_code: Option<u16>,
    /// Milliseconds until the response that decided the failure (for two-phase, the final
    /// poll) arrived; `None` when there was none (refused, dropped, timed out), so that a
    /// failed connection never enters the response-time figures.
    pub response_ms: Option<u64>,
}

impl Failure {
    /// A failure without a response.
    pub fn new(error: impl Into<String>) -> Self {
        Failure {
            error: error.into(),
            status_code: None,
            response_ms: None,
        }
    }

    /// A failure decided by a response: `status_code` arrived after `started`.
    pub fn answered(error: impl Into<String>, status_code: u16, started: Instant) -> Self {
        Failure {
            error: error.into(),
            status_code: Some(status_code),
            response_ms: Some(ms(started.elapsed())),
        }
    }

    /// A failure after a response that did not decide it (a redirect, a first phase, a poll
    /// that never finished): the status is kept, no response time.
    pub fn after(error: impl Into<String>, status_code: Option<u16>) -> Self {
        Failure {
            error: error.into(),
            status_code,
            response_ms: None,
        }
    }

    /// The same failure with its error text capped ([`crate::domain::text::TARGET_TEXT_MAX`]):
    /// a target controls much of it (an error field, a redirect location).
    fn capped(mut self) -> Self {
        self.error = cap_target_text(self.error);
        self
    }
}

/// The HTTP client every probe on this thread shares: no automatic redirects (probes follow
/// them themselves), no connection limit, keep-alive on.
pub fn client() -> Client {
    build_client(CONN_LIFETIME)
}

/// A client that never reuses a connection: one whose lifetime is zero is closed when it is
/// released, so every request resolves, connects (and shakes hands, for HTTPS) anew.
pub fn fresh_client() -> Client {
    build_client(Duration::ZERO)
}

/// The two clients probes choose from, by each service's `fresh_connection`.
#[derive(Clone)]
pub struct Clients {
    reusing: Client,
    fresh: Client,
}

impl Clients {
    /// Both clients.
    pub fn new() -> Self {
        Clients {
            reusing: client(),
            fresh: fresh_client(),
        }
    }

    /// The client `svc` is probed with.
    pub fn for_service(&self, svc: &ServiceSettings) -> Client {
        if svc.fresh_connection {
            self.fresh.clone()
        } else {
            self.reusing.clone()
        }
    }
}

impl Default for Clients {
    fn default() -> Self {
        Clients::new()
    }
}

/// awc's default: a kept-alive connection is replaced after this long.
const CONN_LIFETIME: Duration = Duration::from_secs(75);

fn build_client(conn_lifetime: Duration) -> Client {
    let connector = awc::Connector::new()
        .conn_lifetime(conn_lifetime)
        .timeout(Duration::from_secs(60))
        .limit(0);
    Client::builder()
        .connector(connector)
        .disable_redirects()
        // The attempt's own deadline (`run_attempt`) bounds every request; awc's would arm a
        // second timer per request.
        .disable_timeout()
        .add_default_header((
            "User-Agent",
            concat!("watchpost/", env!("CARGO_PKG_VERSION")),
        ))
        .finish()
}

/// Runs one whole cycle of `svc`.
pub async fn run_cycle(client: &Client, svc: &ServiceSettings) -> CheckOutcome {
    // Microseconds: what PostgreSQL keeps, so a restored time equals the one in memory.
    let checked_at = Utc::now().trunc_subsecs(6);
    let mut last = Failure::new("HTTP error: no attempt made");
    let mut last_code = None;
    let mut response_ms = None;
    for attempt in 1..=svc.retries.max(1) {
        if attempt > 1 {
            actix_web::rt::time::sleep(svc.retry_delay.0).await;
        }
        match run_attempt(client, svc).await {
            Ok(ok) => return CheckOutcome::up(checked_at, ok.elapsed_ms, ok.status_code),
            Err(failure) => {
                log::debug!(
                    "Check of {} attempt {attempt} failed: {}",
                    svc.name,
                    escape_controls(&failure.error)
                );
                last_code = failure.status_code.or(last_code);
                response_ms = failure.response_ms;
                last = failure;
            }
        }
    }
    CheckOutcome::down(checked_at, last.error, last_code, response_ms)
}

/// One attempt under the service's deadline.
pub async fn run_attempt(client: &Client, svc: &ServiceSettings) -> Result<Success, Failure> {
    let attempt = async {
        match &svc.check_type {
            CheckType::Standard => http::attempt(client, svc).await,
            CheckType::AsyncTwoPhase(verify) => two_phase::attempt(client, svc, verify).await,
        }
    };
    match actix_web::rt::time::timeout(svc.timeout(), attempt).await {
        Ok(result) => result.map_err(Failure::capped),
        Err(_) => Err(Failure::new(format!(
            "Request timed out: no complete response within {}",
            crate::settings::format_duration(svc.timeout())
        ))),
    }
}

/// Milliseconds, saturating.
pub fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
