//! Pure parts of the read API: the JSON view structs (separate from the database records),
//! latency percentiles, and query parameter parsing with errors that name the parameter.

use crate::domain::rollup_stats::{by_day, Tally};
use crate::domain::status::{hint, ServiceStatus};
use crate::snapshot::ServiceView;
use crate::store::{CheckRecord, OutageRecord};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Rows a checks page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 100;
/// Rows a checks page holds at most.
pub const MAX_LIMIT: i64 = 1000;

/// The `p`-th percentile (0–100, nearest rank) of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Response time percentiles, ms.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: Option<u64>,
    /// 95th percentile.
    pub p95: Option<u64>,
}

impl Latency {
    /// Percentiles of `values` (any order).
    pub fn of(mut values: Vec<u64>) -> Self {
        values.sort_unstable();
        Latency {
            p50: percentile(&values, 50.0),
            p95: percentile(&values, 95.0),
        }
    }
}

/// Uptime percentages by window, as the snapshot has them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Uptime {
    /// Last 24 hours.
    #[serde(rename = "24h")]
    pub h24: Option<f64>,
    /// Last 7 days.
    #[serde(rename = "7d")]
    pub d7: Option<f64>,
    /// Last 30 days.
    #[serde(rename = "30d")]
    pub d30: Option<f64>,
    /// Last 90 days.
    #[serde(rename = "90d")]
    pub d90: Option<f64>,
}

/// The outage in progress.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OpenOutage {
    /// First failure.
    pub start: DateTime<Utc>,
}

/// One outage in the API.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutageView {
    /// Service name (in `/api/outages` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// First failure.
    pub start: DateTime<Utc>,
    /// Recovery; `null` while open.
    pub end: Option<DateTime<Utc>>,
    /// Seconds from start to end (to now while open).
    pub duration_seconds: i64,
    /// Closed.
    pub resolved: bool,
    /// Who closed it.
    pub resolved_by: Option<String>,
}

impl OutageView {
    /// The view of `record` at `now`, naming its service when `with_service`.
    pub fn new(record: OutageRecord, now: DateTime<Utc>, with_service: bool) -> Self {
        let end = record.end.unwrap_or(now);
        OutageView {
            service: with_service.then_some(record.service),
            start: record.start,
            end: record.end,
            duration_seconds: (end - record.start).num_seconds().max(0),
            resolved: record.resolved,
            resolved_by: record.resolved_by,
        }
    }
}

/// `GET /api/services/{name}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceDetailView {
    /// Name.
    pub name: String,
    /// The configured group; `null` for a service in none.
    pub group: Option<String>,
    /// Public status.
    pub status: ServiceStatus,
    /// Latest response time, ms.
    pub response_time_ms: Option<u64>,
    /// Sanitized hint.
    pub detail: Option<String>,
    /// Last conclusive check.
    pub last_checked: Option<DateTime<Utc>>,
    /// Start of the confirmed outage in progress.
    pub since: Option<DateTime<Utc>>,
    /// Uptime by window.
    pub uptime: Uptime,
    /// Response time percentiles over the last 24 hours.
    pub latency_ms: Latency,
    /// The outage in progress, if any.
    pub open_outage: Option<OpenOutage>,
    /// The last outages, newest first.
    pub recent_outages: Vec<OutageView>,
}

impl ServiceDetailView {
    /// The snapshot's view of a service with what the database adds.
    pub fn new(
        view: &ServiceView,
        latency: Latency,
        open: Option<DateTime<Utc>>,
        recent: Vec<OutageView>,
    ) -> Self {
        ServiceDetailView {
            name: view.name.clone(),
            group: view.group.clone(),
            status: view.status,
            response_time_ms: view.response_time_ms,
            detail: view.detail.clone(),
            last_checked: view.last_checked,
            since: view.since,
            uptime: Uptime {
                h24: view.uptime_24h,
                d7: view.uptime_7d,
                d30: view.uptime_30d,
                d90: view.uptime_90d,
            },
            latency_ms: latency,
            open_outage: open.map(|start| OpenOutage { start }),
            recent_outages: recent,
        }
    }
}

