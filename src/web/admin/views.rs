//! The admin page's maud views: sign-in, the dashboard with its forms, and short message
//! pages. Pure functions of their data; every text goes through maud's escaping, no inline
//! script or style (CSP), styles from `/static/admin.css`.

pub use super::dashboard::{Dashboard, FormKind, Overview, Problem};
use super::forms;
use crate::alert::slack::format_downtime;
use crate::domain::notices::Maintenance;
use crate::domain::status::ServiceStatus;
use crate::snapshot::Snapshot;
use crate::store::changes::audit::AuditEntry;
use crate::store::changes::FieldError;
use crate::web::public::views::parts::time;
use crate::web::public::views::serde_plain;
use maud::{html, Markup, DOCTYPE};

fn layout(title: &str, header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                title { (title) " · Watchpost admin" }
                link rel="stylesheet" href="/static/admin.css";
            }
            body { header class="top" { h1 { "Watchpost admin" } (header) } main { (body) } }
        }
    }
}

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// A one-button form posting to `action`.
fn button(action: &str, label: &str, csrf: &str) -> Markup {
    html! {
        form class="inline" method="post" action=(action) {
            (csrf_field(csrf)) button type="submit" { (label) }
        }
    }
}

/// The sign-in page; `message` says why the last attempt failed.
pub fn login(message: Option<&str>, closed: bool) -> Markup {
    let body = html! {
        h2 { "Sign in" }
        @if closed { p class="error" { "No admin token is configured: sign-in is disabled." } }
        @if let Some(m) = message { p class="error" role="alert" { (m) } }
        form class="card" method="post" action="/admin/login" {
            label for="token" { "Token" }
            input id="token" type="password" name="token" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
    };
    layout("Sign in", html! {}, body)
}

/// A short page saying what went wrong, with a way back.
pub fn message(title: &str, text: &str) -> Markup {
    let body =
        html! { h2 { (title) } p { (text) } p { a href="/admin" { "Back to the dashboard" } } };
    layout(title, html! {}, body)
}

/// The dashboard.
pub fn dashboard(d: &Dashboard<'_>) -> Markup {
    let header = html! {
        div class="who" {
            "Signed in as " strong { (d.who) } " " (button("/admin/logout", "Sign out", d.csrf))
        }
    };
    let general: Vec<&FieldError> = d
        .problem
        .filter(|p| p.form == FormKind::Action)
        .map(|p| p.errors.iter().collect())
        .unwrap_or_default();
    let body = html! {
        @if let Some(f) = &d.flash { p class="flash" role="status" { (f) } }
        @for e in general { p class="error" role="alert" { (e.message) } }
        @if d.problem.is_some_and(|p| p.form != FormKind::Action) {
            p class="error" role="alert" {
                "Nothing was saved: see the messages next to the fields below."
            }
        }
        (status(d.snapshot))
        (outages(d))
        (incidents(d))
        (maintenance(d))
        (audit(&d.overview.audit))
    };
    layout("Dashboard", header, body)
}

/// True when the latest response time means something (the service answered).
fn answered(status: ServiceStatus) -> bool {
    matches!(
        status,
        ServiceStatus::Up | ServiceStatus::Degraded | ServiceStatus::Maintenance
    )
}

fn status(s: &Snapshot) -> Markup {
    html! {
        section id="status" {
            h2 { "Status" }
            p class={ "banner " (serde_plain(&s.overall_status)) } { (s.status_label) }
            table {
                thead { tr {
                    th { "Service" } th { "Status" } th { "Response time" }
                    th { "Down since" } th { "Last checked" }
                } }
                tbody { @for v in &s.services {
                    tr data-service=(v.name) {
                        td { (v.name) }
                        td class={ "st " (serde_plain(&v.status)) } { (serde_plain(&v.status)) }
                        td {
                            @if let (Some(ms), true) = (v.response_time_ms, answered(v.status)) {
                                (ms) " ms"
                            } @else { "–" }
                        }
                        td { @if let Some(t) = v.since { (time(t)) } @else { "–" } }
                        td { @if let Some(t) = v.last_checked { (time(t)) } @else { "–" } }
                    }
                } }
            }
        }
    }
}

fn outages(d: &Dashboard<'_>) -> Markup {
    html! {
        section id="outages" {
            h2 { "Open outages" }
            @if d.overview.outages.is_empty() { p class="empty" { "No open outage" } }
            @for o in &d.overview.outages {
                div class="item outage" {
                    strong { (o.service) } " down since " (time(o.start))
                    " (" (format_downtime(o.duration_seconds)) ")"
                    (button(&format!("/admin/outages/{}/resolve", o.id), "Resolve", d.csrf))
                }
            }
        }
    }
}

/// The form that changes an incident in progress: its severity and its text.
fn edit_incident(i: &crate::domain::notices::Incident, csrf: &str) -> Markup {
    html! {
        form class="edit" method="post" action={ "/admin/incidents/" (i.id) "/update" } {
            (csrf_field(csrf))
            label { "Severity "
                select name="severity" {
                    @for sev in ["high", "medium"] {
                        option value=(sev) selected[i.severity.as_str() == sev] { (sev) }
                    }
                }
            }
            label { "Text " textarea name="text" rows="2" { (i.text) } }
            button type="submit" { "Update" }
        }
    }
}

fn incidents(d: &Dashboard<'_>) -> Markup {
    html! {
        section id="incidents" {
            h2 { "Active incidents" }
            @if d.overview.notices.active.is_empty() { p class="empty" { "No active incident" } }
            @for i in &d.overview.notices.active {
                div class={ "item incident sev-" (i.severity.as_str()) } {
                    span class="sev" { (i.severity.label()) } " · posted " (time(i.created_at))
                    p class="text" { (i.text) }
                    (edit_incident(i, d.csrf))
                    (button(&format!("/admin/incidents/{}/resolve", i.id), "Resolve", d.csrf))
                    (button(&format!("/admin/incidents/{}/delete", i.id), "Delete", d.csrf))
                }
            }
            (forms::incident_form(d))
        }
    }
}

fn maintenance(d: &Dashboard<'_>) -> Markup {
    html! {
        section id="maintenance" {
            h2 { "Maintenance" }
            @if d.overview.notices.maintenance.is_empty() {
                p class="empty" { "No maintenance in progress or scheduled" }
            }
            @for m in &d.overview.notices.maintenance { (window(m, d)) }
            (forms::maintenance_form(d))
        }
    }
}

fn window(m: &Maintenance, d: &Dashboard<'_>) -> Markup {
    let (class, badge) = if m.in_progress(d.now) {
        ("badge maintenance", "In progress")
    } else {
        ("badge scheduled", "Scheduled")
    };
    let scope = if m.services.is_empty() {
        "all services".to_string()
    } else {
        m.services.join(", ")
    };
    html! {
        div class="item window" {
            span class=(class) { (badge) } strong { (m.title) }
            " · " (time(m.start)) " – " (time(m.end)) " · " (scope)
            @if !m.description.is_empty() { p class="text" { (m.description) } }
            (button(&format!("/admin/maintenance/{}/cancel", m.id), "Cancel", d.csrf))
            (button(&format!("/admin/maintenance/{}/delete", m.id), "Delete", d.csrf))
        }
    }
}

fn audit(entries: &[AuditEntry]) -> Markup {
    html! {
        section id="audit" {
            h2 { "Recent changes" }
            @if entries.is_empty() { p class="empty" { "Nothing recorded yet" } }
            @else { table {
                thead { tr { th { "When" } th { "Who" } th { "What" } th { "Subject" } } }
                tbody { @for e in entries {
                    tr {
                        td { (time(e.at.and_utc())) } td { (e.actor) } td { (e.action) }
                        td { (e.subject) }
                    }
                } }
            } }
        }
    }
}
