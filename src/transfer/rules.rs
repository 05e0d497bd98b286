//! The admin API's rules applied to an import, pure: incidents' severity and text, maintenance
//! windows' title, description and configured services, plausible check figures, and stored
//! error text cut to what the monitor stores. Every problem names its table, row and field.
//!
//! History of services no longer configured (checks, outages, states) is kept: an export of
//! a database that holds it (as `--from-django` brings it) must import back.

use super::Document;
use crate::domain::text::cap_target_text;
use crate::store::changes::incidents::{check_severity, check_text, MAX_TEXT};
use crate::store::changes::window_rules::{check_services, check_title};
use crate::store::changes::FieldError;

/// Characters of a service name (and of an outage's `resolved_by`): the original's column
/// width, ample for a configured name.
pub const MAX_NAME: usize = 100;
/// Problems listed before the rest are only counted.
const SHOWN: usize = 10;

/// Checks `doc` against the rules, cutting long error texts; every problem as
/// `table T, row N: field F: why` (rows from 1), in table order.
pub fn apply(doc: &mut Document, known: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut at = |table: &str, row: usize, errors: Vec<FieldError>| {
        for e in errors {
            problems.push(format!(
                "table {table}, row {}: field {}: {}",
                row + 1,
                e.field,
                e.message
            ));
        }
    };
    for (i, c) in doc.checks.iter_mut().enumerate() {
        let mut errors = check_row(c);
        check_name(&mut errors, "service_name", Some(&c.service_name));
        at("health_checks", i, errors);
    }
    for (i, o) in doc.outages.iter().enumerate() {
        let mut errors = Vec::new();
        check_name(&mut errors, "service_name", Some(&o.service_name));
        check_name(&mut errors, "resolved_by", o.resolved_by.as_deref());
        at("outages", i, errors);
    }
    for (i, s) in doc.states.iter().enumerate() {
        let mut errors = Vec::new();
        check_name(&mut errors, "service_name", Some(&s.service_name));
        at("service_states", i, errors);
    }
    for (i, r) in doc.incidents.iter().enumerate() {
        let mut errors = Vec::new();
        check_severity(&mut errors, &r.severity);
        check_text(&mut errors, &r.text);
        at("incidents", i, errors);
    }
    for (i, w) in doc.windows.iter().enumerate() {
        let mut errors = Vec::new();
        check_title(&mut errors, &w.title);
        if w.description.chars().count() > MAX_TEXT {
            let why = format!("is longer than {MAX_TEXT} characters");
            errors.push(FieldError::new("description", why));
        }
        check_services(&mut errors, &w.affected_services, known);
        for e in &mut errors {
            if e.field == "services" {
                e.field = "affected_services".into();
            }
        }
        at("maintenance_windows", i, errors);
    }
    problems
}

/// The problems as one message: the first ten, then how many more.
pub fn describe(problems: &[String]) -> String {
    let mut text = problems
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        text.push_str(&format!(" (and {} more)", problems.len() - SHOWN));
    }
    text
}

fn check_row(c: &mut super::rows::CheckRow) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(code) = c.status_code.filter(|c| !(100..=599).contains(c)) {
        let why = format!("{code} is not an HTTP status (100-599)");
        errors.push(FieldError::new("status_code", why));
    }
    if let Some(ms) = c.response_time_ms.filter(|ms| *ms < 0) {
        errors.push(FieldError::new(
            "response_time_ms",
            format!("{ms} is negative"),
        ));
    }
    if let Some(text) = &mut c.error_message {
        // Cut as the monitor cuts what it stores.
        *text = cap_target_text(std::mem::take(text));
    }
    errors
}

/// A name (service, operator) of at most [`MAX_NAME`] characters.
fn check_name(errors: &mut Vec<FieldError>, field: &str, name: Option<&str>) {
    if name.is_some_and(|n| n.chars().count() > MAX_NAME) {
        let why = format!("is longer than {MAX_NAME} characters");
        errors.push(FieldError::new(field, why));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_problems_are_counted_past_ten() {
        let problems: Vec<String> = (0..12).map(|i| format!("p{i}")).collect();
        assert!(describe(&problems).ends_with("p9 (and 2 more)"));
    }
}
