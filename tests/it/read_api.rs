//! The read API, feeds, badges and site files through the app on port 0: one target up, one
//! answering 503 (threshold 1, so its outage opens at once), incidents seeded in the database.
//! SQLite, and PostgreSQL when TEST_DATABASE_URL is set.

use crate::support;

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, RunQueryDsl};
use serde_json::Value;
use std::time::Duration;
use support::{column, eventually, settings, FakeServer, Reply, TestApp};
use watchpost::db::schema::incidents;

const WAIT: Duration = Duration::from_secs(10);
const HOSTILE: &str = "<b>&\"x\"</b> ]]> it's";
const URL: &str = "https://status.example.org";

/// Status, content type, cache control and body of a GET.
struct Got {
    code: u16,
    content_type: String,
    cache: String,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn get(app: &TestApp, path: &str) -> Got {
    let mut resp = awc::Client::default()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, cache) = (header("content-type"), header("cache-control"));
    let body = resp.body().limit(1 << 20).await.expect("body");
    Got {
        code: resp.status().as_u16(),
        content_type,
        cache,
        body: String::from_utf8_lossy(&body).to_string(),
    }
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// One open high incident with a hostile text and one resolved, through the app's own schema.
fn seed_incidents(db: &str) {
    let pool = watchpost::db::connect(db, 1).expect("pool");
    let mut conn = pool.get().expect("connection");
    let now = Utc::now().naive_utc();
    let hour_ago = now - chrono::Duration::hours(1);
    let rows = [
        ("high", HOSTILE, true, now),
        ("resolved", "Database failover finished", false, hour_ago),
    ];
    for (severity, text, active, at) in rows {
        diesel::insert_into(incidents::table)
            .values((
                incidents::severity.eq(severity),
                incidents::text.eq(text),
                incidents::active.eq(active),
                incidents::created_at.eq(at),
                incidents::updated_at.eq(at),
            ))
            .execute(&mut *conn)
            .expect("insert incident");
    }
}

async fn start(dir: &std::path::Path, db: &str) -> (TestApp, FakeServer) {
    let target = FakeServer::start();
    target.set("/up", Reply::status(200).delayed(Duration::from_millis(5)));
    target.set("/down", Reply::status(503));
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
         [status_page]\nurl = \"{URL}\"\ntitle = \"Example\"\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n\
         [[services]]\nname = \"broken\"\nurl = \"{}\"\ntimeout = 1\n",
        target.url("/up"),
        target.url("/down")
    );
    let app = TestApp::spawn(settings(dir, &toml, &[])).await;
    seed_incidents(db);
    let checks = "SELECT status AS v FROM health_checks WHERE service_name = 'api'";
    assert!(eventually(WAIT, || async { column(db, checks).len() >= 6 }).await);
    let ready = || async {
        let api = get(&app, "/api/services/api").await.json();
        let broken = get(&app, "/api/services/broken").await.json();
        let incidents = get(&app, "/api/incidents").await.json();
        api["uptime"]["24h"] == 100.0
            && api["latency_ms"]["p95"].is_u64()
            && broken["status"] == "down"
            && broken["uptime"]["24h"].as_f64().is_some_and(|u| u < 100.0)
            && incidents["active"].as_array().is_some_and(|a| a.len() == 1)
    };
    assert!(eventually(WAIT, ready).await, "the app never settled");
    (app, target)
}

