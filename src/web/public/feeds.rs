//! The incident history as RSS 2.0 (`/history.rss`) and Atom 1.0 (`/history.atom`): pure
//! builders over the snapshot's notices, and two thin handlers. maud escapes `&<>"` in text
//! and attributes, which is what XML needs; characters XML 1.0 forbids are dropped first.

use super::pages::serve;
use super::views::base_url;
use crate::domain::notices::{Incident, Notices};
use crate::settings::StatusPageSettings;
use crate::snapshot::Rendered;
use crate::web::{Status, WebError};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use maud::{html, Markup, PreEscaped};
use std::borrow::Cow;

/// Characters of an incident's text its feed item title keeps.
pub const TITLE_CHARS: usize = 80;
const CACHE: &str = "public, max-age=60";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// `text` without the characters XML 1.0 cannot carry (most control characters, U+FFFE/F).
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (!c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

/// `{title} — Incident History`
pub fn feed_title(page: &StatusPageSettings) -> String {
    format!("{} — Incident History", xml_safe(&page.title))
}

/// `[High] first 80 characters of the text`, whitespace runs folded to one space.
pub fn item_title(incident: &Incident) -> String {
    let folded = incident
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text: String = folded.chars().take(TITLE_CHARS).collect();
    format!("[{}] {}", incident.severity.label(), xml_safe(&text))
}

/// The stable id of an incident: `{url}/incidents/{id}`.
pub fn incident_id(page: &StatusPageSettings, incident: &Incident) -> String {
    format!("{}/incidents/{}", base_url(page), incident.id)
}

/// Active and recent incidents, newest first (by posting time, then id).
pub fn items(notices: &Notices) -> Vec<&Incident> {
    let mut all: Vec<&Incident> = notices.active.iter().chain(&notices.history).collect();
    all.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
    all
}

/// When the feed last changed: the newest incident update, else `fallback`.
pub fn updated(notices: &Notices, fallback: DateTime<Utc>) -> DateTime<Utc> {
    items(notices)
        .iter()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or(fallback)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn rss_item(page: &StatusPageSettings, incident: &Incident) -> Markup {
    html! {
        item {
            title { (item_title(incident)) }
            link { (base_url(page)) }
            description { (xml_safe(&incident.text)) }
            guid isPermaLink="false" { (incident_id(page, incident)) }
            pubDate { (incident.created_at.to_rfc2822()) }
            category { (incident.severity.label()) }
        }
    }
}

/// The RSS 2.0 document.
pub fn rss(page: &StatusPageSettings, notices: &Notices, now: DateTime<Utc>) -> String {
    let base = base_url(page);
    let doc = html! {
        (PreEscaped(DECLARATION))
        rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" {
            channel {
                title { (feed_title(page)) }
                link { (base) }
                description { (xml_safe(&page.description)) }
                language { "en" }
                lastBuildDate { (updated(notices, now).to_rfc2822()) }
                atom:link href=(format!("{base}/history.rss")) rel="self"
                    type="application/rss+xml" {}
                @for incident in items(notices) { (rss_item(page, incident)) }
            }
        }
    };
    doc.into_string()
}

fn atom_entry(page: &StatusPageSettings, incident: &Incident) -> Markup {
    html! {
        entry {
            title { (item_title(incident)) }
            id { (incident_id(page, incident)) }
            link href=(base_url(page)) rel="alternate" {}
            published { (rfc3339(incident.created_at)) }
            updated { (rfc3339(incident.updated_at)) }
            category term=(incident.severity.label()) {}
            content type="text" { (xml_safe(&incident.text)) }
        }
    }
}

/// The Atom 1.0 document.
pub fn atom(page: &StatusPageSettings, notices: &Notices, now: DateTime<Utc>) -> String {
    let base = base_url(page);
    let doc = html! {
        (PreEscaped(DECLARATION))
        feed xmlns="http://www.w3.org/2005/Atom" {
            title { (feed_title(page)) }
            id { (base) "/history.atom" }
            link href=(base) rel="alternate" {}
            link href=(format!("{base}/history.atom")) rel="self" {}
            updated { (rfc3339(updated(notices, now))) }
            author { name { (xml_safe(&page.title)) } }
            @for incident in items(notices) { (atom_entry(page, incident)) }
        }
    };
    doc.into_string()
}

/// `GET /history.rss`
pub async fn history_rss(
    req: HttpRequest,
    status: web::Data<Status>,
    page: web::Data<StatusPageSettings>,
) -> Result<HttpResponse, WebError> {
    let snap = status.read().await;
    let body = rss(&page, &snap.notices, snap.built_at);
    let rendered = Rendered::new(body.into_bytes());
    Ok(serve(
        &req,
        &rendered,
        "application/rss+xml; charset=utf-8",
        CACHE,
    ))
}

/// `GET /history.atom`
pub async fn history_atom(
    req: HttpRequest,
    status: web::Data<Status>,
    page: web::Data<StatusPageSettings>,
) -> Result<HttpResponse, WebError> {
    let snap = status.read().await;
    let body = atom(&page, &snap.notices, snap.built_at);
    let rendered = Rendered::new(body.into_bytes());
    Ok(serve(
        &req,
        &rendered,
        "application/atom+xml; charset=utf-8",
        CACHE,
    ))
}

#[cfg(test)]
#[path = "feeds_tests.rs"]
mod tests;
