//! maud views: pure functions from data to markup.

use crate::actors::status_cache::Snapshot;
use crate::domain::status::ServiceStatus;
use maud::{html, Markup, DOCTYPE};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\
.banner{padding:1rem;border-radius:.5rem;font-weight:600;background:#eef}\
.banner.operational{background:#e3f6e8}.banner.partial,.banner.major{background:#fde8e8}\
.banner.degraded,.banner.maintenance{background:#fff4dc}\
ul{list-style:none;padding:0}li{display:flex;justify-content:space-between;padding:.75rem 0;border-bottom:1px solid #ddd}\
.up{color:#137333}.down{color:#b3261e}.degraded,.maintenance{color:#8a5a00}.unknown{color:#555}";

/// The plain status page: banner and one row per service; refreshes itself every 60 s.
pub fn status_page(title: &str, snap: &Snapshot) -> Markup {
    let overall = serde_plain(&snap.overall_status);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="refresh" content="60";
                title { (title) }
                style { (STYLE) }
            }
            body {
                h1 { (title) }
                div class={ "banner " (overall) } role="status" aria-live="polite" {
                    (snap.status_label)
                    @if let Some(t) = snap.last_checked {
                        " · Last checked "
                        time datetime=(t.to_rfc3339()) { (t.format("%Y-%m-%d %H:%M:%S UTC")) }
                    }
                }
                ul {
                    @for s in &snap.services {
                        li data-service=(s.name) {
                            span class="name" { (s.name) }
                            span class={ "status " (serde_plain(&s.status)) } { (status_text(s.status, s.response_time_ms, s.detail.as_deref())) }
                        }
                    }
                }
            }
        }
    }
}

fn status_text(status: ServiceStatus, ms: Option<u64>, detail: Option<&str>) -> String {
    let ms = ms.map(|ms| format!(" · {ms} ms")).unwrap_or_default();
    match status {
        ServiceStatus::Up => format!("Operational{ms}"),
        ServiceStatus::Degraded => format!("Degraded{ms}"),
        ServiceStatus::Down => format!("Down · {}", detail.unwrap_or("Not responding correctly")),
        ServiceStatus::Maintenance => "Maintenance".to_string(),
        ServiceStatus::Unknown => "Unknown".to_string(),
    }
}

/// The lowercase serde name of an enum value (`operational`, `down`, ...).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
