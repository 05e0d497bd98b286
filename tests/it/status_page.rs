//! The public status page and `/api/status` through the app: every banner, uptime from
//! outage records, incidents and maintenance from the database, escaping, ETags, headers.

use crate::support;

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use std::path::Path;
use std::time::Duration;
use support::{eventually, FakeServer, Reply, TestApp};

const WAIT: Duration = Duration::from_secs(10);

/// A config with `services` (name, url, extra TOML lines), checked every 0.2 s.
fn config(db: &str, services: &[(&str, String, &str)]) -> String {
    let mut toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n"
    );
    for (name, url, extra) in services {
        toml.push_str(&format!(
            "[[services]]\nname = {name:?}\nurl = \"{url}\"\ntimeout = 2\n{extra}\n"
        ));
    }
    toml
}

/// Creates the schema with the real binary, then runs `sql` on the SQLite file.
fn seed(dir: &Path, sql: &[String]) {
    let url = support::sqlite_url(dir);
    let out = support::process::run(dir, &["migrate"], &[("DATABASE_URL", &url)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut conn =
        SqliteConnection::establish(&dir.join("watchpost.db").to_string_lossy()).expect("open");
    for statement in sql {
        diesel::sql_query(statement)
            .execute(&mut conn)
            .expect(statement);
    }
}

async fn start(dir: &Path, services: &[(&str, String, &str)]) -> TestApp {
    let db = support::sqlite_url(dir);
    TestApp::spawn(support::settings(dir, &config(&db, services), &[])).await
}

/// (overall status, banner label, services, SQL run before the start)
type Case<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, String, &'a str)>,
    Vec<String>,
);

async fn banner_is(app: &TestApp, overall: &str) -> bool {
    eventually(WAIT, || async {
        app.status().await["overall_status"] == overall
    })
    .await
}

#[actix_web::test]
async fn every_banner_shows_in_the_json_and_the_page() {
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    target.set("/bad", Reply::status(503));
    target.set(
        "/slow",
        Reply::status(200).delayed(Duration::from_millis(60)),
    );
    target.set("/hang", Reply::status(200).delayed(Duration::from_secs(5)));
    let ok = || ("ok", target.url("/ok"), "");
    let bad = || ("bad", target.url("/bad"), "");
    let in_window = "INSERT INTO maintenance_windows (title, affected_services, start_time, end_time, active, created_at, updated_at) \
         VALUES ('Upgrade', '[\"ok\"]', datetime('now', '-1 hour'), datetime('now', '+1 hour'), 1, datetime('now'), datetime('now'))"
        .to_string();
    let cases: Vec<Case> = vec![
        (
            "unknown",
            "Checking…",
            vec![("hang", target.url("/hang"), "")],
            vec![],
        ),
        ("operational", "All Systems Operational", vec![ok()], vec![]),
        (
            "degraded",
            "Degraded Performance",
            vec![("slow", target.url("/slow"), "degraded_threshold_ms = 20")],
            vec![],
        ),
        ("partial", "Partial Outage", vec![ok(), bad()], vec![]),
        ("major", "Major Outage", vec![bad()], vec![]),
        (
            "maintenance",
            "Under Maintenance",
            vec![ok()],
            vec![in_window],
        ),
    ];
    for (overall, label, services, sql) in cases {
        let dir = tempfile::tempdir().expect("dir");
        seed(dir.path(), &sql);
        let app = start(dir.path(), &services).await;
        assert!(
            banner_is(&app, overall).await,
            "banner never became {overall}"
        );
        assert_eq!(app.status().await["status_label"], label);
        let (_, page) = app.get("/").await;
        assert!(
            page.contains(&format!(
                "class=\"banner {overall}\" role=\"status\" aria-live=\"polite\""
            )),
            "{overall}: banner markup missing"
        );
        assert!(
            page.contains(label),
            "{overall}: label missing from the page"
        );
        if overall == "partial" {
            let at = |name: &str| {
                let row = format!("data-service=\"{name}\"");
                page.find(&row).unwrap_or_else(|| panic!("no {name} row"))
            };
            assert!(
                at("bad") < at("ok"),
                "the service with a problem is listed first"
            );
        }
        app.stop().await;
    }
}

#[actix_web::test]
async fn uptime_comes_from_outages_over_the_monitored_time() {
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    // Monitored for the last 10 days (today and the 9 before); down 12 h five days ago.
    seed(
        dir.path(),
        &[
            "INSERT INTO monitored_services VALUES ('api', datetime(date('now', '-9 days')))".into(),
            "INSERT INTO outages (service_name, start_time, end_time, resolved, created_at, updated_at) \
             VALUES ('api', datetime(date('now', '-5 days'), '+6 hours'), datetime(date('now', '-5 days'), '+18 hours'), 1, datetime('now'), datetime('now'))"
                .into(),
        ],
    );
    let app = start(dir.path(), &[("api", target.url("/ok"), "")]).await;
    assert!(banner_is(&app, "operational").await);
    let api = &app.status().await["services"][0];
    assert_eq!(api["uptime_24h"], 100.0);
    let u30 = api["uptime_30d"].as_f64().expect("uptime_30d");
    assert!(
        u30 > 94.0 && u30 < 95.5,
        "12 h down in about 9.7 days: {u30}"
    );
    assert_eq!(
        api["uptime_30d"], api["uptime_90d"],
        "no data before monitoring began"
    );
    let (_, page) = app.get("/").await;
    let strip = page
        .split("class=\"uptime-bars\"")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .expect("strip");
    assert_eq!(strip.matches("status-nodata").count(), 80);
    assert_eq!(
        strip.matches("status-down").count(),
        1,
        "the day of the outage"
    );
    assert!(strip.contains("role=\"img\" aria-label=\"api, last 90 days: "));
    assert!(page.contains("class=\"uptime-legend\""));
    app.stop().await;
}

#[actix_web::test]
async fn incidents_and_maintenance_are_read_from_the_database_and_escaped() {
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    let hostile = "<script>alert(1)</script>";
    let app = start(dir.path(), &[(hostile, target.url("/ok"), "")]).await;
    assert!(banner_is(&app, "operational").await);
    let (_, page) = app.get("/").await;
    assert!(page.contains("No incidents reported recently"));
    assert!(page.contains("No maintenance scheduled"));

    seed(
        dir.path(),
        &[
            "INSERT INTO incidents (severity, text, active, created_at, updated_at) VALUES \
             ('high', 'Database <img src=x onerror=alert(2)> is slow', 1, datetime('now'), datetime('now'))"
                .into(),
            "INSERT INTO maintenance_windows (title, description, affected_services, start_time, end_time, active, created_at, updated_at) \
             VALUES ('Move <b>racks</b>', 'Brief pauses', '[]', datetime('now', '+1 day'), datetime('now', '+1 day', '+2 hours'), 1, datetime('now'), datetime('now'))"
                .into(),
        ],
    );
    assert!(
        banner_is(&app, "major").await,
        "an active high incident raises the banner"
    );
    let (_, page) = app.get("/").await;
    assert!(page.contains("Active Incidents"));
    assert!(page.contains("Database &lt;img src=x onerror=alert(2)&gt; is slow"));
    assert!(page.contains("Move &lt;b&gt;racks&lt;/b&gt;"));
    assert!(page.contains("Scheduled"));
    assert!(page.contains("data-service=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    assert!(
        !page.contains(hostile),
        "a service name reached the page unescaped"
    );
    assert!(!page.contains("<img src=x"));
    app.stop().await;
}

fn header(resp: &awc::ClientResponse<impl Sized>, name: &str) -> String {
    let value = resp.headers().get(name).and_then(|v| v.to_str().ok());
    value.unwrap_or_default().to_string()
}

#[actix_web::test]
async fn etags_headers_compression_and_assets() {
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    let app = start(dir.path(), &[("api", target.url("/ok"), "interval = 30")]).await;
    assert!(banner_is(&app, "operational").await);
    let client = awc::Client::default();
    for (path, cache) in [
        ("/", "public, max-age=15"),
        ("/api/status", "public, max-age=10"),
    ] {
        let url = format!("{}{path}", app.base);
        let first = client.get(&url).send().await.expect("get");
        assert_eq!(first.status(), 200);
        assert_eq!(header(&first, "cache-control"), cache);
        let etag = header(&first, "etag");
        assert!(etag.starts_with('"'), "{path}: no ETag");
        let again = client
            .get(&url)
            .insert_header(("If-None-Match", etag.as_str()))
            .send()
            .await
            .expect("get");
        assert_eq!(again.status(), 304, "{path}: If-None-Match ignored");
        assert_eq!(header(&first, "x-content-type-options"), "nosniff");
        assert_eq!(header(&first, "x-frame-options"), "DENY");
        assert!(header(&first, "content-security-policy").contains("script-src 'self'"));
        assert!(!header(&first, "referrer-policy").is_empty());
        assert!(first.headers().get("set-cookie").is_none());
    }
    let zipped = client
        .get(format!("{}/", app.base))
        .insert_header(("Accept-Encoding", "br"))
        .send()
        .await
        .expect("get");
    assert_eq!(header(&zipped, "content-encoding"), "br");
    // What browsers send: the page gzipped once per change, not per request.
    let mut browser = client
        .get(format!("{}/", app.base))
        .insert_header(("Accept-Encoding", "gzip, deflate, br"))
        .send()
        .await
        .expect("get");
    assert_eq!(header(&browser, "content-encoding"), "gzip");
    assert_eq!(header(&browser, "vary"), "Accept-Encoding");
    let body = browser.body().limit(1 << 22).await.expect("body");
    assert!(
        body.starts_with(b"<!DOCTYPE html>"),
        "awc decodes the gzip to the page"
    );
    let (_, page) = app.get("/").await;
    assert!(page.contains("<script src=\"/static/status.js\" defer>"));
    assert!(!page.contains("<script>"), "inline script on the page");
    let (code, js) = app.get("/static/status.js").await;
    assert_eq!(code, 200);
    assert!(js.contains("/api/status"));
    assert_eq!(app.get("/static/status.css").await.0, 200);
    let (code, icon) = app.get("/favicon.svg").await;
    assert_eq!(code, 200);
    assert!(
        icon.contains("#1e8e3e"),
        "operational favicon is green: {icon}"
    );
    assert!(app
        .get("/favicon.svg?status=major")
        .await
        .1
        .contains("#c5221f"));
    app.stop().await;
}
