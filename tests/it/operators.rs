//! Operators' powers through the CLI and the running app: maintenance holds alerts (and sends
//! the owed one when the window ends with the service still down), force-resolve forgets an
//! outage without a recovery alert and a still-failing service gets a new outage and alert,
//! and every change is audited.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::process::{free_port, Served};
use support::slack::{alerts, field};
use support::{column, eventually, FakeServer, Reply, TestApp};

const WAIT: Duration = Duration::from_secs(10);

fn config(dir: &Path, target: &FakeServer, slack: &FakeServer, threshold: u32) -> PathBuf {
    let db = support::sqlite_url(dir);
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = {threshold}\n\
         [slack]\nwebhook_url = \"{}\"\n[[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n\
         [[services]]\nname = \"web\"\nurl = \"{}\"\ntimeout = 1\n",
        slack.url("/hook"),
        target.url("/api"),
        target.url("/web")
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("config");
    path
}

/// Runs the real binary with `args` (off the runtime the fakes run on).
async fn cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let dir = dir.to_path_buf();
    let mut full: Vec<String> = vec!["--config".into(), "watchpost.toml".into()];
    full.extend(args.iter().map(|a| a.to_string()));
    let out = actix_web::rt::task::spawn_blocking(move || {
        let args: Vec<&str> = full.iter().map(String::as_str).collect();
        support::process::run(&dir, &args, &[])
    })
    .await
    .expect("cli");
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

fn at(offset: chrono::Duration) -> String {
    (chrono::Utc::now() + offset).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn start(dir: &Path) -> TestApp {
    let settings = support::settings(
        dir,
        &std::fs::read_to_string(dir.join("watchpost.toml")).expect("read"),
        &[],
    );
    TestApp::spawn(settings).await
}

#[actix_web::test]
async fn cli_manages_incidents_and_windows_and_reports_every_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    config(dir.path(), &target, &slack, 2);
    let (ok, out, _) = cli(
        dir.path(),
        &[
            "incident",
            "add",
            "--severity",
            "high",
            "--text",
            "Search is slow",
        ],
    )
    .await;
    assert!(ok);
    assert_eq!(out.trim(), "Incident 1 posted (high)");
    let (_, out, _) = cli(dir.path(), &["incident", "list"]).await;
    assert!(
        out.starts_with("1\thigh\tactive\t") && out.trim_end().ends_with("Search is slow"),
        "{out}"
    );
    let (ok, _, err) = cli(
        dir.path(),
        &["incident", "add", "--severity", "urgent", "--text", " "],
    )
    .await;
    assert!(!ok);
    assert!(
        err.contains("severity: \"urgent\" is not one of high, medium, resolved"),
        "{err}"
    );
    assert!(err.contains("text: must not be empty"), "{err}");
    assert_eq!(
        cli(dir.path(), &["incident", "resolve", "1"])
            .await
            .1
            .trim(),
        "Incident 1 resolved"
    );

    // A window a month ahead, so it is still "scheduled" whatever day the suite runs (a fixed
    // date became a past window once that day had gone by).
    let day = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let (two, four) = (format!("{day}T02:00Z"), format!("{day}T04:00Z"));
    let bad = [
        "maintenance",
        "add",
        "--title",
        "DB",
        "--start",
        four.as_str(),
        "--end",
        two.as_str(),
        "--services",
        "api,nope",
    ];
    let (ok, _, err) = cli(dir.path(), &bad).await;
    assert!(!ok);
    assert!(
        err.contains("services: unknown service(s) \"nope\"; configured: \"api\", \"web\""),
        "{err}"
    );
    assert!(err.contains("end: must be after start"), "{err}");
    let good = [
        "maintenance",
        "add",
        "--title",
        "DB",
        "--start",
        two.as_str(),
        "--end",
        four.as_str(),
        "--services",
        "api",
    ];
    let (ok, out, _) = cli(dir.path(), &good).await;
    assert!(ok);
    assert_eq!(
        out.trim(),
        format!("Maintenance window 1 scheduled: {day} 02:00:00 UTC to {day} 04:00:00 UTC")
    );
    assert!(cli(dir.path(), &["maintenance", "list"])
        .await
        .1
        .contains("1\tscheduled\t"));
    assert_eq!(
        cli(dir.path(), &["maintenance", "cancel", "1"])
            .await
            .1
            .trim(),
        "Maintenance window 1 cancelled"
    );
    assert!(cli(dir.path(), &["maintenance", "list"])
        .await
        .1
        .contains("1\tcancelled\t"));
    assert_eq!(
        cli(dir.path(), &["outage", "list", "--open"])
            .await
            .1
            .trim(),
        "No open outages"
    );

    let db = support::sqlite_url(dir.path());
    let audit = column(
        &db,
        "SELECT actor || ' ' || action AS v FROM audit_log ORDER BY id",
    );
    let audit: Vec<String> = audit.into_iter().flatten().collect();
    assert_eq!(
        audit,
        [
            "cli incident.create",
            "cli incident.update",
            "cli maintenance.create",
            "cli maintenance.update"
        ]
    );
}

