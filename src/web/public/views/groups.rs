//! The order of the status page once services have groups (pure: indices into the snapshot's
//! services). Groups with a problem come first and are shown service by service; then the
//! services in no group; then the groups whose services are all up, each folded into one
//! summary row, so that thousands of healthy services cost a hundred rows. Only the first
//! [`DETAILED_ROWS`] services listed get a sparkline and a 90-day strip; the others a compact
//! row, so that a site where everything is unknown (just started) or down stays a page.

use crate::domain::status::ServiceStatus;
use crate::domain::uptime;
use crate::snapshot::ServiceView;

/// Services listed with a sparkline and a 90-day strip, at most (in page order).
pub const DETAILED_ROWS: usize = 100;
/// A folded group of at most this many services can be opened (`<details>`, no script) to
/// list their names; a bigger one shows its summary and a link to its JSON.
pub const NAMES_WHEN_FOLDED: usize = 25;

/// True for a status a reader should see: anything but up.
pub fn is_problem(status: ServiceStatus) -> bool {
    status != ServiceStatus::Up
}

/// How serious a status is, for a group's dot: down, degraded, maintenance, unknown, up.
fn severity(status: ServiceStatus) -> u8 {
    match status {
        ServiceStatus::Up => 0,
        ServiceStatus::Unknown => 1,
        ServiceStatus::Maintenance => 2,
        ServiceStatus::Degraded => 3,
        ServiceStatus::Down => 4,
    }
}

/// One group as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Group<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its services (indices): problems first, then by name.
    pub members: Vec<usize>,
    /// The most serious status among them.
    pub worst: ServiceStatus,
    /// Mean 90-day uptime of those with data.
    pub uptime_90d: Option<f64>,
    /// Its text: `3 services, all operational`, `5 services: 1 down, 4 operational`.
    pub summary: String,
}

/// The page's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout<'a> {
    /// Groups with a problem, in configuration order: shown service by service.
    pub troubled: Vec<Group<'a>>,
    /// Services in no group (indices): problems first, otherwise in configuration order.
    pub ungrouped: Vec<usize>,
    /// Groups whose services are all up, in configuration order: one summary row each.
    pub healthy: Vec<Group<'a>>,
    /// Per service (by index): listed with a sparkline and a strip.
    pub detailed: Vec<bool>,
}

impl Layout<'_> {
    /// True when some service has a group.
    pub fn grouped(&self) -> bool {
        !self.troubled.is_empty() || !self.healthy.is_empty()
    }

    /// The services listed one by one, in page order.
    pub fn listed(&self) -> impl Iterator<Item = usize> + '_ {
        let in_groups = self.troubled.iter().flat_map(|g| g.members.iter().copied());
        in_groups.chain(self.ungrouped.iter().copied())
    }
}

/// The layout of `services` (in configuration order).
pub fn layout(services: &[ServiceView]) -> Layout<'_> {
    let mut names: Vec<&str> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut ungrouped = Vec::new();
    for (i, s) in services.iter().enumerate() {
        let Some(name) = s.group.as_deref() else {
            ungrouped.push(i);
            continue;
        };
        let g = *index.entry(name).or_insert_with(|| {
            names.push(name);
            members.push(Vec::new());
            names.len() - 1
        });
        members[g].push(i);
    }
    // A stable sort: problems first, configuration order otherwise.
    ungrouped.sort_by_key(|&i| !is_problem(services[i].status));
    let mut layout = Layout {
        ungrouped,
        ..Layout::default()
    };
    for (name, members) in names.into_iter().zip(members) {
        let group = group(name, members, services);
        match is_problem(group.worst) {
            true => layout.troubled.push(group),
            false => layout.healthy.push(group),
        }
    }
    layout.detailed = vec![false; services.len()];
    let first: Vec<usize> = layout.listed().take(DETAILED_ROWS).collect();
    for i in first {
        layout.detailed[i] = true;
    }
    layout
}

fn group<'a>(name: &'a str, mut members: Vec<usize>, services: &[ServiceView]) -> Group<'a> {
    members.sort_by_cached_key(|&i| {
        let s = &services[i];
        (!is_problem(s.status), s.name.to_lowercase(), i)
    });
    let statuses: Vec<ServiceStatus> = members.iter().map(|&i| services[i].status).collect();
    let worst = statuses
        .iter()
        .copied()
        .max_by_key(|s| severity(*s))
        .unwrap_or(ServiceStatus::Up);
    Group {
        name,
        worst,
        uptime_90d: uptime::mean(members.iter().map(|&i| services[i].uptime_90d)),
        summary: summary(&statuses),
        members,
    }
}

/// `1 service, operational`, `3 services, all operational`, or the count by status, most
/// serious first: `5 services: 1 down, 1 degraded, 3 operational`.
pub fn summary(statuses: &[ServiceStatus]) -> String {
    let n = statuses.len();
    let noun = if n == 1 { "service" } else { "services" };
    let count = |s: ServiceStatus| statuses.iter().filter(|&&x| x == s).count();
    if count(ServiceStatus::Up) == n {
        let all = if n == 1 { "" } else { "all " };
        return format!("{n} {noun}, {all}operational");
    }
    let words = [
        (ServiceStatus::Down, "down"),
        (ServiceStatus::Degraded, "degraded"),
        (ServiceStatus::Maintenance, "in maintenance"),
        (ServiceStatus::Unknown, "unknown"),
        (ServiceStatus::Up, "operational"),
    ];
    let parts: Vec<String> = words
        .iter()
        .filter(|(s, _)| count(*s) > 0)
        .map(|(s, word)| format!("{} {word}", count(*s)))
        .collect();
    format!("{n} {noun}: {}", parts.join(", "))
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
