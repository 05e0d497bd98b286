//! Uptime from outage records: percentages over a window and the 90 daily bars of the status
//! page. Pure: the time a service was monitored comes from its "monitored since" (kept by
//! retention cleanup), the downtime from its outages (open ones run until now).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// One outage: `end` is `None` while it is in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First failure.
    pub start: DateTime<Utc>,
    /// Recovery, if any.
    pub end: Option<DateTime<Utc>>,
}

/// Days shown on the status page.
pub const DAYS: usize = 90;
/// A day at or above this uptime (but below 100 %) is `partial`, below it `down`.
pub const PARTIAL_AT: f64 = 99.0;

/// How a day looked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayStatus {
    /// No downtime.
    Up,
    /// Some downtime, uptime at least [`PARTIAL_AT`] %.
    Partial,
    /// Uptime below [`PARTIAL_AT`] %.
    Down,
    /// Not monitored that day.
    NoData,
}

impl DayStatus {
    /// The CSS class of the bar (`status-up`, ...).
    pub fn class(self) -> &'static str {
        match self {
            DayStatus::Up => "status-up",
            DayStatus::Partial => "status-partial",
            DayStatus::Down => "status-down",
            DayStatus::NoData => "status-nodata",
        }
    }
}

/// One day's bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayBar {
    /// The UTC day.
    pub date: NaiveDate,
    /// Its colour.
    pub status: DayStatus,
    /// Uptime that day, percent; `None` without data.
    pub uptime: Option<f64>,
}

/// Seconds of `outages` inside `[from, to)`, an open outage lasting until `now`.
pub fn downtime(
    outages: &[Span],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> i64 {
    downtime_ms(outages, from, to, now) / 1000
}

fn downtime_ms(
    outages: &[Span],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> i64 {
    outages
        .iter()
        .map(|o| {
            let start = o.start.max(from);
            let end = o.end.unwrap_or(now).min(to);
            (end - start).num_milliseconds().max(0)
        })
        .sum()
}

/// Uptime in percent over `[from, now)`, counting only time since `monitored_since`; `None`
/// when the service was not monitored in that window. Overlapping outages count once.
pub fn uptime(
    outages: &[Span],
    monitored_since: Option<DateTime<Utc>>,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<f64> {
    percent(&merge(outages), monitored_since?.max(from), now, now)
}

/// Uptime over `[from, to)` of `merged` outages (sorted, not overlapping: see [`merge`]).
fn percent(
    merged: &[Span],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<f64> {
    let covered = (to - from).num_milliseconds();
    if covered <= 0 {
        return None;
    }
    let down = downtime_ms(merged, from, to, now).min(covered);
    Some(100.0 * (covered - down) as f64 / covered as f64)
}

/// Outages sorted and merged where they overlap, so no second is counted twice.
fn merge(outages: &[Span]) -> Vec<Span> {
    let mut sorted = outages.to_vec();
    sorted.sort_by_key(|o| o.start);
    let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
    for o in sorted {
        match merged.last_mut() {
            Some(last) if last.end.is_none_or(|end| o.start <= end) => {
                last.end = match (last.end, o.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => merged.push(o),
        }
    }
    merged
}

/// The last [`DAYS`] UTC days, oldest first, today last (up to `now`).
pub fn daily_bars(
    outages: &[Span],
    monitored_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<DayBar> {
    let today = now.date_naive();
    let merged = merge(outages);
    (0..DAYS as i64)
        .rev()
        .map(|back| {
            let date = today - Duration::days(back);
            let day_start = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            let from = monitored_since.map(|m| m.max(day_start));
            let to = (day_start + Duration::days(1)).min(now);
            let uptime = from.and_then(|from| percent(&merged, from, to, now));
            let status = match uptime {
                None => DayStatus::NoData,
                Some(u) if u >= 100.0 => DayStatus::Up,
                Some(u) if u >= PARTIAL_AT => DayStatus::Partial,
                Some(_) => DayStatus::Down,
            };
            DayBar {
                date,
                status,
                uptime,
            }
        })
        .collect()
}

/// The mean of the services' uptimes that have one.
pub fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let known: Vec<f64> = values.into_iter().flatten().collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

/// `99.95%`, `100%`, or `No data yet`.
pub fn format_percent(uptime: Option<f64>) -> String {
    match uptime {
        None => "No data yet".to_string(),
        Some(u) if u >= 100.0 => "100%".to_string(),
        // Never round a bad day up to 100 %.
        Some(u) => format!("{:.2}%", (u * 100.0).floor() / 100.0),
    }
}

#[cfg(test)]
#[path = "uptime_tests.rs"]
mod tests;
