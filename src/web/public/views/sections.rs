//! The Services and Uptime sections of the status page, in the order of [`super::groups::layout`]:
//! groups with a problem open (a row per service), services in no group, healthy groups
//! folded into one summary row without per-service rows, sparklines or day bars.

use super::groups::{Group, Layout, NAMES_WHEN_FOLDED};
use super::{badge_text, parts, serde_plain};
use crate::domain::uptime::format_percent;
use crate::snapshot::{ServiceDetail, ServiceView, Snapshot};
use maud::{html, Markup};

/// A service with its sparkline (its 90-day strip is in the Uptime section).
fn service_row(view: &ServiceView, detail: &ServiceDetail) -> Markup {
    let status = serde_plain(&view.status);
    html! {
        li class="service" data-service=(view.name) data-status=(status) {
            span class={ "dot " (status) } aria-hidden="true" {}
            span class="name" { (view.name) }
            (parts::sparkline(&detail.samples))
            span class={ "badge " (status) } {
                (badge_text(view.status, view.response_time_ms, view.detail.as_deref()))
            }
        }
    }
}

/// A service past the detailed ones: its 90-day uptime in place of the sparkline, no strip.
fn compact_row(view: &ServiceView) -> Markup {
    let status = serde_plain(&view.status);
    html! {
        li class="service compact" data-service=(view.name) data-status=(status) {
            span class={ "dot " (status) } aria-hidden="true" {}
            span class="name" { (view.name) }
            span class="pct" title="Uptime, last 90 days" { (format_percent(view.uptime_90d)) }
            span class={ "badge " (status) } {
                (badge_text(view.status, view.response_time_ms, view.detail.as_deref()))
            }
        }
    }
}

fn row(snap: &Snapshot, layout: &Layout<'_>, i: usize) -> Markup {
    match (snap.services.get(i), snap.details.get(i)) {
        (Some(view), Some(detail)) if layout.detailed.get(i) == Some(&true) => {
            service_row(view, detail)
        }
        (Some(view), _) => compact_row(view),
        _ => html! {},
    }
}

/// The name, dot, count and mean uptime of a group.
fn group_line(group: &Group<'_>) -> Markup {
    let status = serde_plain(&group.worst);
    html! {
        span class={ "dot " (status) } aria-hidden="true" {}
        span class="name" { (group.name) }
        span class="group-summary" { (group.summary) }
        span class="pct" title="Mean uptime, last 90 days" { (format_percent(group.uptime_90d)) }
    }
}

/// A group with a problem: its line, then every service.
fn open_group(snap: &Snapshot, layout: &Layout<'_>, group: &Group<'_>) -> Markup {
    html! {
        div class="group open" data-group=(group.name) data-status=(serde_plain(&group.worst)) {
            h3 class="group-head" { (group_line(group)) }
            ul class="services" { @for &i in &group.members { (row(snap, layout, i)) } }
        }
    }
}

/// The `/api/status` address listing one group's services.
fn group_json(name: &str) -> String {
    let query: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/api/status?group={query}")
}

/// A group whose services are all up: one row; a small one opens to its services' names.
fn folded_group(snap: &Snapshot, group: &Group<'_>) -> Markup {
    let name = |i: usize| snap.services.get(i).map_or("", |s| s.name.as_str());
    html! {
        li class="group folded" data-group=(group.name) data-status="up" {
            @if group.members.len() <= NAMES_WHEN_FOLDED {
                details {
                    summary class="group-head" { (group_line(group)) }
                    ul class="members" { @for &i in &group.members { li { (name(i)) } } }
                }
            } @else {
                div class="group-head" {
                    (group_line(group))
                    a class="group-json" href=(group_json(group.name)) { "List (JSON)" }
                }
            }
        }
    }
}

/// The Services section.
pub fn services(snap: &Snapshot, layout: &Layout<'_>) -> Markup {
    html! {
        section id="services" {
            h2 { "Services" }
            @for group in &layout.troubled { (open_group(snap, layout, group)) }
            @if !layout.ungrouped.is_empty() {
                @if layout.grouped() { h3 class="group-head other" { "Other services" } }
                ul class="services" { @for &i in &layout.ungrouped { (row(snap, layout, i)) } }
            }
            @if !layout.healthy.is_empty() {
                ul class="groups" { @for group in &layout.healthy { (folded_group(snap, group)) } }
            }
        }
    }
}

/// The Uptime section: a strip per detailed service, a line per folded group.
pub fn uptime(snap: &Snapshot, layout: &Layout<'_>) -> Markup {
    let strips = layout
        .listed()
        .filter(|&i| layout.detailed.get(i) == Some(&true))
        .filter_map(|i| Some((snap.services.get(i)?, snap.details.get(i)?)));
    html! {
        section id="uptime" {
            h2 { "Uptime, last 90 days" }
            p class="overall-uptime" { "Overall: " (format_percent(snap.uptime_90d)) }
            @for (view, detail) in strips { (parts::uptime_strip(view, detail)) }
            @for group in &layout.healthy {
                div class="uptime-row group" data-group=(group.name) {
                    div class="uptime-head" {
                        span class="name" { (group.name) " · " (group.summary) }
                        span class="pct" { (format_percent(group.uptime_90d)) }
                    }
                }
            }
            (parts::legend())
        }
    }
}
