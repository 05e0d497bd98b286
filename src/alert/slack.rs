//! Slack Block Kit payloads for down and recovery alerts (DESIGN.md §3.3).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Slack's limit on a header's text.
const HEADER_MAX: usize = 150;
/// Slack's limit on a field's text.
const FIELD_MAX: usize = 2000;
/// How much of an error the alert quotes.
const ERROR_MAX: usize = 100;

/// `2026-11-24 03:15:00 UTC`
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Downtime as the original wrote it: `{s}s` under a minute, `{m}m {s}s` under an hour,
/// `{h}h {m}m` beyond.
pub fn format_downtime(seconds: i64) -> String {
    let s = seconds.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {}s", s / 60, s % 60)
    } else {
        format!("{}h {}m", s / 3600, (s % 3600) / 60)
    }
}

/// The down alert: the outage started at `since`.
pub fn down_payload(
    service: &str,
    since: DateTime<Utc>,
    status_code: Option<u16>,
    error: Option<&str>,
    status_page_url: &str,
) -> Value {
    let title = format!("🔴 Service Down: {service}");
    let code = status_code.map_or_else(|| "N/A".to_string(), |c| c.to_string());
    let error = error
        .filter(|e| !e.is_empty())
        .map_or_else(|| "N/A".to_string(), |e| truncate(e, ERROR_MAX));
    // The error is the target's text: cut first (the limit counts its characters), then
    // escaped below with every other value.
    payload(
        &title,
        [
            ("Status", "DOWN".to_string()),
            ("Since", format_time(since)),
            ("HTTP Code", code),
            ("Error", error),
        ],
        status_page_url,
    )
}

/// The recovery alert for the outage `start`..`end`.
pub fn recovered_payload(
    service: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    response_time_ms: Option<u64>,
    status_page_url: &str,
) -> Value {
    let title = format!("🟢 Service Recovered: {service}");
    let rt = response_time_ms.map_or_else(|| "N/A".to_string(), |ms| format!("{ms}ms"));
    payload(
        &title,
        [
            ("Status", "UP".to_string()),
            ("Recovered", format_time(end)),
            ("Downtime", format_downtime((end - start).num_seconds())),
            ("Response Time", rt),
        ],
        status_page_url,
    )
}

/// Every interpolated value reaches Slack as escaped mrkdwn (`&`, `<`, `>`), so no text — a
/// target's error above all — can ping `@channel` or carry a disguised link; the header is
/// `plain_text`, shown as it is.
fn payload(title: &str, fields: [(&str, String); 4], status_page_url: &str) -> Value {
    let fields: Vec<Value> = fields
        .iter()
        .map(|(label, value)| {
            let text = format!("*{label}:*\n{}", escape_mrkdwn(value));
            json!({"type": "mrkdwn", "text": truncate(&text, FIELD_MAX)})
        })
        .collect();
    json!({
        "text": escape_mrkdwn(title),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": truncate(title, HEADER_MAX), "emoji": true}},
            {"type": "section", "fields": fields},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("<{}|View Status Page>", escape_mrkdwn(status_page_url))}
            ]}
        ]
    })
}

/// `text` with Slack's three control characters escaped: `&` `&amp;`, `<` `&lt;`, `>` `&gt;`.
pub fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters (not bytes), with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
#[path = "slack_tests.rs"]
mod tests;
