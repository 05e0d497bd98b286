//! The admin dashboard's forms (new incident, new maintenance window): a refused submission
//! shows again with its values and each field's message next to the field.

use super::dashboard::{Dashboard, FormKind};
use maud::{html, Markup};

/// The submitted value of `field` when `d` re-renders a refused `form`.
fn value<'a>(d: &'a Dashboard<'_>, form: FormKind, field: &str) -> &'a str {
    d.problem
        .filter(|p| p.form == form)
        .and_then(|p| p.values.iter().find(|(k, _)| k == field))
        .map_or("", |(_, v)| v.as_str())
}

/// The id of `field`'s error message when it has one.
fn described(d: &Dashboard<'_>, form: FormKind, field: &str) -> Option<String> {
    let problem = d.problem.filter(|p| p.form == form)?;
    problem
        .errors
        .iter()
        .any(|e| e.field == field)
        .then(|| format!("{field}-error"))
}

fn errors(d: &Dashboard<'_>, form: FormKind, field: &str) -> Markup {
    let problems = d.problem.filter(|p| p.form == form);
    html! { @for e in problems.iter().flat_map(|p| &p.errors).filter(|e| e.field == field) {
        p class="field-error" id={ (field) "-error" } { (e.message) }
    } }
}

/// The form that posts an incident.
pub fn incident_form(d: &Dashboard<'_>) -> Markup {
    let k = FormKind::Incident;
    let severity = value(d, k, "severity");
    html! {
        form class="card" method="post" action="/admin/incidents" {
            h3 { "Post an incident" }
            input type="hidden" name="csrf" value=(d.csrf);
            label for="severity" { "Severity" }
            select id="severity" name="severity" {
                option value="high" selected[severity == "high"] { "High (major outage)" }
                option value="medium" selected[severity != "high"] { "Medium (degraded)" }
            }
            (errors(d, k, "severity"))
            label for="text" { "Text" }
            textarea id="text" name="text" rows="4" maxlength="10000" required
                aria-describedby=[described(d, k, "text")] { (value(d, k, "text")) }
            (errors(d, k, "text"))
            button type="submit" { "Post incident" }
        }
    }
}

/// The form that schedules a maintenance window; its scope from checkboxes of the
/// configured services.
pub fn maintenance_form(d: &Dashboard<'_>) -> Markup {
    let k = FormKind::Maintenance;
    let chosen = |name: &str| {
        d.problem
            .filter(|p| p.form == k)
            .is_some_and(|p| p.values.iter().any(|(f, v)| f == "services" && v == name))
    };
    let text = |id: &'static str, label: &'static str, hint: &'static str| {
        html! {
            label for=(id) { (label) }
            input id=(id) type="text" name=(id) value=(value(d, k, id)) placeholder=(hint)
                aria-describedby=[described(d, k, id)];
            (errors(d, k, id))
        }
    };
    html! {
        form class="card" method="post" action="/admin/maintenance" {
            h3 { "Schedule maintenance" }
            input type="hidden" name="csrf" value=(d.csrf);
            (text("title", "Title", "Database upgrade"))
            label for="description" { "Description" }
            textarea id="description" name="description" rows="2" { (value(d, k, "description")) }
            (text("start", "Start (UTC)", "2026-12-01T02:00Z"))
            (text("end", "End (UTC)", "2026-12-01T04:00Z"))
            fieldset { legend { "Services (none checked: all)" }
                @for name in d.services {
                    label class="check" {
                        input type="checkbox" name="services" value=(name) checked[chosen(name)];
                        " " (name)
                    }
                }
                (errors(d, k, "services"))
            }
            button type="submit" { "Schedule" }
        }
    }
}
