//! Outages and Slack alerts through the app on port 0: a blip alerts nobody, a confirmed outage
//! alerts once from its first failure, a recovery reports the downtime, Slack failures delay an
//! alert without doubling it; the status API while all this happens. SQLite, and PostgreSQL
//! when TEST_DATABASE_URL is set.

use crate::support;

use std::time::{Duration, Instant};
use support::slack::{alerts, field, seconds_of};
use support::{column, eventually, settings, FakeServer, Reply, TestApp};

const WAIT: Duration = Duration::from_secs(10);

/// Config for `services` (name, url) checked every 0.2 s, one attempt per cycle.
fn config(db: &str, slack: &FakeServer, threshold: u32, services: &[(&str, String)]) -> String {
    let mut toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = {threshold}\n\
         [slack]\nwebhook_url = \"{}\"\n",
        slack.url("/hook")
    );
    for (name, url) in services {
        toml.push_str(&format!(
            "[[services]]\nname = \"{name}\"\nurl = \"{url}\"\ntimeout = 1\n"
        ));
    }
    toml
}

/// The first 19 characters (`YYYY-MM-DD HH:MM:SS`) of a stored time, as Slack shows it.
fn slack_time(stored: &Option<String>) -> String {
    format!("{} UTC", &stored.as_deref().expect("time")[..19])
}

fn header<S>(resp: &awc::ClientResponse<S>, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn service<'a>(status: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    status["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no service {name} in {status}"))
}

async fn outage_lifecycle(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/steady", Reply::status(200));
    // A blip of two failures under a threshold of three.
    let blip = vec![Reply::status(200), Reply::status(503), Reply::status(503)];
    target.script("/api", [blip, vec![Reply::status(200)]].concat());
    let services = [
        ("api", target.url("/api")),
        ("steady", target.url("/steady")),
    ];
    let app = TestApp::spawn(settings(
        dir.path(),
        &config(&db, &slack, 3, &services),
        &[],
    ))
    .await;

    let checks = "SELECT status AS v FROM health_checks WHERE service_name = 'api'";
    assert!(eventually(WAIT, || async { column(&db, checks).len() >= 6 }).await);
    assert_eq!(slack.hits("/hook"), 0, "a blip under the threshold alerted");
    assert!(column(&db, "SELECT service_name AS v FROM outages").is_empty());
    assert_eq!(service(&app.status().await, "api")["status"], "up");

    target.set("/api", Reply::status(503));
    let down = || async { alerts(&slack, "Service Down").len() == 1 };
    assert!(eventually(WAIT, down).await, "no down alert");
    // An alert goes out once its outbox row is handed to Persistence, not once it is committed
    // (alerts must not wait for a slow database), so the stored outage may trail it briefly.
    let opened = "SELECT service_name AS v FROM outages";
    assert!(eventually(WAIT, || async { column(&db, opened).len() == 1 }).await);
    let first_failure = column(
        &db,
        "SELECT CAST(checked_at AS TEXT) AS v FROM health_checks WHERE service_name = 'api' \
         AND status = 'down' AND checked_at > (SELECT MAX(checked_at) FROM health_checks \
         WHERE service_name = 'api' AND status = 'up') ORDER BY checked_at",
    );
    assert!(
        first_failure.len() >= 3,
        "alerted before the threshold: {first_failure:?}"
    );
    let down_alert = &alerts(&slack, "Service Down")[0];
    assert_eq!(down_alert["text"], "🔴 Service Down: api");
    assert_eq!(field(down_alert, "Since"), slack_time(&first_failure[0]));
    assert_eq!(field(down_alert, "HTTP Code"), "503");
    assert_eq!(field(down_alert, "Error"), "Expected 200, got 503");
    let start = column(&db, "SELECT CAST(start_time AS TEXT) AS v FROM outages");
    assert_eq!(start.len(), 1);
    assert_eq!(slack_time(&start[0]), slack_time(&first_failure[0]));

    let status = app.status().await;
    assert_eq!(status["overall_status"], "partial");
    assert_eq!(status["status_label"], "Partial Outage");
    assert_eq!(service(&status, "api")["status"], "down");
    assert_eq!(
        service(&status, "api")["detail"],
        "Unexpected response (HTTP 503)"
    );
    assert_eq!(service(&status, "steady")["status"], "up");

    // More failed cycles: still one alert.
    let downs = column(&db, checks).len();
    assert!(eventually(WAIT, || async { column(&db, checks).len() >= downs + 4 }).await);
    assert_eq!(
        alerts(&slack, "Service Down").len(),
        1,
        "down alert repeated"
    );

    target.set(
        "/api",
        Reply::status(200).delayed(Duration::from_millis(20)),
    );
    let recovered = || async { alerts(&slack, "Service Recovered").len() == 1 };
    assert!(eventually(WAIT, recovered).await, "no recovery alert");
    let alert = &alerts(&slack, "Service Recovered")[0];
    assert_eq!(alert["text"], "🟢 Service Recovered: api");
    let closed = "SELECT CAST(end_time AS TEXT) AS v FROM outages WHERE resolved = TRUE";
    eventually(WAIT, || async { !column(&db, closed).is_empty() }).await;
    let ended = column(&db, closed);
    assert_eq!(ended.len(), 1, "the outage was not closed");
    assert_eq!(field(alert, "Recovered"), slack_time(&ended[0]));
    let stored_start =
        chrono::NaiveDateTime::parse_from_str(&slack_time(&start[0]), "%Y-%m-%d %H:%M:%S UTC");
    let stored_end =
        chrono::NaiveDateTime::parse_from_str(&slack_time(&ended[0]), "%Y-%m-%d %H:%M:%S UTC");
    let expected = (stored_end.expect("end") - stored_start.expect("start")).num_seconds();
    let downtime = seconds_of(&field(alert, "Downtime"));
    assert!(
        (downtime - expected).abs() <= 1,
        "downtime {downtime}s, outage {expected}s"
    );
    assert!(field(alert, "Response Time").ends_with("ms"));

    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        slack.hits("/hook"),
        2,
        "exactly one down and one recovery alert"
    );
    let outbox = "SELECT state AS v FROM alert_outbox";
    assert!(
        eventually(WAIT, || async {
            column(&db, outbox) == [Some("sent".into()), Some("sent".into())]
        })
        .await
    );
    assert_eq!(app.status().await["overall_status"], "operational");
    app.stop().await;
}

