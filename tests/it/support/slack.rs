//! Reading what the fake Slack received: alerts by kind, a field's text, a downtime in seconds.

use super::FakeServer;
use serde_json::Value;

/// The payloads posted to `/hook` whose `text` contains `kind` ("Service Down",
/// "Service Recovered"), oldest first.
pub fn alerts(slack: &FakeServer, kind: &str) -> Vec<Value> {
    slack
        .requests("/hook")
        .iter()
        .map(|r| r.json())
        .filter(|p| p["text"].as_str().unwrap_or("").contains(kind))
        .collect()
}

/// The text of the field labelled `label` in a Slack payload.
pub fn field(payload: &Value, label: &str) -> String {
    let prefix = format!("*{label}:*\n");
    payload["blocks"][1]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["text"].as_str())
        .find_map(|t| t.strip_prefix(&prefix).map(str::to_string))
        .unwrap_or_else(|| panic!("no {label} field in {payload}"))
}

/// `1h 2m`, `3m 4s` or `5s` in seconds.
pub fn seconds_of(downtime: &str) -> i64 {
    downtime
        .split_whitespace()
        .map(|part| {
            let (n, unit) = part.split_at(part.len() - 1);
            let n: i64 = n.parse().expect("number");
            match unit {
                "h" => n * 3600,
                "m" => n * 60,
                _ => n,
            }
        })
        .sum()
}