/// One check in the API.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckView {
    /// When it ran.
    pub checked_at: DateTime<Utc>,
    /// `up` or `down`.
    pub status: String,
    /// Last HTTP status seen.
    pub status_code: Option<i32>,
    /// Response time, ms.
    pub response_time_ms: Option<i32>,
    /// For a down check, the public hint of its error (DESIGN.md §4.3: never the raw error,
    /// which may name internal hosts).
    pub detail: Option<String>,
}

/// `GET /api/services/{name}/checks`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChecksPageView {
    /// Checks, newest first.
    pub checks: Vec<CheckView>,
    /// When the page is full: pass as `until` for the next (older) page.
    pub next_until: Option<DateTime<Utc>>,
}

impl ChecksPageView {
    /// A page of `records` read with `limit`.
    pub fn new(records: Vec<CheckRecord>, limit: i64) -> Self {
        let full = usize::try_from(limit).is_ok_and(|l| records.len() >= l);
        let next_until = records.last().filter(|_| full).map(|r| r.checked_at);
        let checks = records
            .into_iter()
            .map(|r| {
                let code = r.status_code.and_then(|c| u16::try_from(c).ok());
                let error = r.error_message.as_deref().unwrap_or("");
                let detail = (r.status == "down").then(|| hint(error, code));
                CheckView {
                    checked_at: r.checked_at,
                    status: r.status,
                    status_code: r.status_code,
                    response_time_ms: r.response_time_ms,
                    detail,
                }
            })
            .collect();
        ChecksPageView { checks, next_until }
    }
}

/// An RFC 3339 time from query parameter `name`; the error names the parameter. A `+` the
/// query string turned into a space is read as `+`.
pub fn parse_time(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(value)
        .or_else(|_| DateTime::parse_from_rfc3339(&value.replace(' ', "+")))
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| format!("{name}: not an RFC 3339 time"))
}

/// Hours `/api/services/{name}/history` covers unless `hours` or `days` says otherwise.
pub const DEFAULT_HISTORY_HOURS: u32 = 48;
/// The longest `hours` (31 days).
pub const MAX_HISTORY_HOURS: u32 = 31 * 24;
/// The longest `days` (rollups are kept 400 days).
pub const MAX_HISTORY_DAYS: u32 = 400;

/// How a history is cut: hours or UTC days, and how many back from now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The last N hours, the current one included.
    Hours(u32),
    /// The last N UTC days, today included.
    Days(u32),
}

/// The `hours` and `days` parameters (at most one): default 48 hours; a number of 1 up to
/// [`MAX_HISTORY_HOURS`] or [`MAX_HISTORY_DAYS`]; errors name the parameter.
pub fn parse_resolution(hours: Option<&str>, days: Option<&str>) -> Result<Resolution, String> {
    let count = |name: &str, value: &str, max: u32| -> Result<u32, String> {
        match value.trim().parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!("{name}: a whole number from 1 to {max}")),
        }
    };
    match (hours, days) {
        (Some(_), Some(_)) => Err("hours, days: give one of them, not both".to_string()),
        (Some(h), None) => count("hours", h, MAX_HISTORY_HOURS).map(Resolution::Hours),
        (None, Some(d)) => count("days", d, MAX_HISTORY_DAYS).map(Resolution::Days),
        (None, None) => Ok(Resolution::Hours(DEFAULT_HISTORY_HOURS)),
    }
}

impl Resolution {
    /// The start of the first span, for a history read at `now`.
    pub fn since(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let hour = crate::store::hour_of(now.naive_utc()).and_utc();
        match self {
            Resolution::Hours(n) => hour - chrono::Duration::hours(i64::from(n) - 1),
            Resolution::Days(n) => {
                let midnight = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
                midnight - chrono::Duration::days(i64::from(n) - 1)
            }
        }
    }
}

