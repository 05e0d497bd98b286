//! `GET /metrics` through the app on port 0: per-service gauges for an up and a down target,
//! check counters growing, the outage start matching the first failure, an alert failure then
//! its delivery counted, backlog gauges, headers, and (when `promtool` is installed)
//! `promtool check metrics` accepting the body, hostile service name included.

use crate::support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{column, eventually, settings, FakeServer, Reply, TestApp};

const WAIT: Duration = Duration::from_secs(10);
/// A service name with quotes, a backslash and a line feed, escaped: TOML's basic strings and
/// the exposition format's label values escape these three the same way.
const ODD: &str = r#"odd \"quoted\" \\ name\nline two"#;

fn config(db: &str, target: &FakeServer, slack: &FakeServer) -> String {
    let mut toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
         [slack]\nwebhook_url = \"{}\"\n",
        slack.url("/hook")
    );
    for (name, path) in [("web", "/ok"), ("api", "/bad"), (ODD, "/ok")] {
        toml.push_str(&format!(
            "[[services]]\nname = \"{name}\"\nurl = \"{}\"\ntimeout = 1\n",
            target.url(path)
        ));
    }
    toml
}

/// The value of the sample `series` (name and labels exactly as rendered).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("sample value"))
}

fn header<S>(resp: &awc::ClientResponse<S>, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// `/metrics` body, with its headers checked.
async fn scrape(app: &TestApp) -> String {
    let mut resp = awc::Client::default()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("get /metrics");
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    assert_eq!(
        header(&resp, "content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = resp.body().limit(1 << 20).await.expect("body");
    String::from_utf8(body.to_vec()).expect("UTF-8")
}

/// `promtool check metrics` on `text`, when promtool is installed.
fn promtool_accepts(text: &str) {
    let spawned = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        eprintln!("promtool not installed: skipping `promtool check metrics`");
        return;
    };
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(text.as_bytes()).expect("write to promtool");
    drop(stdin);
    let out = child.wait_with_output().expect("promtool ran");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n--- body ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Unix seconds of a stored `YYYY-MM-DD HH:MM:SS...` time.
fn stored_seconds(stored: &Option<String>) -> i64 {
    let text = stored.as_deref().expect("time");
    chrono::NaiveDateTime::parse_from_str(&text[..19], "%Y-%m-%d %H:%M:%S")
        .expect("stored time")
        .and_utc()
        .timestamp()
}

#[actix_web::test]
async fn metrics_follow_checks_outages_and_alert_delivery() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    target.set("/ok", Reply::status(200).delayed(Duration::from_millis(20)));
    target.set("/bad", Reply::status(503));
    slack.script("/hook", vec![Reply::status(500), Reply::status(200)]);
    let app = TestApp::spawn(settings(dir.path(), &config(&db, &target, &slack), &[])).await;

    let text = scrape(&app).await;
    for series in [
        "watchpost_alert_outbox_backlog",
        "watchpost_persistence_backlog",
    ] {
        assert!(value(&text, series).is_some(), "no {series} in\n{text}");
    }
    let up = |name: &str| format!("watchpost_service_up{{service=\"{name}\"}}");
    let (web_up, api_up, odd_up) = (up("web"), up("api"), up(ODD));
    let both = || async {
        let text = scrape(&app).await;
        value(&text, &web_up) == Some(1.0)
            && value(&text, &api_up) == Some(0.0)
            && value(&text, &odd_up) == Some(1.0)
    };
    assert!(eventually(WAIT, both).await, "{}", scrape(&app).await);

    let delivered = || async {
        let text = scrape(&app).await;
        value(&text, "watchpost_alert_deliveries_total") == Some(1.0)
    };
    assert!(eventually(WAIT, delivered).await, "{}", scrape(&app).await);
    assert_eq!(slack.hits("/hook"), 2);
    let text = scrape(&app).await;
    assert_eq!(
        value(&text, "watchpost_alert_delivery_failures_total"),
        Some(1.0)
    );
    assert_eq!(value(&text, "watchpost_alerts_given_up_total"), Some(0.0));
    assert_eq!(value(&text, "watchpost_alert_outbox_backlog"), Some(0.0));

    let rt = value(
        &text,
        "watchpost_service_response_time_seconds{service=\"web\"}",
    );
    assert!(rt.expect("web response time") >= 0.02, "{text}");
    assert!(value(
        &text,
        "watchpost_service_last_check_timestamp_seconds{service=\"api\"}"
    )
    .is_some());
    assert!(value(
        &text,
        "watchpost_service_status{service=\"api\",status=\"down\"}"
    )
    .is_some_and(|v| v == 1.0));
    let start = "watchpost_service_outage_start_timestamp_seconds";
    assert!(value(&text, &format!("{start}{{service=\"web\"}}")).is_none());
    let since = value(&text, &format!("{start}{{service=\"api\"}}")).expect("outage start");
    let first_failure = "SELECT CAST(checked_at AS TEXT) AS v FROM health_checks \
                         WHERE service_name = 'api' ORDER BY checked_at";
    assert!(eventually(WAIT, || async { !column(&db, first_failure).is_empty() }).await);
    assert_eq!(
        since.floor() as i64,
        stored_seconds(&column(&db, first_failure)[0]),
        "outage start is not the first failure"
    );

    let count = |text: &str, result: &str| {
        value(
            text,
            &format!("watchpost_checks_total{{result=\"{result}\"}}"),
        )
        .expect("count")
    };
    let (ups, downs) = (count(&text, "up"), count(&text, "down"));
    assert!(ups >= 2.0 && downs >= 1.0, "{text}");
    assert_eq!(count(&text, "inconclusive"), 0.0);
    let grew = || async {
        let later = scrape(&app).await;
        count(&later, "up") > ups && count(&later, "down") > downs
    };
    assert!(eventually(WAIT, grew).await, "checks_total did not grow");

    promtool_accepts(&scrape(&app).await);
    app.stop().await;
}