#[actix_web::test]
async fn maintenance_holds_alerts_and_sends_the_owed_one_when_it_ends() {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/api", Reply::status(200));
    target.set("/web", Reply::status(200));
    config(dir.path(), &target, &slack, 1);
    // A window over "api" ending in 4 s, and one over "web" ending in 60 s.
    let window = |service: &str, secs: i64| {
        let (start, end) = (
            at(chrono::Duration::minutes(-1)),
            at(chrono::Duration::seconds(secs)),
        );
        (service.to_string(), start, end)
    };
    for (service, start, end) in [window("api", 4), window("web", 60)] {
        let args = [
            "maintenance",
            "add",
            "--title",
            "Work",
            "--start",
            &start,
            "--end",
            &end,
            "--services",
            &service,
        ];
        assert!(cli(dir.path(), &args).await.0);
    }
    let app = start(dir.path()).await;
    let shown = |name: &'static str, status: &'static str| {
        let app = &app;
        async move {
            let s = app.status().await;
            s["services"]
                .as_array()
                .expect("services")
                .iter()
                .any(|x| x["name"] == name && x["status"] == status)
        }
    };
    assert!(eventually(WAIT, || shown("api", "maintenance")).await);
    let db = support::sqlite_url(dir.path());
    // "web" goes down and comes back inside its window: nothing is sent.
    target.set("/web", Reply::status(503));
    let web_open = "SELECT service_name AS v FROM outages WHERE service_name = 'web'";
    assert!(eventually(WAIT, || async { column(&db, web_open).len() == 1 }).await);
    target.set("/web", Reply::status(200));
    let web_closed =
        "SELECT service_name AS v FROM outages WHERE service_name = 'web' AND end_time IS NOT NULL";
    assert!(eventually(WAIT, || async { column(&db, web_closed).len() == 1 }).await);
    // "api" goes down inside its window and is still down when the window ends.
    target.set("/api", Reply::status(503));
    let api_open = "SELECT CAST(start_time AS TEXT) AS v FROM outages WHERE service_name = 'api'";
    assert!(eventually(WAIT, || async { column(&db, api_open).len() == 1 }).await);
    assert_eq!(
        slack.hits("/hook"),
        0,
        "an alert escaped the maintenance window"
    );
    assert!(
        eventually(WAIT, || async { alerts(&slack, "Service Down").len() == 1 }).await,
        "no alert after the window"
    );
    let down = &alerts(&slack, "Service Down")[0];
    assert_eq!(down["text"], "🔴 Service Down: api");
    let start = column(&db, api_open)[0].clone().expect("start");
    assert_eq!(
        field(down, "Since"),
        format!("{} UTC", &start[..19]),
        "Since is the outage's start inside the window"
    );
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(slack.hits("/hook"), 1, "only the owed down alert");
    app.stop().await;
}