async fn service_detail(app: &TestApp) {
    let got = get(app, "/api/services/api").await;
    assert_eq!((got.code, got.cache.as_str()), (200, "public, max-age=10"));
    assert!(got.content_type.starts_with("application/json"));
    let api = got.json();
    assert_eq!(api["name"], "api");
    assert_eq!(api["status"], "up");
    assert!(api["response_time_ms"].as_u64().expect("ms") >= 5);
    time(&api["last_checked"]);
    for window in ["24h", "7d", "30d", "90d"] {
        assert_eq!(api["uptime"][window], 100.0, "{window}: {api}");
    }
    let (p50, p95) = (&api["latency_ms"]["p50"], &api["latency_ms"]["p95"]);
    assert!(p50.as_u64().expect("p50") >= 5);
    assert!(p95.as_u64().expect("p95") >= p50.as_u64().expect("p50"));
    assert!(api["open_outage"].is_null());
    assert_eq!(api["recent_outages"], serde_json::json!([]));

    let broken = get(app, "/api/services/broken").await.json();
    assert_eq!(broken["detail"], "Unexpected response (HTTP 503)");
    let start = time(&broken["open_outage"]["start"]);
    let outage = &broken["recent_outages"][0];
    assert_eq!(time(&outage["start"]), start);
    assert!(outage["end"].is_null());
    assert_eq!(outage["resolved"], false);
    assert!(outage["duration_seconds"].as_i64().expect("seconds") >= 0);
    assert!(outage.get("service").is_none());

    let unknown = get(app, "/api/services/nope").await;
    assert_eq!(unknown.code, 404);
    assert_eq!(
        unknown.json(),
        serde_json::json!({"error": "unknown service \"nope\""})
    );
}