/// Response times of a span, ms: mean, extremes and percentile upper bounds (from the rollups'
/// histogram: 50, 100, 250, 500, 1000, 2500, 5000 ms, capped by the slowest).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpanLatency {
    /// Mean.
    pub mean: Option<f64>,
    /// Fastest.
    pub min: Option<u32>,
    /// Slowest.
    pub max: Option<u32>,
    /// Median, upper bound.
    pub p50: Option<u32>,
    /// 95th percentile, upper bound.
    pub p95: Option<u32>,
    /// 99th percentile, upper bound.
    pub p99: Option<u32>,
}

/// One hour or day of a service's checks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpanView {
    /// Start of the hour or UTC day.
    pub start: DateTime<Utc>,
    /// Checks stored.
    pub checks: u64,
    /// Of which down.
    pub failures: u64,
    /// Percent of checks that found the service up.
    pub availability: Option<f64>,
    /// Response times.
    pub latency_ms: SpanLatency,
}

impl SpanView {
    /// The span starting at `start` with `tally`.
    pub fn new(start: DateTime<Utc>, tally: &Tally) -> Self {
        SpanView {
            start,
            checks: tally.checks,
            failures: tally.failures,
            availability: tally.availability(),
            latency_ms: SpanLatency {
                mean: tally.mean_ms(),
                min: tally.latency_min_ms,
                max: tally.latency_max_ms,
                p50: tally.percentile_ms(50.0),
                p95: tally.percentile_ms(95.0),
                p99: tally.percentile_ms(99.0),
            },
        }
    }
}

/// `GET /api/services/{name}/history`: a service's hours or days with checks, oldest first,
/// and the whole range's total.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryView {
    /// The service.
    pub service: String,
    /// `hour` or `day`.
    pub resolution: &'static str,
    /// Start of the range.
    pub since: DateTime<Utc>,
    /// The whole range.
    pub total: SpanView,
    /// Spans with at least one stored check (a span without any is absent: no data).
    pub spans: Vec<SpanView>,
}

impl HistoryView {
    /// The history of `service` from its hourly tallies (oldest first).
    pub fn new(
        service: String,
        resolution: Resolution,
        since: DateTime<Utc>,
        hours: &[(chrono::NaiveDateTime, Tally)],
    ) -> Self {
        let mut total = Tally::default();
        hours.iter().for_each(|(_, t)| total.merge(t));
        let (name, spans) = match resolution {
            Resolution::Hours(_) => (
                "hour",
                hours
                    .iter()
                    .map(|(hour, t)| SpanView::new(hour.and_utc(), t))
                    .collect(),
            ),
            Resolution::Days(_) => (
                "day",
                by_day(hours)
                    .iter()
                    .map(|(day, t)| {
                        SpanView::new(day.and_time(chrono::NaiveTime::MIN).and_utc(), t)
                    })
                    .collect(),
            ),
        };
        HistoryView {
            service,
            resolution: name,
            since,
            total: SpanView::new(since, &total),
            spans,
        }
    }
}

/// The `limit` parameter: default [`DEFAULT_LIMIT`], capped at [`MAX_LIMIT`]; 0 or anything but
/// digits is an error naming `limit`.
pub fn parse_limit(value: Option<&str>) -> Result<i64, String> {
    let Some(value) = value else {
        return Ok(DEFAULT_LIMIT);
    };
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("limit: not a whole number".to_string());
    }
    match digits.parse::<i64>() {
        Ok(0) => Err("limit: must be at least 1".to_string()),
        Ok(n) => Ok(n.min(MAX_LIMIT)),
        Err(_) => Ok(MAX_LIMIT),
    }
}

#[cfg(test)]
#[path = "read_views_tests.rs"]
mod tests;