#[actix_web::test]
async fn blip_alerts_nobody_outage_alerts_once_recovery_reports_downtime_sqlite() {
    outage_lifecycle(false).await;
}

#[actix_web::test]
async fn blip_alerts_nobody_outage_alerts_once_recovery_reports_downtime_postgres() {
    outage_lifecycle(true).await;
}

async fn slack_failing_then_answering(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.script(
        "/hook",
        vec![Reply::status(500), Reply::status(500), Reply::status(200)],
    );
    target.set("/api", Reply::status(503));
    let services = [("api", target.url("/api"))];
    let app = TestApp::spawn(settings(
        dir.path(),
        &config(&db, &slack, 1, &services),
        &[],
    ))
    .await;

    assert!(eventually(WAIT, || async { slack.hits("/hook") >= 3 }).await);
    let outbox = "SELECT state AS v FROM alert_outbox";
    assert!(
        eventually(WAIT, || async {
            column(&db, outbox) == [Some("sent".into())]
        })
        .await
    );
    // Backoff 1 s then 2 s: wait past when a fourth post would come.
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    let posts = slack.requests("/hook");
    assert_eq!(posts.len(), 3, "delivered more than once");
    assert!(
        posts.iter().all(|p| p.body == posts[0].body),
        "retries changed the payload"
    );
    assert_eq!(posts[0].json()["text"], "🔴 Service Down: api");
    assert!(
        posts[1].at - posts[0].at >= Duration::from_millis(900),
        "no backoff"
    );
    assert_eq!(app.status().await["services"][0]["status"], "down");
    app.stop().await;
}

#[actix_web::test]
async fn slack_500_then_200_delivers_the_alert_exactly_once_sqlite() {
    slack_failing_then_answering(false).await;
}

#[actix_web::test]
async fn slack_500_then_200_delivers_the_alert_exactly_once_postgres() {
    slack_failing_then_answering(true).await;
}

