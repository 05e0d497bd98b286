//! The configuration as written (every field optional), and its resolution into [`super::Settings`].

use super::{
    mask, AsyncVerification, CheckDefaults, CheckKind, CheckType, DatabaseSettings, Secs,
    ServerSettings, ServiceSettings, SlackSettings,
};
use serde::Deserialize;
use std::time::Duration;
use url::Url;

/// Problems found in one unit, each as `field: why`.
pub type Problems = Vec<String>;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub bind: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub forwarded_header: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    pub url: Option<String>,
    pub pool_size: Option<u32>,
    pub max_backlog: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawChecks {
    pub interval: Option<Secs>,
    pub retries: Option<u32>,
    pub retry_delay: Option<Secs>,
    pub failure_threshold: Option<u32>,
    pub degraded_response_ms: Option<u64>,
    pub retention_days: Option<u32>,
    pub cleanup_at: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSlack {
    pub webhook_url: Option<String>,
    pub channel: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAsync {
    pub base_url: Option<String>,
    pub max_poll_attempts: Option<u32>,
    pub poll_interval: Option<Secs>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: Option<String>,
    pub group: Option<String>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub expected_status: Option<u16>,
    pub timeout: Option<Secs>,
    pub follow_redirects: Option<bool>,
    pub fresh_connection: Option<bool>,
    pub failure_threshold: Option<u32>,
    pub check_type: Option<CheckKind>,
    pub request_body: Option<serde_json::Value>,
    pub async_verification: Option<RawAsync>,
    pub degraded_threshold_ms: Option<u64>,
    pub interval: Option<Secs>,
    pub retries: Option<u32>,
    pub retry_delay: Option<Secs>,
}

/// Characters a service's `group` may have at most.
pub const GROUP_MAX_CHARS: usize = 100;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

impl RawServer {
    pub fn resolve(self, p: &mut Problems) -> Option<ServerSettings> {
        let bind = self.bind.unwrap_or_else(|| "127.0.0.1:8000".into());
        let mut trusted_proxies = Vec::new();
        for (i, text) in self.trusted_proxies.unwrap_or_default().iter().enumerate() {
            match super::Cidr::parse(text) {
                Some(cidr) => trusted_proxies.push(cidr),
                None => p.push(format!(
                    "trusted_proxies[{i}]: {text:?} is not an address or a network like 10.0.0.0/8"
                )),
            }
        }
        let header = self
            .forwarded_header
            .unwrap_or_else(|| "x-forwarded-for".into());
        let forwarded_header = super::ForwardedHeader::parse(&header).unwrap_or_else(|| {
            p.push(format!(
                "forwarded_header: {header:?} is neither \"x-forwarded-for\" nor \"forwarded\""
            ));
            super::ForwardedHeader::default()
        });
        match bind.parse() {
            Ok(bind) => Some(ServerSettings {
                bind,
                trusted_proxies,
                forwarded_header,
            }),
            Err(_) => {
                p.push(format!(
                    "bind: {bind:?} is not an address like 127.0.0.1:8000"
                ));
                None
            }
        }
    }
}

impl RawDatabase {
    pub fn resolve(self, p: &mut Problems) -> DatabaseSettings {
        let url = self.url.unwrap_or_else(|| "sqlite://watchpost.db".into());
        let known = ["sqlite://", "postgres://", "postgresql://"];
        if !known.iter().any(|prefix| url.starts_with(prefix)) || url.ends_with("://") {
            p.push(
                "url: must be sqlite://PATH, sqlite:///ABS/PATH or postgres://USER@HOST/DB".into(),
            );
        }
        positive(p, "pool_size", self.pool_size.unwrap_or(4));
        positive(p, "max_backlog", self.max_backlog.unwrap_or(100_000) as u32);
        DatabaseSettings {
            url: url.into(),
            pool_size: self.pool_size.unwrap_or(4),
            max_backlog: self.max_backlog.unwrap_or(100_000),
        }
    }
}

impl RawChecks {
    pub fn resolve(self, p: &mut Problems) -> CheckDefaults {
        let text = self.cleanup_at.unwrap_or_else(|| "03:00:00".into());
        let cleanup_at = chrono::NaiveTime::parse_from_str(&text, "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(&text, "%H:%M"))
            .unwrap_or_else(|_| {
                p.push(format!(
                    "cleanup_at: {text:?} is not a time of day like \"03:00:00\""
                ));
                chrono::NaiveTime::MIN
            });
        let d = CheckDefaults {
            interval: self.interval.unwrap_or(Secs(Duration::from_secs(60))),
            retries: self.retries.unwrap_or(3),
            retry_delay: self.retry_delay.unwrap_or(Secs(Duration::from_secs(10))),
            failure_threshold: self.failure_threshold.unwrap_or(2),
            degraded_response_ms: self.degraded_response_ms.unwrap_or(2000),
            retention_days: self.retention_days.unwrap_or(60),
            cleanup_at,
        };
        nonzero(p, "interval", d.interval);
        positive(p, "retries", d.retries);
        positive(p, "failure_threshold", d.failure_threshold);
        d
    }
}

impl RawSlack {
    pub fn resolve(self, p: &mut Problems) -> SlackSettings {
        let webhook_url = self.webhook_url.unwrap_or_default();
        if !webhook_url.is_empty() {
            // The path is the webhook's key: an error names scheme and host only.
            checked_url(
                p,
                "webhook_url",
                &webhook_url,
                &mask::secret_url(&webhook_url),
            );
        }
        SlackSettings {
            webhook_url: webhook_url.into(),
            channel: self.channel.unwrap_or_else(|| "sefaria-down".into()),
        }
    }
}

impl RawService {
    /// Fills the global defaults in and checks every field; `None` when a required field is unusable.
    pub fn resolve(self, g: &CheckDefaults, p: &mut Problems) -> Option<ServiceSettings> {
        let name = self.name.filter(|n| !n.trim().is_empty());
        if name.is_none() {
            p.push("name: required, and must not be empty".into());
        }
        let url = match self.url {
            Some(url) => http_url(p, "url", &url),
            None => {
                p.push("url: required".into());
                None
            }
        };
        let two_phase = self.check_type == Some(CheckKind::AsyncTwoPhase);
        let method = self
            .method
            .unwrap_or_else(|| if two_phase { "POST" } else { "GET" }.into())
            .to_uppercase();
        if !METHODS.contains(&method.as_str()) {
            p.push(format!(
                "method: {method:?} is not one of {}",
                METHODS.join(", ")
            ));
        }
        let expected_status = self
            .expected_status
            .unwrap_or(if two_phase { 202 } else { 200 });
        if !(100..=599).contains(&expected_status) {
            p.push(format!(
                "expected_status: {expected_status} is not an HTTP status (100-599)"
            ));
        }
        let check_type = check_type(p, two_phase, self.async_verification);
        let group = self.group.and_then(|g| group(p, &g));
        let s = ServiceSettings {
            name: name?,
            group,
            url: url?,
            method,
            expected_status,
            timeout: self.timeout.unwrap_or(Secs(Duration::from_secs(10))),
            follow_redirects: self.follow_redirects.unwrap_or(false),
            fresh_connection: self.fresh_connection.unwrap_or(false),
            failure_threshold: self.failure_threshold.unwrap_or(g.failure_threshold),
            check_type,
            request_body: self.request_body,
            degraded_threshold_ms: self.degraded_threshold_ms.unwrap_or(g.degraded_response_ms),
            interval: self.interval.unwrap_or(g.interval),
            retries: self.retries.unwrap_or(g.retries),
            retry_delay: self.retry_delay.unwrap_or(g.retry_delay),
        };
        // Inherited values were checked in [checks]; only this service's own are checked here.
        nonzero(p, "timeout", s.timeout);
        self.interval
            .into_iter()
            .for_each(|v| nonzero(p, "interval", v));
        self.failure_threshold
            .into_iter()
            .for_each(|v| positive(p, "failure_threshold", v));
        self.retries
            .into_iter()
            .for_each(|v| positive(p, "retries", v));
        Some(s)
    }
}

/// The check type with its polling. A standard service's `async_verification` is still
/// checked, though unused. A two-phase one without usable polling has a problem recorded (the
/// configuration is rejected) and stays standard so that its other fields are still checked.
fn check_type(p: &mut Problems, two_phase: bool, raw: Option<RawAsync>) -> CheckType {
    if two_phase && raw.is_none() {
        p.push("async_verification: required when check_type = \"async_two_phase\"".into());
    }
    match raw.and_then(|raw| raw.resolve(p)) {
        Some(verify) if two_phase => CheckType::AsyncTwoPhase(verify),
        _ => CheckType::Standard,
    }
}

impl RawAsync {
    fn resolve(self, p: &mut Problems) -> Option<AsyncVerification> {
        let base_url = match self.base_url {
            Some(url) => http_url(p, "async_verification.base_url", &url),
            None => {
                p.push("async_verification.base_url: required".into());
                None
            }
        };
        let max_poll_attempts = self.max_poll_attempts.unwrap_or(10);
        positive(p, "async_verification.max_poll_attempts", max_poll_attempts);
        Some(AsyncVerification {
            base_url: base_url?,
            max_poll_attempts,
            poll_interval: self.poll_interval.unwrap_or(Secs(Duration::from_secs(1))),
        })
    }
}

/// The trimmed group name, or a problem when it is blank or longer than [`GROUP_MAX_CHARS`].
fn group(p: &mut Problems, raw: &str) -> Option<String> {
    let name = raw.trim();
    let chars = name.chars().count();
    if name.is_empty() {
        p.push("group: must not be empty (leave it out for no group)".into());
        None
    } else if chars > GROUP_MAX_CHARS {
        p.push(format!(
            "group: {chars} characters, at most {GROUP_MAX_CHARS} allowed"
        ));
        None
    } else {
        Some(name.to_string())
    }
}

/// `raw` as an http(s) URL, or a problem naming it with its secrets masked.
pub(super) fn http_url(p: &mut Problems, field: &str, raw: &str) -> Option<Url> {
    checked_url(p, field, raw, &mask::url(raw))
}

fn checked_url(p: &mut Problems, field: &str, raw: &str, shown: &str) -> Option<Url> {
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
        Ok(_) => {
            p.push(format!(
                "{field}: {shown:?} is not an http:// or https:// URL"
            ));
            None
        }
        Err(e) => {
            p.push(format!("{field}: {shown:?} is not a valid URL ({e})"));
            None
        }
    }
}

fn positive(p: &mut Problems, field: &str, value: u32) {
    if value == 0 {
        p.push(format!("{field}: must be at least 1"));
    }
}

fn nonzero(p: &mut Problems, field: &str, value: Secs) {
    if value.0.is_zero() {
        p.push(format!("{field}: must be more than zero"));
    }
}
