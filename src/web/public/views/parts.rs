//! Pieces of the status page: the sparkline, the 90-day strip, incidents and maintenance.

use crate::domain::notices::{Incident, Maintenance, Notices};
use crate::domain::uptime::{self, DayStatus};
use crate::snapshot::{ServiceDetail, ServiceView};
use chrono::{DateTime, Utc};
use maud::{html, Markup};

const SPARK_W: f64 = 120.0;
const SPARK_H: f64 = 24.0;

/// `2026-11-25 14:03 UTC`
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A `<time>` element in UTC.
pub fn time(t: DateTime<Utc>) -> Markup {
    html! { time datetime=(t.to_rfc3339()) { (utc(t)) } }
}

/// `min Xms, max Yms, latest Zms` of the samples.
pub fn spark_summary(samples: &[(DateTime<Utc>, u64)]) -> Option<String> {
    let values = samples.iter().map(|(_, ms)| *ms);
    let (min, max) = (values.clone().min()?, values.max()?);
    let latest = samples.last()?.1;
    Some(format!("min {min}ms, max {max}ms, latest {latest}ms"))
}

/// The sparkline's points (`x,y`), oldest first, scaled to the box; none for fewer than two
/// samples (one point is no line).
pub fn spark_points(samples: &[(DateTime<Utc>, u64)]) -> Vec<(f64, f64)> {
    if samples.len() < 2 {
        return Vec::new();
    }
    let min = samples.iter().map(|s| s.1).min().unwrap_or(0) as f64;
    let max = samples.iter().map(|s| s.1).max().unwrap_or(0) as f64;
    let span = (max - min).max(1.0);
    let step = SPARK_W / (samples.len() - 1) as f64;
    samples
        .iter()
        .enumerate()
        .map(|(i, (_, ms))| {
            let y = SPARK_H - 2.0 - (*ms as f64 - min) / span * (SPARK_H - 4.0);
            (i as f64 * step, y)
        })
        .collect()
}

/// The closed outline of the area under the line: along the points, down to the bottom edge
/// and back.
pub fn spark_area(points: &[(f64, f64)]) -> Option<String> {
    let (first, last) = (points.first()?, points.last()?);
    let line: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("L{x:.1},{y:.1}"))
        .collect();
    Some(format!(
        "M{:.1},{SPARK_H:.1} {} L{:.1},{SPARK_H:.1} Z",
        first.0,
        line.join(" "),
        last.0
    ))
}

/// The response-time sparkline: an inline SVG with the area under the line filled and a
/// polyline with a tooltip; none (a placeholder) for fewer than two samples.
pub fn sparkline(samples: &[(DateTime<Utc>, u64)]) -> Markup {
    let points = spark_points(samples);
    let (Some(summary), Some(area)) = (spark_summary(samples), spark_area(&points)) else {
        let text = if samples.is_empty() {
            "No data yet"
        } else {
            ""
        };
        return html! { span class="spark spark-empty" { (text) } };
    };
    let line: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    html! {
        svg class="spark" viewBox="0 0 120 24" width="120" height="24" role="img"
            aria-label={ "Response time, last 24 hours: " (summary) } {
            title { (summary) }
            path class="spark-area" d=(area) fill="currentColor" fill-opacity="0.15" stroke="none" {}
            polyline points=(line.join(" ")) fill="none" stroke="currentColor" stroke-width="1.5" {}
        }
    }
}

/// A day bar's tooltip: `2026-11-25: 99.95% uptime`, or `2026-11-25: no data`.
pub fn bar_title(bar: &uptime::DayBar) -> String {
    match bar.uptime {
        Some(_) => format!(
            "{}: {} uptime",
            bar.date,
            uptime::format_percent(bar.uptime)
        ),
        None => format!("{}: no data", bar.date),
    }
}

