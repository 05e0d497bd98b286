use super::*;
use crate::domain::outcome::{CheckOutcome, CycleResult};
use chrono::TimeZone;

fn at(secs: i64, millis: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, millis * 1_000_000)
        .single()
        .expect("time")
}

fn view(name: &str, status: ServiceStatus) -> ServiceView {
    ServiceView {
        status,
        response_time_ms: Some(42),
        last_checked: Some(at(1_764_000_000, 250)),
        ..ServiceView::unknown(name)
    }
}

fn lines_of<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn counters_and_gauges_are_rendered_with_help_and_type() {
    let m = Metrics::default();
    let now = Utc::now();
    m.count_cycle(&CycleResult::Checked(CheckOutcome::up(now, 5, 200)));
    m.count_cycle(&CycleResult::Checked(CheckOutcome::up(now, 5, 200)));
    m.count_cycle(&CycleResult::Checked(CheckOutcome::down(
        now, "x", None, None,
    )));
    m.count_cycle(&CycleResult::Inconclusive("bug".into()));
    m.alerts_sent.inc();
    m.alert_delivery_failures.add(3);
    m.alerts_given_up.inc();
    m.alerts_skipped.add(2);
    m.alert_backlog.set(4);
    m.persistence_backlog.set(7);
    m.persistence_dropped_checks.add(11);
    m.persistence_write_failures.inc();
    let text = render(&m, &Snapshot::build(Vec::new()));
    for line in [
        "# TYPE watchpost_checks_total counter",
        "watchpost_checks_total{result=\"up\"} 2",
        "watchpost_checks_total{result=\"down\"} 1",
        "watchpost_checks_total{result=\"inconclusive\"} 1",
        "watchpost_alert_deliveries_total 1",
        "watchpost_alert_delivery_failures_total 3",
        "watchpost_alerts_given_up_total 1",
        "watchpost_alerts_skipped_total 2",
        "# TYPE watchpost_alert_outbox_backlog gauge",
        "watchpost_alert_outbox_backlog 4",
        "watchpost_persistence_backlog 7",
        "watchpost_persistence_dropped_checks_total 11",
        "watchpost_persistence_write_failures_total 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
}

#[test]
fn every_family_has_help_then_type_then_its_samples() {
    let snap = Snapshot::build(vec![
        view("a", ServiceStatus::Up),
        view("b", ServiceStatus::Down),
    ]);
    let text = render(&Metrics::default(), &snap);
    let mut current: Option<String> = None;
    let mut seen = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().expect("name").to_string();
            let ty = lines.next().expect("TYPE line");
            assert!(ty.starts_with(&format!("# TYPE {name} ")), "{ty}");
            assert!(!seen.contains(&name), "{name} declared twice");
            seen.push(name.clone());
            current = Some(name);
        } else {
            let name = current.as_deref().expect("a sample before any HELP");
            let metric = line.split(['{', ' ']).next().expect("metric");
            let suffix = metric.strip_prefix(name).unwrap_or(metric);
            assert!(
                ["", "_bucket", "_sum", "_count"].contains(&suffix),
                "sample outside its family: {line}"
            );
            assert!(metric.starts_with("watchpost_"));
        }
    }
    assert!(text.ends_with('\n'));
}

#[test]
fn per_service_gauges() {
    let mut down = view("api", ServiceStatus::Down);
    down.since = Some(at(1_763_999_000, 500));
    let mut held = view("held", ServiceStatus::Maintenance);
    held.since = Some(at(1_763_998_000, 0));
    let snap = Snapshot::build(vec![
        view("web", ServiceStatus::Up),
        down,
        view("slow", ServiceStatus::Degraded),
        view("quiet", ServiceStatus::Maintenance),
        held,
        ServiceView::unknown("new"),
    ]);
    let text = render(&Metrics::default(), &snap);
    assert_eq!(
        lines_of(&text, "watchpost_service_up{"),
        [
            "watchpost_service_up{service=\"web\"} 1",
            "watchpost_service_up{service=\"api\"} 0",
            "watchpost_service_up{service=\"slow\"} 1",
            "watchpost_service_up{service=\"quiet\"} 1",
            "watchpost_service_up{service=\"held\"} 0",
        ]
    );
    let api_status = lines_of(&text, "watchpost_service_status{service=\"api\"");
    assert_eq!(api_status.len(), 5);
    assert!(api_status.contains(&"watchpost_service_status{service=\"api\",status=\"down\"} 1"));
    assert!(api_status.contains(&"watchpost_service_status{service=\"api\",status=\"up\"} 0"));
    assert!(text.contains("watchpost_service_status{service=\"new\",status=\"unknown\"} 1"));
    assert!(text.contains("watchpost_service_response_time_seconds{service=\"web\"} 0.042\n"));
    assert!(!text.contains("watchpost_service_response_time_seconds{service=\"new\"}"));
    assert!(text.contains(
        "watchpost_service_last_check_timestamp_seconds{service=\"web\"} 1764000000.25\n"
    ));
    assert_eq!(
        lines_of(&text, "watchpost_service_outage_start_timestamp_seconds{"),
        [
            "watchpost_service_outage_start_timestamp_seconds{service=\"api\"} 1763999000.5",
            "watchpost_service_outage_start_timestamp_seconds{service=\"held\"} 1763998000",
        ]
    );
}

#[test]
fn hostile_service_names_are_escaped() {
    let name = "evil\"} 1\nwatchpost_fake 1 # \\ done";
    let snap = Snapshot::build(vec![view(name, ServiceStatus::Up)]);
    let text = render(&Metrics::default(), &snap);
    let escaped = "evil\\\"} 1\\nwatchpost_fake 1 # \\\\ done";
    assert_eq!(escape_label(name), escaped);
    assert!(
        text.contains(&format!(
            "watchpost_service_up{{service=\"{escaped}\"}} 1\n"
        )),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("watchpost_fake")));
    assert_eq!(escape_label("plain name é"), "plain name é");
}

#[test]
fn schedule_lag_is_a_cumulative_histogram() {
    let metrics = Metrics::default();
    for ms in [0, 3, 3, 40, 300, 5000] {
        metrics
            .schedule_lag
            .observe(std::time::Duration::from_millis(ms));
    }
    let text = render(&metrics, &Snapshot::build(vec![]));
    let name = "watchpost_schedule_lag_seconds";
    for line in [
        format!("# TYPE {name} histogram"),
        format!("{name}_bucket{{le=\"0.001\"}} 1"),
        format!("{name}_bucket{{le=\"0.005\"}} 3"),
        format!("{name}_bucket{{le=\"0.05\"}} 4"),
        format!("{name}_bucket{{le=\"0.25\"}} 4"),
        format!("{name}_bucket{{le=\"0.5\"}} 5"),
        format!("{name}_bucket{{le=\"2.5\"}} 5"),
        format!("{name}_bucket{{le=\"+Inf\"}} 6"),
        format!("{name}_sum 5.346"),
        format!("{name}_count 6"),
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
}
