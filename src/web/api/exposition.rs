//! The Prometheus text exposition format (version 0.0.4) of the process-wide [`Metrics`] and
//! a snapshot, served at `GET /metrics` (see [`super::metrics`]). Pure: text from data.
//!
//! Per-service series come from the snapshot (no database access):
//! - `watchpost_service_up`: 0 while a confirmed outage is in progress, 1 otherwise (up,
//!   degraded, or under maintenance without an open outage); no sample while the service's
//!   status is unknown (no conclusive result yet).
//! - `watchpost_service_status{status}`: 1 for the current public status, 0 for the others.
//! - `watchpost_service_response_time_seconds`, `watchpost_service_last_check_timestamp_seconds`
//!   and `watchpost_service_outage_start_timestamp_seconds`: only when known (the outage start
//!   only while an outage is open).

use crate::domain::status::ServiceStatus;
use crate::metrics::{Histogram, Metrics, LAG_BUCKETS};
use crate::snapshot::{ServiceView, Snapshot};
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Every public status, in the order `watchpost_service_status` lists them.
const STATUSES: [ServiceStatus; 5] = [
    ServiceStatus::Up,
    ServiceStatus::Degraded,
    ServiceStatus::Down,
    ServiceStatus::Maintenance,
    ServiceStatus::Unknown,
];

/// The process-wide families without labels: name, type and help, in the order of [`values`].
const PLAIN: [(&str, &str, &str); 10] = [
    (
        "watchpost_alert_deliveries_total",
        "counter",
        "Alerts Slack accepted (2xx).",
    ),
    (
        "watchpost_alert_delivery_failures_total",
        "counter",
        "Failed alert delivery attempts.",
    ),
    (
        "watchpost_alerts_given_up_total",
        "counter",
        "Alerts Slack rejected (HTTP 400).",
    ),
    (
        "watchpost_alerts_skipped_total",
        "counter",
        "Alerts skipped: no webhook configured.",
    ),
    (
        "watchpost_alert_outbox_backlog",
        "gauge",
        "Alerts waiting for delivery.",
    ),
    (
        "watchpost_persistence_backlog",
        "gauge",
        "Database writes not committed yet.",
    ),
    (
        "watchpost_persistence_dropped_checks_total",
        "counter",
        "Check rows dropped (backlog full).",
    ),
    (
        "watchpost_persistence_write_failures_total",
        "counter",
        "Failed database write batches.",
    ),
    (
        "watchpost_persistence_rows_written_total",
        "counter",
        "Check rows committed to the database.",
    ),
    (
        "watchpost_admin_lockout_addresses",
        "gauge",
        "Client addresses the admin lockout tracks.",
    ),
];

/// The current values of the [`PLAIN`] families, in the same order.
fn values(m: &Metrics) -> [u64; 10] {
    [
        m.alerts_sent.get(),
        m.alert_delivery_failures.get(),
        m.alerts_given_up.get(),
        m.alerts_skipped.get(),
        m.alert_backlog.get(),
        m.persistence_backlog.get(),
        m.persistence_dropped_checks.get(),
        m.persistence_write_failures.get(),
        m.persistence_rows_written.get(),
        m.admin_lockout_addresses.get(),
    ]
}

const UP_HELP: &str = "0 during a confirmed outage, else 1; absent while unknown.";
const STATUS_HELP: &str = "1 for the service's current public status, 0 for the others.";
const RT_HELP: &str = "Response time of the latest conclusive check.";
const LAST_HELP: &str = "Unix time of the latest conclusive check.";
const SINCE_HELP: &str = "Unix time the confirmed outage in progress started.";

/// The exposition text of `metrics` and the services in `snapshot`.
pub fn render(metrics: &Metrics, snapshot: &Snapshot) -> String {
    let mut out = String::with_capacity(2048 + snapshot.services.len() * 1024);
    let checks = "watchpost_checks_total";
    family(&mut out, checks, "counter", "Check cycles by result.");
    for (result, counter) in [
        ("up", &metrics.checks_up),
        ("down", &metrics.checks_down),
        ("inconclusive", &metrics.checks_inconclusive),
    ] {
        sample(&mut out, checks, &[("result", result)], counter.get());
    }
    for ((name, kind, help), value) in PLAIN.into_iter().zip(values(metrics)) {
        family(&mut out, name, kind, help);
        sample(&mut out, name, &[], value);
    }
    render_lag(&mut out, &metrics.schedule_lag);
    render_services(&mut out, &snapshot.services);
    out
}

fn render_lag(out: &mut String, lag: &Histogram) {
    let name = "watchpost_schedule_lag_seconds";
    let help = "How late check cycles start (actual start minus planned start).";
    family(out, name, "histogram", help);
    let bucket = format!("{name}_bucket");
    let counts = lag.cumulative();
    for (bound, count) in LAG_BUCKETS.iter().zip(counts) {
        sample(out, &bucket, &[("le", &bound.to_string())], count);
    }
    let total = counts[LAG_BUCKETS.len()];
    sample(out, &bucket, &[("le", "+Inf")], total);
    sample(out, &format!("{name}_sum"), &[], lag.sum_seconds());
    sample(out, &format!("{name}_count"), &[], total);
}

fn render_services(out: &mut String, services: &[ServiceView]) {
    let up = |s: &ServiceView| up_value(s).map(f64::from);
    per_service(out, "watchpost_service_up", UP_HELP, services, up);
    let status = "watchpost_service_status";
    family(out, status, "gauge", STATUS_HELP);
    for s in services {
        for st in STATUSES {
            let labels = [("service", s.name.as_str()), ("status", status_name(st))];
            sample(out, status, &labels, u8::from(s.status == st));
        }
    }
    let rt = "watchpost_service_response_time_seconds";
    per_service(out, rt, RT_HELP, services, |s| {
        s.response_time_ms.map(|ms| ms as f64 / 1000.0)
    });
    let last = "watchpost_service_last_check_timestamp_seconds";
    per_service(out, last, LAST_HELP, services, |s| s.last_checked.map(unix));
    let since = "watchpost_service_outage_start_timestamp_seconds";
    per_service(out, since, SINCE_HELP, services, |s| s.since.map(unix));
}

/// A gauge family with one sample per service that has a value.
fn per_service(
    out: &mut String,
    name: &str,
    help: &str,
    services: &[ServiceView],
    value: impl Fn(&ServiceView) -> Option<f64>,
) {
    family(out, name, "gauge", help);
    for s in services {
        if let Some(v) = value(s) {
            sample(out, name, &[("service", &s.name)], v);
        }
    }
}

/// Unix time in seconds, to the millisecond.
fn unix(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

/// 0 for a confirmed outage, 1 for up, degraded or maintenance without one, none for unknown.
fn up_value(s: &ServiceView) -> Option<u8> {
    match s.status {
        ServiceStatus::Unknown => None,
        ServiceStatus::Down => Some(0),
        ServiceStatus::Maintenance if s.since.is_some() => Some(0),
        ServiceStatus::Up | ServiceStatus::Degraded | ServiceStatus::Maintenance => Some(1),
    }
}

fn status_name(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Up => "up",
        ServiceStatus::Down => "down",
        ServiceStatus::Degraded => "degraded",
        ServiceStatus::Maintenance => "maintenance",
        ServiceStatus::Unknown => "unknown",
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape_label(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value escaped for the exposition format: backslash, double quote and line feed.
pub fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
#[path = "exposition_tests.rs"]
mod tests;
