use super::*;
use ServiceStatus::{Degraded, Down, Maintenance, Unknown, Up};

fn view(name: &str, group: Option<&str>, status: ServiceStatus, u90: f64) -> ServiceView {
    ServiceView {
        group: group.map(str::to_string),
        status,
        uptime_90d: Some(u90),
        ..ServiceView::unknown(name)
    }
}

fn names<'a>(services: &'a [ServiceView], indices: &[usize]) -> Vec<&'a str> {
    indices.iter().map(|&i| services[i].name.as_str()).collect()
}

#[test]
fn troubled_groups_first_then_ungrouped_then_healthy() {
    let services = vec![
        view("web", Some("Edge"), Up, 100.0),
        view("cdn", Some("Edge"), Up, 99.0),
        view("solo-ok", None, Up, 100.0),
        view("zeta", Some("Data"), Up, 100.0),
        view("beta", Some("Data"), Up, 100.0),
        view("alpha", Some("Data"), Down, 90.0),
        view("solo-down", None, Down, 80.0),
        view("Gamma", Some("Data"), Degraded, 100.0),
    ];
    let layout = layout(&services);
    let troubled: Vec<&str> = layout.troubled.iter().map(|g| g.name).collect();
    let healthy: Vec<&str> = layout.healthy.iter().map(|g| g.name).collect();
    assert_eq!(troubled, ["Data"]);
    assert_eq!(healthy, ["Edge"]);
    let data = &layout.troubled[0];
    assert_eq!(
        names(&services, &data.members),
        ["alpha", "Gamma", "beta", "zeta"],
        "problems first, then by name (any case)"
    );
    assert_eq!(data.worst, Down);
    assert_eq!(
        data.summary,
        "4 services: 1 down, 1 degraded, 2 operational"
    );
    assert_eq!(
        names(&services, &layout.ungrouped),
        ["solo-down", "solo-ok"]
    );
    let edge = &layout.healthy[0];
    assert_eq!(edge.summary, "2 services, all operational");
    assert_eq!(edge.uptime_90d, Some(99.5));
    assert!(layout.grouped());
    let listed: Vec<usize> = layout.listed().collect();
    assert_eq!(
        names(&services, &listed),
        ["alpha", "Gamma", "beta", "zeta", "solo-down", "solo-ok"],
        "the folded group's services are not listed"
    );
    assert!(!layout.detailed[0] && !layout.detailed[1]);
    assert!(layout.detailed[5]);
}

#[test]
fn without_groups_every_service_is_listed_problems_first() {
    let services = vec![
        view("a", None, Up, 100.0),
        view("b", None, Unknown, 100.0),
        view("c", None, Up, 100.0),
        view("d", None, Maintenance, 100.0),
    ];
    let layout = layout(&services);
    assert!(!layout.grouped());
    assert_eq!(names(&services, &layout.ungrouped), ["b", "d", "a", "c"]);
    assert!(layout.detailed.iter().all(|d| *d));
}

#[test]
fn unknown_and_maintenance_are_problems() {
    for status in [Down, Degraded, Maintenance, Unknown] {
        let services = vec![view("a", Some("G"), status, 100.0)];
        assert_eq!(layout(&services).troubled.len(), 1, "{status:?}");
    }
    let services = vec![view("a", Some("G"), Up, 100.0)];
    assert_eq!(
        layout(&services).healthy[0].summary,
        "1 service, operational"
    );
}

#[test]
fn only_the_first_services_listed_are_detailed() {
    let services: Vec<ServiceView> = (0..DETAILED_ROWS + 50)
        .map(|i| view(&format!("s{i:04}"), Some("Big"), Unknown, 100.0))
        .collect();
    let layout = layout(&services);
    assert_eq!(
        layout.detailed.iter().filter(|d| **d).count(),
        DETAILED_ROWS
    );
    assert_eq!(layout.troubled[0].summary, "150 services: 150 unknown");
}
