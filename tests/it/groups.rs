//! Service groups through the app: the page opens the group with a problem first and folds
//! the all-up one into a summary, `/api/status` carries each service's group and filters by
//! `status` and `group` (a bad status is a 400 naming the parameter), a bad group is a config
//! problem, and a page of 10,000 grouped services that are all up stays small.

use crate::support;

use chrono::{Duration as Days, Utc};
use serde_json::Value;
use std::time::Duration;
use support::{eventually, FakeServer, Reply, TestApp};
use watchpost::db::history::History;
use watchpost::domain::notices::Notices;
use watchpost::domain::status::ServiceStatus;
use watchpost::domain::uptime::Span;
use watchpost::settings::StatusPageSettings;
use watchpost::snapshot::{Input, ServiceView, Snapshot};

const WAIT: Duration = Duration::from_secs(10);

/// Edge: two services up. Data: one down, one up. solo: up, in no group.
fn config(db: &str, ok: &str, bad: &str) -> String {
    let mut toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n"
    );
    for (name, group, url) in [
        ("edge-b", Some("Edge"), ok),
        ("edge-a", Some("Edge"), ok),
        ("store", Some("Data"), ok),
        ("db", Some("Data"), bad),
        ("solo", None, ok),
    ] {
        toml.push_str(&format!(
            "[[services]]\nname = \"{name}\"\nurl = \"{url}\"\ntimeout = 2\n"
        ));
        if let Some(group) = group {
            toml.push_str(&format!("group = \"{group}\"\n"));
        }
    }
    toml
}

/// Names of the services of a `/api/status` body.
fn names(body: &Value) -> Vec<String> {
    let services = body["services"].as_array().expect("services");
    services
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect()
}

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let (code, body) = app.get(path).await;
    (code, serde_json::from_str(&body).expect("JSON"))
}

/// True once `db` is down and every other service up.
async fn settled(app: &TestApp) -> bool {
    let status = app.status().await;
    let services = status["services"].as_array().cloned().unwrap_or_default();
    services.len() == 5
        && services.iter().all(|s| {
            let want = if s["name"] == "db" { "down" } else { "up" };
            s["status"] == want
        })
}

async fn start(dir: &std::path::Path) -> (TestApp, FakeServer) {
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    target.set("/bad", Reply::status(503));
    let db = support::sqlite_url(dir);
    let toml = config(&db, &target.url("/ok"), &target.url("/bad"));
    let app = TestApp::spawn(support::settings(dir, &toml, &[])).await;
    assert!(
        eventually(WAIT, || settled(&app)).await,
        "never settled: {}",
        app.status().await
    );
    (app, target)
}

#[actix_web::test]
async fn the_page_opens_the_troubled_group_first_and_folds_the_healthy_one() {
    let dir = tempfile::tempdir().expect("dir");
    let (app, _target) = start(dir.path()).await;
    let (code, page) = app.get("/").await;
    assert_eq!(code, 200);
    let data = page
        .find("class=\"group open\" data-group=\"Data\"")
        .expect("Data is open");
    let edge = page
        .find("class=\"group folded\" data-group=\"Edge\"")
        .expect("Edge is folded");
    assert!(data < edge, "the group with a problem comes first");
    let (db_row, store_row) = (
        page.find("data-service=\"db\"").expect("db row"),
        page.find("data-service=\"store\"").expect("store row"),
    );
    assert!(
        data < db_row && db_row < store_row,
        "the down service heads its group"
    );
    assert!(page[data..edge].contains("2 services: 1 down, 1 operational"));
    let folded = &page[edge..];
    assert!(folded.contains("2 services, all operational"));
    for name in ["edge-a", "edge-b"] {
        assert!(
            !page.contains(&format!("data-service=\"{name}\"")),
            "{name} has a row or a strip in a folded group"
        );
    }
    assert!(
        folded.contains("<details>"),
        "a small folded group opens without script"
    );
    assert!(page.contains("data-service=\"solo\""), "no group: a row");
    assert!(page.contains("Other services"));
    app.stop().await;
}

