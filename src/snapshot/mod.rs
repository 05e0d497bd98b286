//! The immutable picture handlers serve: every service's public state with its uptime, the
//! incidents and maintenance, built by the StatusCache and published to the web. It sits
//! below both (it knows the domain only): the actor builds it, the web reads it, and neither
//! reaches back into the other through it. Its `/api/status` JSON and `/` HTML are rendered
//! and compressed once per snapshot, lazily, by the first request that wants them, so a
//! snapshot nobody reads costs no rendering.

mod current;
mod rendered;

use crate::domain::notices::Notices;
use crate::domain::status::{overall, OverallStatus, ServiceStatus};
use crate::domain::uptime::{self, DayBar, Span};
use chrono::{DateTime, Duration, Utc};
pub use current::Current;
pub use rendered::Rendered;
use serde::Serialize;
use std::sync::{Arc, OnceLock};

/// One service as the public sees it (the `/api/status` item).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ServiceView {
    /// Service name.
    pub name: String,
    /// The configured group; `null` for a service in none.
    pub group: Option<String>,
    /// up, down, degraded, maintenance or unknown.
    pub status: ServiceStatus,
    /// Latest response time, ms.
    pub response_time_ms: Option<u64>,
    /// Sanitized hint.
    pub detail: Option<String>,
    /// Last conclusive check.
    pub last_checked: Option<DateTime<Utc>>,
    /// Start of the confirmed outage in progress.
    pub since: Option<DateTime<Utc>>,
    /// Uptime over the last 24 hours, percent (`null`: no data).
    pub uptime_24h: Option<f64>,
    /// Over 7 days.
    pub uptime_7d: Option<f64>,
    /// Over 30 days.
    pub uptime_30d: Option<f64>,
    /// Over 90 days.
    pub uptime_90d: Option<f64>,
}

impl ServiceView {
    /// A service before its first result.
    pub fn unknown(name: &str) -> Self {
        ServiceView {
            name: name.to_string(),
            group: None,
            status: ServiceStatus::Unknown,
            response_time_ms: None,
            detail: None,
            last_checked: None,
            since: None,
            uptime_24h: None,
            uptime_7d: None,
            uptime_30d: None,
            uptime_90d: None,
        }
    }
}

/// What the page shows of a service beyond its JSON: sparkline samples and daily bars.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDetail {
    /// Newest response times of the last 24 h, oldest first.
    pub samples: Vec<(DateTime<Utc>, u64)>,
    /// The 90 daily bars, oldest first.
    pub bars: Vec<DayBar>,
}

/// The `/api/status` body: the whole site's summary and a list of services (all of them, or
/// a filtered selection).
#[derive(Serialize)]
struct StatusJson<S: Serialize> {
    overall_status: OverallStatus,
    status_label: &'static str,
    last_checked: Option<DateTime<Utc>>,
    services: S,
    uptime_90d: Option<f64>,
}

/// An immutable picture of everything, shared with handlers.
#[derive(Debug)]
pub struct Snapshot {
    /// Overall banner.
    pub overall_status: OverallStatus,
    /// Banner text.
    pub status_label: &'static str,
    /// Newest check of any service.
    pub last_checked: Option<DateTime<Utc>>,
    /// Services in configuration order.
    pub services: Vec<ServiceView>,
    /// Mean 90-day uptime of the services with data.
    pub uptime_90d: Option<f64>,
    /// Sparklines and bars, parallel to `services`.
    pub details: Vec<ServiceDetail>,
    /// Incidents and maintenance.
    pub notices: Arc<Notices>,
    /// When it was built.
    pub built_at: DateTime<Utc>,
    /// `/api/status` JSON, rendered at the first [`Snapshot::json`].
    json: OnceLock<Rendered>,
    /// `/` HTML, rendered at the first [`Snapshot::html_with`].
    html: OnceLock<Rendered>,
}

/// One service's live view and history, as the StatusCache keeps them.
pub struct Input<'a> {
    /// Latest public state.
    pub live: &'a ServiceView,
    /// First monitored.
    pub monitored_since: Option<DateTime<Utc>>,
    /// Outages of the last 90 days and any still open, oldest first.
    pub outages: &'a [Span],
    /// Newest response times of the last 24 h: (checked at, ms), oldest first.
    pub samples: &'a [(DateTime<Utc>, u64)],
}

