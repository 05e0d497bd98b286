use super::*;
use serde_json::Value;

fn view(name: &str, group: Option<&str>, status: ServiceStatus) -> ServiceView {
    ServiceView {
        group: group.map(str::to_string),
        status,
        ..ServiceView::unknown(name)
    }
}

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON")
}

fn sample() -> Snapshot {
    Snapshot::build(vec![
        view("api", Some("Core"), ServiceStatus::Up),
        view("db", Some("Core"), ServiceStatus::Down),
        view("blog", None, ServiceStatus::Up),
    ])
}

#[test]
fn every_service_carries_its_group_or_null() {
    let json = parse(&sample().json().body);
    let services = json["services"].as_array().expect("services");
    assert_eq!(services[0]["group"], "Core");
    assert_eq!(services[2]["group"], Value::Null);
    assert!(
        services[2]
            .as_object()
            .expect("object")
            .contains_key("group"),
        "group is present even when null"
    );
}

#[test]
fn a_filtered_body_keeps_the_whole_sites_summary() {
    let snap = sample();
    let all = parse(&snap.json().body);
    let down = parse(&snap.json_where(|s| s.status == ServiceStatus::Down));
    let names: Vec<&str> = down["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["db"]);
    for key in [
        "overall_status",
        "status_label",
        "last_checked",
        "uptime_90d",
    ] {
        assert_eq!(down[key], all[key], "{key}");
    }
    assert_eq!(all["overall_status"], "partial");
    let none = parse(&snap.json_where(|_| false));
    assert_eq!(none["services"], serde_json::json!([]));
}

#[test]
fn keeping_everything_gives_the_stored_bytes() {
    let snap = sample();
    assert_eq!(snap.json_where(|_| true), snap.json().body.to_vec());
    let serialized = serde_json::to_vec(&snap).expect("serialize");
    assert_eq!(serialized, snap.json().body.to_vec(), "one shape");
    let once = Rendered::uncompressed(snap.json().body.to_vec());
    assert_eq!(once.etag, snap.json().etag, "same bytes, same ETag");
    assert!(once.gzip.is_empty());
}

#[test]
fn a_service_without_a_result_has_no_uptime_and_no_bars() {
    let now = Utc::now();
    let since = Some(now - Duration::days(2));
    let waiting = ServiceView::unknown("api");
    let checked = ServiceView {
        status: ServiceStatus::Up,
        last_checked: Some(now),
        ..ServiceView::unknown("web")
    };
    let inputs = [
        Input {
            live: &waiting,
            monitored_since: since,
            outages: &[],
            samples: &[],
        },
        Input {
            live: &checked,
            monitored_since: since,
            outages: &[],
            samples: &[],
        },
    ];
    let snap = Snapshot::assemble(&inputs, Arc::new(Notices::default()), now);
    let (api, web) = (&snap.services[0], &snap.services[1]);
    assert_eq!(
        (
            api.uptime_24h,
            api.uptime_7d,
            api.uptime_30d,
            api.uptime_90d
        ),
        (None, None, None, None)
    );
    let statuses = |i: usize| snap.details[i].bars.iter().map(|b| b.status);
    assert!(statuses(0).all(|s| s == uptime::DayStatus::NoData));
    assert_eq!(web.uptime_24h, Some(100.0));
    assert_eq!(
        statuses(1).next_back(),
        Some(uptime::DayStatus::Up),
        "today"
    );
}