#[actix_web::test]
async fn the_json_carries_groups_and_filters_by_status_and_group() {
    let dir = tempfile::tempdir().expect("dir");
    let (app, _target) = start(dir.path()).await;
    let all = app.status().await;
    let groups: Vec<Value> = all["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["group"].clone())
        .collect();
    let want = serde_json::json!(["Edge", "Edge", "Data", "Data", null]);
    assert_eq!(Value::from(groups), want);

    let (code, down) = json(&app, "/api/status?status=down").await;
    assert_eq!(code, 200);
    assert_eq!(names(&down), ["db"]);
    assert_eq!(
        down["overall_status"], "partial",
        "the whole site's summary"
    );
    // The site-wide uptime is the same whatever the filter; it falls while `db` stays down
    // (a check every 0.2 s re-renders it), so it lies between one read before and one after.
    let after = app.status().await;
    let site = |body: &Value| body["uptime_90d"].as_f64().expect("uptime_90d");
    let (before, filtered, after) = (site(&all), site(&down), site(&after));
    assert!(
        after <= filtered && filtered <= before,
        "the filtered site uptime {filtered} is outside [{after}, {before}]"
    );
    let (_, edge) = json(&app, "/api/status?group=Edge").await;
    assert_eq!(names(&edge), ["edge-b", "edge-a"]);
    let (_, both) = json(&app, "/api/status/?status=up,DOWN&group=Data").await;
    assert_eq!(names(&both), ["store", "db"]);
    let (code, none) = json(&app, "/api/status?group=Nope").await;
    assert_eq!(
        (code, names(&none).len()),
        (200, 0),
        "an unknown group lists nothing"
    );
    let (_, detail) = json(&app, "/api/services/db").await;
    assert_eq!(detail["group"], "Data");

    let (code, bad) = json(&app, "/api/status?status=sideways").await;
    assert_eq!(code, 400);
    let error = bad["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("status: \"sideways\""), "{error}");
    assert!(
        error.contains("up, degraded, down, maintenance, unknown"),
        "{error}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn filtered_or_not_the_json_has_an_etag() {
    // One service checked every 30 s: nothing changes between two requests.
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    let db = support::sqlite_url(dir.path());
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\nretries = 1\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\ngroup = \"Web\"\ninterval = 30\n",
        target.url("/ok")
    );
    let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
    let up = || async { app.status().await["overall_status"] == "operational" };
    assert!(eventually(WAIT, up).await);
    let client = awc::Client::default();
    for path in ["/api/status", "/api/status?group=Web"] {
        let url = format!("{}{path}", app.base);
        let first = client.get(&url).send().await.expect("get");
        assert_eq!(first.status(), 200);
        let etag = first
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(etag.starts_with('"'), "{path}: no ETag");
        let again = client
            .get(&url)
            .insert_header(("If-None-Match", etag.as_str()))
            .send()
            .await
            .expect("get");
        assert_eq!(again.status(), 304, "{path}");
    }
    let (_, all) = app.get("/api/status").await;
    let (_, web) = app.get("/api/status?group=Web").await;
    assert_eq!(all, web, "every service in the group: the same body");
    app.stop().await;
}