#[actix_web::test]
async fn slack_429_retry_after_is_honoured() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    let busy = Reply::status(429).with_header("Retry-After", "3");
    slack.script("/hook", vec![busy, Reply::status(200)]);
    target.set("/api", Reply::status(503));
    let services = [("api", target.url("/api"))];
    let app = TestApp::spawn(settings(
        dir.path(),
        &config(&db, &slack, 1, &services),
        &[],
    ))
    .await;

    assert!(eventually(WAIT, || async { slack.hits("/hook") >= 2 }).await);
    let posts = slack.requests("/hook");
    let gap = posts[1].at - posts[0].at;
    assert!(
        gap >= Duration::from_millis(2900),
        "retried after {gap:?}, Retry-After was 3 s"
    );
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(slack.hits("/hook"), 2);
    app.stop().await;
}

#[actix_web::test]
async fn without_a_webhook_alerts_are_recorded_as_skipped() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let target = FakeServer::start();
    target.set("/api", Reply::status(503));
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\n",
        target.url("/api")
    );
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let outbox = "SELECT kind || ':' || state AS v FROM alert_outbox";
    assert!(
        eventually(WAIT, || async {
            column(&db, outbox) == [Some("down:skipped".into())]
        })
        .await
    );
    assert_eq!(app.status().await["overall_status"], "major");
    assert_eq!(app.status().await["status_label"], "Major Outage");
    app.stop().await;
}

#[actix_web::test]
async fn status_api_before_and_after_the_first_result() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let slack = FakeServer::start();
    let target = FakeServer::start();
    target.set(
        "/slow",
        Reply::status(200).delayed(Duration::from_millis(1500)),
    );
    let services = [("slow", target.url("/slow"))];
    let toml = config(&db, &slack, 2, &services).replace("timeout = 1", "timeout = 5");
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let client = awc::Client::default();

    let mut resp = client
        .get(format!("{}/api/status", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "cache-control"), "public, max-age=10");
    assert!(header(&resp, "content-type").starts_with("application/json"));
    let body: serde_json::Value =
        serde_json::from_slice(&resp.body().await.expect("body")).expect("json");
    assert_eq!(body["overall_status"], "unknown");
    assert_eq!(body["status_label"], "Checking…");
    assert_eq!(body["services"][0]["name"], "slow");
    assert_eq!(body["services"][0]["status"], "unknown");
    for key in ["last_checked", "services"] {
        assert!(body.get(key).is_some(), "no {key} in {body}");
    }
    let (code, page) = app.get("/").await;
    assert_eq!(code, 200);
    assert!(page.contains("data-service=\"slow\""));
    assert!(page.contains("Checking…"));

    let up = || async { app.status().await["services"][0]["status"] == "up" };
    assert!(eventually(WAIT, up).await);
    let with_slash = app.get("/api/status/").await;
    assert_eq!(with_slash.0, 200);
    let body: serde_json::Value = serde_json::from_str(&with_slash.1).expect("json");
    assert_eq!(body["overall_status"], "operational");
    assert!(
        body["services"][0]["response_time_ms"]
            .as_u64()
            .expect("ms")
            >= 1500
    );
    assert!(body["last_checked"].is_string());
    let mut health = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(header(&health, "cache-control"), "no-store");
    assert_eq!(health.body().await.expect("body"), "ok");
    app.stop().await;
}

#[actix_web::test]
async fn a_slow_service_does_not_delay_the_others() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let slack = FakeServer::start();
    let target = FakeServer::start();
    target.set("/hang", Reply::status(200).delayed(Duration::from_secs(30)));
    target.set("/fast", Reply::status(200));
    let services = [("hang", target.url("/hang")), ("fast", target.url("/fast"))];
    let toml = config(&db, &slack, 2, &services).replace("timeout = 1", "timeout = 3");
    let started = Instant::now();
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    assert!(eventually(WAIT, || async { target.hits("/fast") >= 5 }).await);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the fast service waited for the slow one"
    );
    assert_eq!(
        target.hits("/hang"),
        1,
        "a cycle of the hanging service overlapped the next"
    );
    app.stop().await;
}