async fn checks_paging(app: &TestApp) {
    let first = get(app, "/api/services/api/checks?limit=2").await;
    assert_eq!(
        (first.code, first.cache.as_str()),
        (200, "public, max-age=10")
    );
    let first = first.json();
    let checks = first["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 2);
    assert!(time(&checks[0]["checked_at"]) > time(&checks[1]["checked_at"]));
    assert_eq!(first["next_until"], checks[1]["checked_at"]);
    assert_eq!(checks[0]["status"], "up");
    assert_eq!(checks[0]["status_code"], 200);
    assert!(checks[0]["response_time_ms"].is_u64());
    assert!(checks[0]["detail"].is_null());

    let until = first["next_until"].as_str().expect("next_until");
    let next = get(
        app,
        &format!("/api/services/api/checks?limit=2&until={until}"),
    )
    .await;
    let next = next.json();
    let older = next["checks"].as_array().expect("checks");
    assert_eq!(older.len(), 2);
    assert!(time(&older[0]["checked_at"]) < time(&first["next_until"]));

    let since = checks[1]["checked_at"].as_str().expect("time");
    let recent = get(app, &format!("/api/services/api/checks?since={since}")).await;
    let recent = recent.json();
    let recent = recent["checks"].as_array().expect("checks");
    assert!(recent.len() >= 2);
    assert!(recent
        .iter()
        .all(|c| time(&c["checked_at"]) >= time(&checks[1]["checked_at"])));
}

async fn bad_parameters(app: &TestApp) {
    let cases = [
        ("/api/services/api/checks?since=yesterday", "since"),
        ("/api/services/api/checks?until=2024-01-01", "until"),
        ("/api/services/api/checks?limit=0", "limit"),
        ("/api/services/api/checks?limit=ten", "limit"),
        ("/api/outages?since=soon", "since"),
        ("/api/services/api/history?hours=0", "hours"),
        ("/api/services/api/history?hours=745", "hours"),
        ("/api/services/api/history?days=x", "days"),
        ("/api/services/api/history?days=1&hours=1", "hours, days"),
    ];
    for (path, param) in cases {
        let got = get(app, path).await;
        assert_eq!(got.code, 400, "{path}");
        let error = got.json()["error"].as_str().expect("error").to_string();
        assert!(error.starts_with(&format!("{param}: ")), "{path}: {error}");
    }
    let got = get(app, "/api/services/api/checks?since=yesterday").await;
    assert_eq!(got.json()["error"], "since: not an RFC 3339 time");
    assert_eq!(get(app, "/api/services/nope/checks").await.code, 404);
    assert_eq!(get(app, "/api/outages?service=nope").await.code, 404);
    assert_eq!(get(app, "/api/services/nope/history").await.code, 404);
}

/// The rollups' view: every stored check counted once, `broken` never up, `api` always.
async fn history(app: &TestApp, db: &str) {
    for path in [
        "/api/services/api/history",
        "/api/services/api/history?days=3",
    ] {
        let got = get(app, path).await;
        assert_eq!(
            (got.code, got.cache.as_str()),
            (200, "public, max-age=10"),
            "{path}"
        );
        let body = got.json();
        let spans = body["spans"].as_array().expect("spans");
        assert!(!spans.is_empty() && spans.len() <= 2, "{path}: {body}");
        let total = &body["total"];
        assert_eq!(total["failures"], 0, "{path}");
        assert_eq!(total["availability"], 100.0, "{path}");
        let latency = &total["latency_ms"];
        let (p50, max) = (latency["p50"].as_u64(), latency["max"].as_u64());
        assert!(
            p50.is_some_and(|p| p >= 5) && p50 <= max,
            "{path}: {latency}"
        );
        let in_spans: u64 = spans.iter().filter_map(|s| s["checks"].as_u64()).sum();
        assert_eq!(
            in_spans,
            total["checks"].as_u64().expect("checks"),
            "{path}"
        );
    }
    assert_eq!(
        get(app, "/api/services/api/history").await.json()["resolution"],
        "hour"
    );
    assert_eq!(
        get(app, "/api/services/api/history?days=2").await.json()["resolution"],
        "day"
    );
    let broken = get(app, "/api/services/broken/history?hours=1")
        .await
        .json();
    let checks = broken["total"]["checks"].as_u64().expect("checks");
    assert!(
        checks >= 1 && broken["total"]["failures"] == checks,
        "{broken}"
    );
    assert_eq!(broken["total"]["availability"], 0.0);
    // Never more than what is stored (the monitors keep checking while the test reads).
    let stored = column(
        db,
        "SELECT status AS v FROM health_checks WHERE service_name = 'broken'",
    );
    assert!(
        checks as usize <= stored.len(),
        "{checks} > {}",
        stored.len()
    );
}

async fn outages_and_incidents(app: &TestApp) {
    let down = get(app, "/api/services/broken/checks?limit=1").await.json();
    assert_eq!(down["checks"][0]["status"], "down");
    assert_eq!(down["checks"][0]["status_code"], 503);
    assert_eq!(
        down["checks"][0]["detail"],
        "Unexpected response (HTTP 503)"
    );
    assert!(
        down["checks"][0].get("error_message").is_none(),
        "raw errors stay private"
    );
    let all = get(app, "/api/outages").await.json();
    let outages = all["outages"].as_array().expect("outages");
    let open = outages
        .iter()
        .find(|o| o["service"] == "broken")
        .expect("the open outage of broken");
    assert!(open["end"].is_null());
    assert_eq!(open["resolved"], false);
    let mine = get(
        app,
        "/api/outages?service=broken&since=2020-01-01T00:00:00Z",
    )
    .await;
    let mine = mine.json();
    assert!(!mine["outages"].as_array().expect("outages").is_empty());
    let none = get(app, "/api/outages?service=api").await.json();
    assert_eq!(none["outages"], serde_json::json!([]));

    let incidents = get(app, "/api/incidents").await.json();
    let active = &incidents["active"][0];
    assert_eq!(active["text"], HOSTILE);
    assert_eq!(active["severity"], "high");
    assert_eq!(active["active"], true);
    assert!(active["id"].is_i64());
    time(&active["created_at"]);
    time(&active["updated_at"]);
    assert_eq!(incidents["recent"][0]["severity"], "resolved");
    assert_eq!(incidents["recent"][0]["text"], "Database failover finished");
}

fn xml_texts(body: &str, tag: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

async fn feeds(app: &TestApp) {
    let rss = get(app, "/history.rss").await;
    assert_eq!((rss.code, rss.cache.as_str()), (200, "public, max-age=60"));
    assert!(rss.content_type.starts_with("application/rss+xml"));
    assert_eq!(
        xml_texts(&rss.body, "title")[0],
        "Example — Incident History"
    );
    assert!(xml_texts(&rss.body, "description").contains(&HOSTILE.to_string()));
    let titles = xml_texts(&rss.body, "title");
    assert_eq!(titles[1], format!("[High] {HOSTILE}"));
    assert_eq!(titles[2], "[Resolved] Database failover finished");
    assert!(xml_texts(&rss.body, "guid")[0].starts_with(&format!("{URL}/incidents/")));

    let atom = get(app, "/history.atom").await;
    assert_eq!(
        (atom.code, atom.cache.as_str()),
        (200, "public, max-age=60")
    );
    assert!(atom.content_type.starts_with("application/atom+xml"));
    assert_eq!(
        xml_texts(&atom.body, "title")[0],
        "Example — Incident History"
    );
    assert_eq!(xml_texts(&atom.body, "content")[0], HOSTILE);
    let updated = xml_texts(&atom.body, "updated");
    DateTime::parse_from_rfc3339(&updated[0]).expect("feed updated is RFC 3339");
}

async fn site_files(app: &TestApp) {
    let robots = get(app, "/robots.txt").await;
    assert_eq!(robots.code, 200);
    assert!(robots.content_type.starts_with("text/plain"));
    assert_eq!(
        robots.body,
        format!("User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin\nSitemap: {URL}/sitemap.xml\n")
    );
    let sitemap = get(app, "/sitemap.xml").await;
    assert_eq!(sitemap.code, 200);
    assert_eq!(
        xml_texts(&sitemap.body, "loc"),
        [
            format!("{URL}/"),
            format!("{URL}/history.rss"),
            format!("{URL}/history.atom")
        ]
    );
    let missing = get(app, "/no/such/page").await;
    assert_eq!(missing.code, 404);
    assert!(missing.content_type.starts_with("text/html"));
    assert!(missing.body.contains("Page not found"));
    assert!(missing.body.contains("/static/status.css"));
    let api_missing = get(app, "/api/nothing-here").await;
    assert_eq!(api_missing.code, 404);
    assert_eq!(api_missing.json()["error"], "not found");
}

async fn badges(app: &TestApp) {
    let cases = [
        ("/badge/api/status.svg", 200, "up"),
        ("/badge/broken/status.svg", 200, "down"),
        ("/badge/api/uptime/24h.svg", 200, "100%"),
        ("/badge/api/uptime/90d.svg", 200, "100%"),
        ("/badge/nope/status.svg", 404, "not found"),
        ("/badge/nope/uptime/30d.svg", 404, "not found"),
        ("/badge/api/uptime/1y.svg", 404, "not found"),
    ];
    for (path, code, value) in cases {
        let got = get(app, path).await;
        assert_eq!(got.code, code, "{path}");
        assert_eq!(got.content_type, "image/svg+xml", "{path}");
        assert_eq!(got.cache, "public, max-age=60", "{path}");
        let texts = xml_texts(&got.body, "text");
        assert!(texts.iter().any(|t| t == value), "{path}: {texts:?}");
        assert!(!xml_texts(&got.body, "title")[0].is_empty());
    }
    let broken = get(app, "/badge/broken/uptime/24h.svg").await;
    let value = &xml_texts(&broken.body, "text")[2];
    assert!(value.ends_with('%') && value != "100%", "{value}");
}

async fn read_api(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (app, _target) = start(dir.path(), &db).await;
    service_detail(&app).await;
    checks_paging(&app).await;
    bad_parameters(&app).await;
    history(&app, &db).await;
    outages_and_incidents(&app).await;
    feeds(&app).await;
    site_files(&app).await;
    badges(&app).await;
    app.stop().await;
}

#[actix_web::test]
async fn read_api_feeds_badges_and_site_files_sqlite() {
    read_api(false).await;
}

#[actix_web::test]
async fn read_api_feeds_badges_and_site_files_postgres() {
    read_api(true).await;
}