#[test]
fn a_bad_group_is_a_configuration_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let long = "x".repeat(101);
    let toml = format!(
        "[[services]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/\"\ngroup = \" \"\n\
         [[services]]\nname = \"b\"\nurl = \"http://127.0.0.1:9/\"\ngroup = \"{long}\"\n\
         [[services]]\nname = \"c\"\nurl = \"http://127.0.0.1:9/\"\ngroup = \"Web\"\n"
    );
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, toml).expect("write");
    let config = path.to_string_lossy().to_string();
    let out = support::process::run(dir.path(), &["--config", &config, "config", "check"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a blank group was accepted");
    assert!(
        stderr.contains("services[0] (\"a\").group: must not be empty"),
        "{stderr}"
    );
    assert!(
        stderr.contains("services[1] (\"b\").group: 101 characters, at most 100"),
        "{stderr}"
    );

    let good = "[[services]]\nname = \"c\"\nurl = \"http://127.0.0.1:9/\"\ngroup = \"Web\"\n";
    std::fs::write(&path, good).expect("write");
    let out = support::process::run(dir.path(), &["--config", &config, "config", "check"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("group = \"Web\""), "{stdout}");
}

/// A service monitored for 100 days with one short outage, 40 samples today, in `status`.
fn service(i: usize, status: ServiceStatus, now: chrono::DateTime<Utc>) -> (ServiceView, History) {
    let view = ServiceView {
        group: Some(format!("group-{:03}", i % 100)),
        status,
        response_time_ms: Some(40 + (i % 50) as u64),
        last_checked: Some(now),
        ..ServiceView::unknown(&format!("service-{i:05}"))
    };
    let start = now - Days::days(20) - Days::minutes(i as i64 % 600);
    let history = History {
        monitored_since: Some(now - Days::days(100)),
        outages: vec![Span {
            start,
            end: Some(start + Days::minutes(5)),
        }],
        samples: (0..40)
            .map(|k| {
                (
                    now - Days::minutes(40 - k),
                    30 + (k as u64 * 7 + i as u64) % 90,
                )
            })
            .collect(),
    };
    (view, history)
}

fn page_of(count: usize, status: ServiceStatus) -> (Snapshot, StatusPageSettings, usize) {
    let now = Utc::now();
    let all: Vec<(ServiceView, History)> = (0..count).map(|i| service(i, status, now)).collect();
    let inputs: Vec<Input<'_>> = all
        .iter()
        .map(|(live, history)| Input {
            live,
            monitored_since: history.monitored_since,
            outages: &history.outages,
            samples: &history.samples,
        })
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let page = support::settings(dir.path(), "", &[]).status_page;
    let snap = Snapshot::assemble(&inputs, std::sync::Arc::new(Notices::default()), now);
    let size = watchpost::web::public::pages::page(&snap, &page).body.len();
    (snap, page, size)
}

#[test]
fn ten_thousand_grouped_services_all_up_make_a_small_page() {
    let (snap, settings, size) = page_of(10_000, ServiceStatus::Up);
    let rendered = watchpost::web::public::pages::page(&snap, &settings);
    let html = String::from_utf8_lossy(&rendered.body);
    eprintln!(
        "10,000 services in 100 groups, all up: page {size} bytes ({} gzipped), JSON {} bytes ({} gzipped)",
        rendered.gzip.len(),
        snap.json().body.len(),
        snap.json().gzip.len()
    );
    assert!(size < 200_000, "page of {size} bytes");
    assert_eq!(html.matches("class=\"group folded\"").count(), 100);
    assert!(html.contains("100 services, all operational"));
    assert!(!html.contains("data-service="), "no per-service rows");
    assert!(!html.contains("<polyline"), "no sparklines");
    assert!(!html.contains("class=\"status-up\"></i><i"), "no day bars");
    assert!(html.contains("10000 services, 100 groups"));
}

#[test]
fn ten_thousand_services_still_unknown_make_a_bounded_page() {
    // Just after a start every service is unknown, so every group is open: past the first
    // hundred, services get a compact row (no sparkline, no day bars).
    let (snap, settings, size) = page_of(10_000, ServiceStatus::Unknown);
    let rendered = watchpost::web::public::pages::page(&snap, &settings);
    let html = String::from_utf8_lossy(&rendered.body);
    eprintln!(
        "10,000 services in 100 groups, all unknown: page {size} bytes ({} gzipped)",
        rendered.gzip.len()
    );
    assert_eq!(html.matches("<polyline").count(), 100);
    assert_eq!(html.matches("class=\"service compact\"").count(), 9_900);
    assert!(size < 4_000_000, "page of {size} bytes");
}