/// Rounds a percentage down to 3 decimals, so 99.9999 never shows as 100.
fn round(u: Option<f64>) -> Option<f64> {
    u.map(|u| (u * 1000.0).floor() / 1000.0)
}

fn with_history(
    input: &Input<'_>,
    notices: &Notices,
    now: DateTime<Utc>,
) -> (ServiceView, ServiceDetail) {
    // Nothing is known of a service before its first result: no uptime, no bar (not 100 %).
    let since = input.live.last_checked.and(input.monitored_since);
    let up = |days: i64| {
        round(uptime::uptime(
            input.outages,
            since,
            now - Duration::days(days),
            now,
        ))
    };
    let mut view = ServiceView {
        uptime_24h: up(1),
        uptime_7d: up(7),
        uptime_30d: up(30),
        uptime_90d: up(90),
        ..input.live.clone()
    };
    if notices.in_maintenance(&view.name, now) {
        view.status = ServiceStatus::Maintenance;
        view.detail = Some("Under maintenance".to_string());
    }
    let day_ago = now - Duration::hours(24);
    let detail = ServiceDetail {
        samples: input
            .samples
            .iter()
            .copied()
            .filter(|(at, _)| *at >= day_ago)
            .collect(),
        bars: uptime::daily_bars(input.outages, since, now),
    };
    (view, detail)
}

impl Snapshot {
    /// A snapshot of bare views (no history, no notices).
    pub fn build(services: Vec<ServiceView>) -> Self {
        let details = services
            .iter()
            .map(|_| ServiceDetail {
                samples: Vec::new(),
                bars: Vec::new(),
            })
            .collect();
        Self::finish(services, details, Arc::new(Notices::default()), Utc::now())
    }

    /// The full snapshot at `now`: uptimes, maintenance and incidents applied.
    pub fn assemble(inputs: &[Input<'_>], notices: Arc<Notices>, now: DateTime<Utc>) -> Self {
        let (services, details) = inputs
            .iter()
            .map(|i| with_history(i, &notices, now))
            .unzip();
        Self::finish(services, details, notices, now)
    }

    fn finish(
        services: Vec<ServiceView>,
        details: Vec<ServiceDetail>,
        notices: Arc<Notices>,
        now: DateTime<Utc>,
    ) -> Self {
        let statuses: Vec<ServiceStatus> = services.iter().map(|s| s.status).collect();
        let overall_status = notices.raise(overall(&statuses));
        Snapshot {
            overall_status,
            status_label: overall_status.label(),
            last_checked: services.iter().filter_map(|s| s.last_checked).max(),
            uptime_90d: round(uptime::mean(services.iter().map(|s| s.uptime_90d))),
            services,
            details,
            notices,
            built_at: now,
            json: OnceLock::new(),
            html: OnceLock::new(),
        }
    }

    /// The `/api/status` body of every service with its ETag and gzipped copy, rendered by
    /// the first caller (others wait for it) and kept for the snapshot's life.
    pub fn json(&self) -> &Rendered {
        self.json
            .get_or_init(|| Rendered::new(self.json_of(&self.services)))
    }

    /// The `/` page, rendered by `render` at the first call (with its ETag and gzipped copy)
    /// and kept for the snapshot's life; later calls return it and ignore their `render`.
    /// The page's markup is the web's business, so the web passes it in.
    pub fn html_with(&self, render: impl FnOnce(&Snapshot) -> Vec<u8>) -> &Rendered {
        self.html.get_or_init(|| Rendered::new(render(self)))
    }

    /// The `/api/status` body listing only the services `keep` selects; the summary fields
    /// stay those of the whole site. Rendered per request, from memory.
    pub fn json_where(&self, keep: impl Fn(&ServiceView) -> bool) -> Vec<u8> {
        let services: Vec<&ServiceView> = self.services.iter().filter(|s| keep(s)).collect();
        self.json_of(services)
    }

    fn json_of<S: Serialize>(&self, services: S) -> Vec<u8> {
        serde_json::to_vec(&self.status_json(services)).unwrap_or_default()
    }

    fn status_json<S: Serialize>(&self, services: S) -> StatusJson<S> {
        StatusJson {
            overall_status: self.overall_status,
            status_label: self.status_label,
            last_checked: self.last_checked,
            services,
            uptime_90d: self.uptime_90d,
        }
    }
}

/// The `/api/status` body of every service, as rendered by [`Snapshot::json`].
impl Serialize for Snapshot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.status_json(&self.services).serialize(serializer)
    }
}

#[cfg(test)]
mod tests;