#[actix_web::test]
async fn force_resolve_forgets_the_outage_and_a_still_failing_service_opens_a_new_one() {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/api", Reply::status(503));
    target.set("/web", Reply::status(200));
    config(dir.path(), &target, &slack, 2);
    let app = start(dir.path()).await;
    assert!(eventually(WAIT, || async { alerts(&slack, "Service Down").len() == 1 }).await);
    // The alert may leave before its outage row is committed; the CLI reads the database.
    let db = support::sqlite_url(dir.path());
    let open = "SELECT id AS v FROM outages";
    assert!(eventually(WAIT, || async { column(&db, open).len() == 1 }).await);
    let (ok, out, err) = cli(dir.path(), &["outage", "resolve", "1"]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("Outage 1 of api resolved after "), "{out}");
    // Still failing: a new outage with its own down alert, and no recovery for the first.
    assert!(
        eventually(WAIT, || async { alerts(&slack, "Service Down").len() == 2 }).await,
        "no new down alert"
    );
    assert!(
        alerts(&slack, "Service Recovered").is_empty(),
        "a hand-resolved outage sent a recovery"
    );
    let rows = "SELECT id || ':' || COALESCE(resolved_by, '-') || ':' || (end_time IS NULL) AS v FROM outages ORDER BY id";
    let expected = [Some("1:cli:0".to_string()), Some("2:-:1".to_string())];
    eventually(WAIT, || async { column(&db, rows) == expected }).await;
    assert_eq!(column(&db, rows), expected);
    let (first, second) = (
        &alerts(&slack, "Service Down")[0],
        &alerts(&slack, "Service Down")[1],
    );
    assert_ne!(
        field(first, "Since"),
        field(second, "Since"),
        "the new outage has its own start"
    );
    // Recovery of the new outage is reported as usual.
    target.set("/api", Reply::status(200));
    assert!(
        eventually(WAIT, || async {
            alerts(&slack, "Service Recovered").len() == 1
        })
        .await
    );
    app.stop().await;
}

#[actix_web::test]
async fn an_outage_resolved_while_the_server_is_stopped_stays_resolved_after_the_restart() {
    // Separate processes: a TestApp's monitors live as long as the test's actix System.
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/api", Reply::status(503));
    target.set("/web", Reply::status(200));
    let config = config(dir.path(), &target, &slack, 1);
    let mut first = Served::start(dir.path(), &config, free_port()).await;
    assert!(eventually(WAIT, || async { alerts(&slack, "Service Down").len() == 1 }).await);
    let db = support::sqlite_url(dir.path());
    let sent = "SELECT state AS v FROM alert_outbox";
    assert!(
        eventually(WAIT, || async {
            column(&db, sent) == [Some("sent".to_string())]
        })
        .await
    );
    first.kill9();
    // The service is back, but its outage is still open: an operator resolves it.
    target.set("/api", Reply::status(200));
    let (ok, out, err) = cli(dir.path(), &["outage", "resolve", "1"]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("Outage 1 of api resolved after "));
    let _second = Served::start(dir.path(), &config, free_port()).await;
    let ups = "SELECT status AS v FROM health_checks WHERE status = 'up' AND service_name = 'api'";
    assert!(eventually(WAIT, || async { column(&db, ups).len() >= 3 }).await);
    assert!(
        alerts(&slack, "Service Recovered").is_empty(),
        "a recovery for a hand-resolved outage"
    );
    assert_eq!(slack.hits("/hook"), 1);
    let state = "SELECT CAST(consecutive_failures AS TEXT) || ':' || COALESCE(CAST(outage_start AS TEXT), '-') AS v FROM service_states WHERE service_name = 'api'";
    assert_eq!(column(&db, state), [Some("0:-".to_string())]);
}
