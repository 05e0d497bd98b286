//! Typed, layered, validated configuration (DESIGN.md §4.2).
//!
//! Layers, lowest first: built-in defaults, `config/default.toml` (the embedded copy when the
//! file is absent), `--config FILE` / `WATCHPOST_CONFIG`, then the environment. A `services`
//! list in the user's file replaces the default list as a whole; it is never merged entry by
//! entry.

mod admin;
mod cidr;
mod duration;
mod load;
pub mod mask;
mod page;
mod raw;
mod secret;
mod service;
mod unit;

pub use admin::{sha256_hex, AdminSettings, AdminToken};
pub use cidr::Cidr;
pub use duration::{format as format_duration, parse as parse_duration, Secs};
pub use load::{load, ConfigErrors, LoadOptions};
pub use page::{Link, Quote, StatusPageSettings};
pub use secret::{DatabaseUrl, Hidden, Mask, PasswordInUrl, PathIsKey, Secret, WebhookUrl};
pub use service::{AsyncVerification, CheckKind, CheckType, ServiceSettings};

use serde::Serialize;
use std::net::SocketAddr;

/// The whole validated configuration.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// `[server]`
    pub server: ServerSettings,
    /// `[database]`
    pub database: DatabaseSettings,
    /// `[checks]`: global defaults.
    pub checks: CheckDefaults,
    /// `[slack]`
    pub slack: SlackSettings,
    /// `[status_page]`
    pub status_page: StatusPageSettings,
    /// `[admin]`: operator tokens and sign-in limits.
    pub admin: AdminSettings,
    /// `[[services]]`, each with the global defaults filled in.
    pub services: Vec<ServiceSettings>,
}

/// `[server]`
#[derive(Clone, Debug, Serialize)]
pub struct ServerSettings {
    /// Listen address (`WATCHPOST_BIND`, or `PORT` for the port alone).
    pub bind: SocketAddr,
    /// Proxies whose forwarding header names the client (none by default).
    pub trusted_proxies: Vec<Cidr>,
    /// The one header those proxies set or append to name the client; the other is ignored.
    pub forwarded_header: ForwardedHeader,
}

/// `server.forwarded_header`: which header a trusted proxy names the client in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (nginx `$proxy_add_x_forwarded_for`, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded` (RFC 7239), its `for=` parameters.
    Forwarded,
}

impl ForwardedHeader {
    /// The setting as written (`"x-forwarded-for"`, `"forwarded"`), if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ForwardedHeader::XForwardedFor),
            "forwarded" => Some(ForwardedHeader::Forwarded),
            _ => None,
        }
    }
}

/// `[database]`
#[derive(Clone, Debug, Serialize)]
pub struct DatabaseSettings {
    /// `sqlite://PATH`, `sqlite:///ABS/PATH` or `postgres://...` (`DATABASE_URL`); shown
    /// without its password.
    pub url: DatabaseUrl,
    /// Connections in the pool.
    pub pool_size: u32,
    /// Check rows (and other writes) that may wait in memory while the database is away.
    pub max_backlog: usize,
}

/// `[checks]`: global defaults, overridable per service.
#[derive(Clone, Debug, Serialize)]
pub struct CheckDefaults {
    /// Time between cycle starts (`HEALTH_CHECK_INTERVAL`).
    pub interval: Secs,
    /// Attempts per cycle, in total (`HEALTH_CHECK_RETRIES`).
    pub retries: u32,
    /// Pause between attempts (`HEALTH_CHECK_RETRY_DELAY`).
    pub retry_delay: Secs,
    /// Down cycles that confirm an outage (`ALERT_AFTER_CONSECUTIVE_FAILURES`).
    pub failure_threshold: u32,
    /// Slower than this is degraded (`DEGRADED_RESPONSE_MS`).
    pub degraded_response_ms: u64,
    /// Check rows older than this are deleted daily (`HEALTH_CHECK_RETENTION_DAYS`).
    pub retention_days: u32,
    /// Time of day (UTC) of the daily retention cleanup.
    pub cleanup_at: chrono::NaiveTime,
}

/// `[slack]`
#[derive(Clone, Debug, Serialize)]
pub struct SlackSettings {
    /// Incoming webhook (`SLACK_WEBHOOK_URL`); empty: alerts are logged and skipped. Shown
    /// as its scheme and host only.
    pub webhook_url: WebhookUrl,
    /// Channel name, for the record (`SLACK_CHANNEL`); the webhook decides where posts go.
    pub channel: String,
}

impl Settings {
    /// The effective configuration as TOML, with secrets masked (`watchpost config check`):
    /// URL passwords and query values, the webhook's path, request bodies, token hashes and
    /// the session secret.
    pub fn to_masked_toml(&self) -> Result<String, toml::ser::Error> {
        let mut copy = self.clone();
        // The webhook, the database URL, the session secret and token hashes are
        // [`Secret`]s, which serialize masked.
        let page = &mut copy.status_page;
        for link in [&mut page.url, &mut page.logo_url, &mut page.home_url] {
            *link = mask::url(link);
        }
        for link in &mut page.links {
            link.url = mask::url(&link.url);
        }
        for service in &mut copy.services {
            mask::url_in_place(&mut service.url);
            if let CheckType::AsyncTwoPhase(a) = &mut service.check_type {
                mask::url_in_place(&mut a.base_url);
            }
            service.request_body = service.request_body.as_ref().map(mask::json);
        }
        toml::to_string(&copy)
    }
}