/// The accessible summary of a strip.
pub fn strip_label(view: &ServiceView, detail: &ServiceDetail) -> String {
    let count = |s: DayStatus| detail.bars.iter().filter(|b| b.status == s).count();
    let pct = match view.uptime_90d {
        Some(_) => format!("{} uptime", uptime::format_percent(view.uptime_90d)),
        None => "No data yet".to_string(),
    };
    format!(
        "{}, last 90 days: {pct}; {} days without downtime, {} with some, {} down, {} without data",
        view.name,
        count(DayStatus::Up),
        count(DayStatus::Partial),
        count(DayStatus::Down),
        count(DayStatus::NoData)
    )
}

/// One service's 90 daily bars and its uptime.
pub fn uptime_strip(view: &ServiceView, detail: &ServiceDetail) -> Markup {
    html! {
        div class="uptime-row" data-service=(view.name) {
            div class="uptime-head" {
                span class="name" { (view.name) }
                span class="pct" { (uptime::format_percent(view.uptime_90d)) }
            }
            div class="uptime-bars" role="img" aria-label=(strip_label(view, detail)) {
                @for bar in &detail.bars { i class=(bar.status.class()) title=(bar_title(bar)) {} }
            }
        }
    }
}

/// The legend under the strips.
pub fn legend() -> Markup {
    html! {
        ul class="uptime-legend" {
            li { i class="status-up" {} " No downtime" }
            li { i class="status-partial" {} " Under 1% down" }
            li { i class="status-down" {} " Down" }
            li { i class="status-nodata" {} " No data" }
        }
    }
}

/// How long a resolved incident lasted, in whole units: `30s`, `1m`, `3h 5m` (a negative
/// span reads `0s`).
pub fn resolved_span(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        _ => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

/// An incident's badge: its severity, or `Resolved · 1m` once resolved.
pub fn incident_badge(i: &Incident, resolved: bool) -> String {
    if resolved {
        format!("Resolved · {}", resolved_span(i.duration_seconds()))
    } else {
        i.severity.label().to_string()
    }
}

fn incident_row(i: &Incident, resolved: bool) -> Markup {
    html! {
        li class={ "incident sev-" (i.severity.label().to_lowercase()) } {
            span class="sev" { (incident_badge(i, resolved)) }
            p class="text" { (i.text) }
            p class="when" {
                "Posted " (time(i.created_at))
                @if resolved {
                    " · Resolved " (time(i.updated_at))
                } @else if i.updated_at != i.created_at {
                    " · Updated " (time(i.updated_at))
                }
            }
        }
    }
}

/// Active incidents and recent history.
pub fn incidents(notices: &Notices) -> Markup {
    html! {
        section id="incidents" {
            h2 { "Active Incidents" }
            @if notices.active.is_empty() {
                p class="empty" { "No incidents reported recently" }
            } @else {
                ul class="incidents" { @for i in &notices.active { (incident_row(i, false)) } }
            }
            h2 { "Recent History" }
            @if notices.history.is_empty() {
                p class="empty" { "No resolved incidents yet" }
            } @else {
                ul class="incidents" { @for i in &notices.history { (incident_row(i, true)) } }
            }
        }
    }
}

fn window_row(m: &Maintenance, now: DateTime<Utc>) -> Markup {
    let (badge, class) = if m.in_progress(now) {
        ("In progress", "badge maintenance")
    } else {
        ("Scheduled", "badge scheduled")
    };
    html! {
        li class="window" {
            span class=(class) { (badge) }
            strong { (m.title) }
            p class="when" { (time(m.start)) " – " (time(m.end)) }
            p class="affected" {
                "Affects: "
                @if m.services.is_empty() { "all services" } @else { (m.services.join(", ")) }
            }
            @if !m.description.is_empty() { p { (m.description) } }
        }
    }
}

/// Maintenance in progress and scheduled.
pub fn maintenance(notices: &Notices, now: DateTime<Utc>) -> Markup {
    html! {
        section id="maintenance" {
            h2 { "Scheduled Maintenance" }
            @if notices.maintenance.is_empty() {
                p class="empty" { "No maintenance scheduled" }
            } @else {
                ul class="windows" { @for m in &notices.maintenance { (window_row(m, now)) } }
            }
        }
    }
}

#[cfg(test)]
#[path = "parts_tests.rs"]
mod tests;
