//! maud views: pure functions from data to markup. Every text from configuration, targets or
//! operators goes through maud's escaping; the page has no inline script (CSP), its
//! behaviour lives in `/static/status.js`.

pub mod groups;
pub mod parts;
pub mod sections;

use crate::domain::status::{OverallStatus, ServiceStatus};
use crate::settings::StatusPageSettings;
use crate::snapshot::Snapshot;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use parts::time;

/// The lowercase serde name of an enum value (`operational`, `down`, ...).
pub fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The badge of a service: `Operational · 42 ms`, `Down · Request timed out`, ...
pub fn badge_text(status: ServiceStatus, ms: Option<u64>, detail: Option<&str>) -> String {
    let ms = ms.map(|ms| format!(" · {ms} ms")).unwrap_or_default();
    match status {
        ServiceStatus::Up => format!("Operational{ms}"),
        ServiceStatus::Degraded => format!("Degraded{ms}"),
        ServiceStatus::Down => format!("Down · {}", detail.unwrap_or("Not responding correctly")),
        ServiceStatus::Maintenance => "Maintenance".to_string(),
        ServiceStatus::Unknown => "Unknown".to_string(),
    }
}

/// The colour of the favicon dot and the banner for an overall status.
pub fn status_colour(status: OverallStatus) -> &'static str {
    match status {
        OverallStatus::Operational => "#1e8e3e",
        OverallStatus::Degraded | OverallStatus::Maintenance => "#b06000",
        OverallStatus::Partial | OverallStatus::Major => "#c5221f",
        OverallStatus::Unknown => "#5f6368",
    }
}

/// The favicon: a dot in the colour of `status`.
pub fn favicon(status: OverallStatus) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><circle cx=\"16\" cy=\"16\" r=\"14\" fill=\"{}\"/></svg>",
        status_colour(status)
    )
}

/// The page's publisher, or `null` (ignored by JSON-LD) for neutral branding: no home page, no logo.
fn publisher(page: &StatusPageSettings) -> serde_json::Value {
    if page.home_url.is_empty() && page.logo_url.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::json!({"@type": "Organization", "url": page.home_url, "logo": page.logo_url})
}

/// The status page address without a trailing slash.
pub fn base_url(page: &StatusPageSettings) -> &str {
    page.url.trim_end_matches('/')
}

/// The page's own address, ending with `/` as the sitemap lists it (canonical link, `og:url`).
pub fn page_url(page: &StatusPageSettings) -> String {
    format!("{}/", base_url(page))
}

/// JSON safe inside a `<script>` element: `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`
/// (JSON escapes, so the text decodes unchanged), so no `</script>` or `<!--` can form.
pub fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

fn json_ld(page: &StatusPageSettings) -> String {
    let doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": page.title,
        "description": page.description,
        "url": page_url(page),
        "publisher": publisher(page),
    });
    script_safe_json(&doc.to_string())
}

fn head(page: &StatusPageSettings, snap: &Snapshot) -> Markup {
    let overall = serde_plain(&snap.overall_status);
    let feed_title = format!("{} — Incident History", page.title);
    let url = page_url(page);
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta http-equiv="refresh" content="60";
            title { (snap.status_label) " · " (page.title) }
            meta name="description" content=(page.description);
            link rel="canonical" href=(url);
            meta property="og:type" content="website";
            meta property="og:title" content=(page.title);
            meta property="og:description" content=(page.description);
            meta property="og:url" content=(url);
            @if !page.logo_url.is_empty() { meta property="og:image" content=(page.logo_url); }
            meta name="twitter:card" content="summary";
            meta name="twitter:title" content=(page.title);
            meta name="twitter:description" content=(page.description);
            @if !page.logo_url.is_empty() { meta name="twitter:image" content=(page.logo_url); }
            link rel="icon" type="image/svg+xml" id="favicon" href={ "/favicon.svg?status=" (overall) };
            link rel="alternate" type="application/rss+xml" title=(feed_title) href="/history.rss";
            link rel="alternate" type="application/atom+xml" title=(feed_title) href="/history.atom";
            link rel="stylesheet" href="/static/status.css";
            script src="/static/status.js" defer {}
            script type="application/ld+json" { (PreEscaped(json_ld(page))) }
        }
    }
}

fn quote(page: &StatusPageSettings, snap: &Snapshot) -> Markup {
    let overall = serde_plain(&snap.overall_status);
    let matching: Vec<_> = page
        .quotes
        .iter()
        .filter(|q| q.when == "any" || q.when == overall)
        .collect();
    let day = snap.built_at.timestamp() / 86_400;
    let chosen =
        (!matching.is_empty()).then(|| matching[day.unsigned_abs() as usize % matching.len()]);
    html! {
        @if let Some(q) = chosen {
            blockquote class="quote" {
                p { (q.text) }
                @if !q.source.is_empty() { footer { "— " (q.source) } }
            }
        }
    }
}

/// Services named under the title at most; a bigger site is counted instead.
pub const NAMED_IN_SUBTITLE: usize = 10;

/// What the subtitle says of the services: their names, or `10000 services, 100 groups`.
fn services_blurb(snap: &Snapshot, layout: &groups::Layout<'_>) -> String {
    let n = snap.services.len();
    if n <= NAMED_IN_SUBTITLE {
        let names: Vec<&str> = snap.services.iter().map(|s| s.name.as_str()).collect();
        return names.join(", ");
    }
    match layout.troubled.len() + layout.healthy.len() {
        0 => format!("{n} services"),
        1 => format!("{n} services, 1 group"),
        g => format!("{n} services, {g} groups"),
    }
}

/// The public status page.
pub fn status_page(page: &StatusPageSettings, snap: &Snapshot) -> Markup {
    let overall = serde_plain(&snap.overall_status);
    let layout = groups::layout(&snap.services);
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(page, snap))
            body {
                header class="top" {
                    @if page.logo_url.is_empty() {} @else if page.home_url.is_empty() {
                        img class="logo" src=(page.logo_url) alt=(page.title) height="32";
                    } @else {
                        a href=(page.home_url) class="logo" { img src=(page.logo_url) alt=(page.title) height="32"; }
                    }
                    div {
                        h1 { (page.title) }
                        p class="subtitle" { (page.description) " · " (services_blurb(snap, &layout)) }
                    }
                }
                main {
                    div id="banner" class={ "banner " (overall) } role="status" aria-live="polite" {
                        span class="label" { (snap.status_label) }
                        span class="checked" {
                            @if let Some(t) = snap.last_checked { "Last checked " (time(t)) } @else { "Waiting for the first checks" }
                        }
                    }
                    (quote(page, snap))
                    (sections::services(snap, &layout))
                    (sections::uptime(snap, &layout))
                    (parts::incidents(&snap.notices))
                    (parts::maintenance(&snap.notices, snap.built_at))
                }
                footer class="bottom" {
                    nav { @for link in &page.links { a href=(link.url) { (link.label) } } }
                    p { "Times in UTC · " a href="/api/status" { "JSON" } " · " a href="/history.rss" { "RSS" } " · " a href="/history.atom" { "Atom" } " · Powered by Watchpost" }
                }
            }
        }
    }
}
