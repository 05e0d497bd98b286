//! The probes through the real app (DESIGN.md §3.1): each test configures services against fake
//! targets and checks what an operator sees, `/api/status` and the `health_checks` rows.

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::fake::Recorded;
use support::{column, eventually, FakeServer, Reply, TestApp};

/// Global check settings of every test: short cycles, one attempt, confirmed down at once.
const CHECKS: &str = "interval = 0.3\nretries = 1\nretry_delay = 0.1\nfailure_threshold = 1\n";

/// A `[[services]]` table with `extra` lines (TOML) after its name and URL.
fn service(name: &str, url: &str, extra: &str) -> String {
    format!("[[services]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n")
}

/// The app running with `services`, its database URL and its directory.
struct Running {
    app: TestApp,
    db: String,
    _dir: tempfile::TempDir,
}

async fn spawn(services: &[String]) -> Running {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\n{CHECKS}{}",
        services.concat()
    );
    let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
    Running { app, db, _dir: dir }
}

/// One column of `name`'s stored checks, oldest first.
fn rows(db: &str, name: &str, col: &str) -> Vec<Option<String>> {
    column(
        db,
        &format!(
            "SELECT CAST({col} AS TEXT) AS v FROM health_checks \
             WHERE service_name = '{name}' ORDER BY id"
        ),
    )
}

/// One column of `name`'s first stored check.
fn first(db: &str, name: &str, col: &str) -> Option<String> {
    rows(db, name, col).into_iter().next().flatten()
}

/// True once `name` has at least `n` stored checks (waiting up to `within`).
async fn stored(db: &str, name: &str, n: usize, within: Duration) -> bool {
    eventually(within, || async { rows(db, name, "status").len() >= n }).await
}

/// `name`'s entry in `/api/status`.
async fn public(app: &TestApp, name: &str) -> Value {
    let status = app.status().await;
    let services = status["services"].as_array().expect("services");
    let found = services.iter().find(|s| s["name"] == name);
    found.cloned().expect("service listed")
}

/// True once `/api/status` shows `name` as `status` (waiting up to 5 s).
async fn shown(app: &TestApp, name: &str, status: &str) -> bool {
    eventually(Duration::from_secs(5), || async {
        public(app, name).await["status"] == status
    })
    .await
}

/// Each gap between consecutive arrivals, in milliseconds.
fn gaps_ms(requests: &[Recorded]) -> Vec<u128> {
    let gap = |w: &[Recorded]| w[1].at.duration_since(w[0].at).as_millis();
    requests.windows(2).map(gap).collect()
}

#[actix_web::test]
async fn answering_200_is_up_with_its_response_time_and_recorded() {
    let target = FakeServer::start();
    let reply = Reply::status(200).delayed(Duration::from_millis(50));
    target.set("/health", reply);
    let t = spawn(&[service("api", &target.url("/health"), "")]).await;
    assert!(shown(&t.app, "api", "up").await);
    let ms = public(&t.app, "api").await["response_time_ms"].as_u64();
    assert!(ms.expect("response_time_ms") >= 50, "{ms:?} ms");
    assert!(stored(&t.db, "api", 1, Duration::from_secs(5)).await);
    assert_eq!(first(&t.db, "api", "status").as_deref(), Some("up"));
    assert_eq!(first(&t.db, "api", "status_code").as_deref(), Some("200"));
    assert_eq!(first(&t.db, "api", "error_message"), None);
    let stored_ms: u64 = first(&t.db, "api", "response_time_ms")
        .expect("stored response time")
        .parse()
        .expect("number");
    assert!(stored_ms >= 50, "stored {stored_ms} ms");
}

#[actix_web::test]
async fn answering_503_is_down_with_the_expected_error_and_hint() {
    let target = FakeServer::start();
    target.set("/health", Reply::status(503));
    let t = spawn(&[service("api", &target.url("/health"), "")]).await;
    assert!(stored(&t.db, "api", 1, Duration::from_secs(5)).await);
    assert_eq!(first(&t.db, "api", "status").as_deref(), Some("down"));
    let error = first(&t.db, "api", "error_message");
    assert_eq!(error.as_deref(), Some("Expected 200, got 503"));
    assert_eq!(first(&t.db, "api", "status_code").as_deref(), Some("503"));
    assert!(shown(&t.app, "api", "down").await);
    let detail = public(&t.app, "api").await["detail"].clone();
    assert_eq!(detail, "Unexpected response (HTTP 503)");
}

#[actix_web::test]
async fn the_timeout_ends_an_attempt_long_before_a_slow_reply() {
    let target = FakeServer::start();
    target.set("/slow", Reply::status(200).delayed(Duration::from_secs(3)));
    let started = Instant::now();
    let extra = "timeout = 0.3\ninterval = 0.5";
    let t = spawn(&[service("api", &target.url("/slow"), extra)]).await;
    // Bound on behaviour: a 3 s reply cannot produce a row within 2 s unless the timeout cut it.
    assert!(stored(&t.db, "api", 1, Duration::from_secs(2)).await);
    assert!(started.elapsed() < Duration::from_secs(3));
    let error = first(&t.db, "api", "error_message").expect("error");
    assert!(error.starts_with("Request timed out"), "{error}");
    assert_eq!(first(&t.db, "api", "status").as_deref(), Some("down"));
    assert_eq!(first(&t.db, "api", "status_code"), None);
    assert!(shown(&t.app, "api", "down").await);
    assert_eq!(public(&t.app, "api").await["detail"], "Request timed out");
}

#[actix_web::test]
async fn a_refused_connection_is_a_connection_error() {
    let port = support::process::free_port();
    let url = format!("http://127.0.0.1:{port}/health");
    let t = spawn(&[service("api", &url, "")]).await;
    assert!(stored(&t.db, "api", 1, Duration::from_secs(5)).await);
    let error = first(&t.db, "api", "error_message").expect("error");
    assert!(error.starts_with("Connection error"), "{error}");
    assert_eq!(first(&t.db, "api", "status_code"), None);
    assert!(shown(&t.app, "api", "down").await);
    assert_eq!(public(&t.app, "api").await["detail"], "Service unreachable");
}

#[actix_web::test]
async fn post_sends_the_request_body_as_json() {
    let target = FakeServer::start();
    target.set("/submit", Reply::status(200));
    let extra = "method = \"POST\"\n\
                 request_body = { text = { title = \"\", body = \"Job 1:1\" }, limit = 3 }";
    let t = spawn(&[service("api", &target.url("/submit"), extra)]).await;
    assert!(shown(&t.app, "api", "up").await);
    let sent = target.requests("/submit");
    let request = sent.first().expect("a request");
    assert_eq!(request.method, "POST");
    let content_type = request.headers.get("content-type").map(String::as_str);
    assert_eq!(content_type, Some("application/json"));
    let expected = json!({"text": {"title": "", "body": "Job 1:1"}, "limit": 3});
    assert_eq!(request.json(), expected);
}

#[actix_web::test]
async fn retries_are_attempts_in_total_and_keep_the_last_error() {
    let target = FakeServer::start();
    let failing = [500, 502, 503].map(Reply::status).to_vec();
    target.script("/health", failing);
    let extra = "interval = 30\nretries = 3\nretry_delay = 0.1";
    let t = spawn(&[service("api", &target.url("/health"), extra)]).await;
    assert!(stored(&t.db, "api", 1, Duration::from_secs(5)).await);
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(target.hits("/health"), 3, "three attempts, not 1 + 3");
    assert_eq!(rows(&t.db, "api", "status"), vec![Some("down".into())]);
    let error = first(&t.db, "api", "error_message");
    assert_eq!(error.as_deref(), Some("Expected 200, got 503"));
    assert_eq!(first(&t.db, "api", "status_code").as_deref(), Some("503"));
    let gaps = gaps_ms(&target.requests("/health"));
    assert!(gaps.iter().all(|g| *g >= 100), "gaps {gaps:?} ms");
}

#[actix_web::test]
async fn a_later_attempt_succeeding_makes_the_cycle_up() {
    let target = FakeServer::start();
    let replies = [503, 503, 200].map(Reply::status).to_vec();
    target.script("/health", replies);
    let extra = "interval = 30\nretries = 3\nretry_delay = 0.1";
    let t = spawn(&[service("api", &target.url("/health"), extra)]).await;
    assert!(stored(&t.db, "api", 1, Duration::from_secs(5)).await);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(target.hits("/health"), 3);
    assert_eq!(rows(&t.db, "api", "status"), vec![Some("up".into())]);
    assert_eq!(first(&t.db, "api", "status_code").as_deref(), Some("200"));
    let gaps = gaps_ms(&target.requests("/health"));
    assert!(gaps.iter().all(|g| *g >= 100), "gaps {gaps:?} ms");
    assert!(shown(&t.app, "api", "up").await);
}

#[actix_web::test]
async fn services_are_checked_in_parallel() {
    let target = FakeServer::start();
    let paths: Vec<String> = (0..4).map(|i| format!("/slow{i}")).collect();
    let mut services = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        target.set(path, Reply::status(200).delayed(Duration::from_secs(1)));
        let extra = "interval = 0.4\ntimeout = 3";
        services.push(service(&format!("s{i}"), &target.url(path), extra));
    }
    let t = spawn(&services).await;
    let all_hit = || async { paths.iter().all(|p| target.hits(p) > 0) };
    assert!(eventually(Duration::from_secs(3), all_hit).await);
    let arrivals: Vec<Instant> = paths.iter().map(|p| target.requests(p)[0].at).collect();
    let (min, max) = (arrivals.iter().min(), arrivals.iter().max());
    let spread = max.expect("max").duration_since(*min.expect("min"));
    // Each reply takes 1 s: sequential checks could not start four within 1 s.
    assert!(
        spread < Duration::from_secs(1),
        "first requests {spread:?} apart"
    );
    for i in 0..4 {
        assert!(shown(&t.app, &format!("s{i}"), "up").await, "s{i} up");
    }
}

#[actix_web::test]
async fn redirects_are_followed_only_when_asked_and_loops_are_bounded() {
    let target = FakeServer::start();
    let moved = |to: &str| Reply::status(302).with_header("Location", to);
    target.set("/moved", moved("/final"));
    target.set("/final", Reply::status(200));
    target.set("/moved2", moved("/final2"));
    target.set("/final2", Reply::status(200));
    target.set("/loop", moved("/loop"));
    let follow = "follow_redirects = true";
    let t = spawn(&[
        service("follow", &target.url("/moved"), follow),
        service("stay", &target.url("/moved2"), ""),
        service("loop", &target.url("/loop"), follow),
    ])
    .await;
    for name in ["follow", "stay", "loop"] {
        assert!(
            stored(&t.db, name, 1, Duration::from_secs(5)).await,
            "{name}"
        );
    }
    assert!(shown(&t.app, "follow", "up").await);
    assert!(target.hits("/final") > 0);
    assert_eq!(
        first(&t.db, "follow", "status_code").as_deref(),
        Some("200")
    );

    assert!(shown(&t.app, "stay", "down").await);
    let error = first(&t.db, "stay", "error_message");
    assert_eq!(error.as_deref(), Some("Expected 200, got 302"));
    assert_eq!(first(&t.db, "stay", "status_code").as_deref(), Some("302"));
    assert_eq!(target.hits("/final2"), 0, "not followed by default");

    assert!(shown(&t.app, "loop", "down").await);
    let error = first(&t.db, "loop", "error_message").expect("error");
    assert!(error.starts_with("HTTP error:"), "{error}");
    assert_eq!(first(&t.db, "loop", "status_code").as_deref(), Some("302"));
    assert_eq!(
        public(&t.app, "loop").await["detail"],
        "Not responding correctly"
    );
}

#[actix_web::test]
async fn a_huge_body_costs_one_bounded_check_and_checking_goes_on() {
    let target = FakeServer::start();
    let body = "x".repeat(3 * 1024 * 1024);
    target.set("/big", Reply::status(200).with_body(body));
    let t = spawn(&[service("api", &target.url("/big"), "")]).await;
    assert!(stored(&t.db, "api", 2, Duration::from_secs(5)).await);
    // A standard check only needs the status: the body is cut off at 1 MiB, the check is up.
    let statuses = rows(&t.db, "api", "status");
    assert!(
        statuses.iter().all(|s| s.as_deref() == Some("up")),
        "{statuses:?}"
    );
    let codes = rows(&t.db, "api", "status_code");
    assert!(
        codes.iter().all(|c| c.as_deref() == Some("200")),
        "{codes:?}"
    );
    assert!(target.hits("/big") >= 2);
    assert!(shown(&t.app, "api", "up").await);
}

/// What one two-phase cycle left behind.
struct TwoPhase {
    status: Option<String>,
    code: Option<String>,
    error: Option<String>,
    detail: Value,
    submits: Vec<Recorded>,
    polls: usize,
}

/// One cycle (interval 30 s) of a two-phase service: `/submit` answers `submit`, the task
/// `t1` at the configured base `/tasks/` answers `polls` in turn; 3 polls 50 ms apart.
async fn two_phase(submit: Reply, polls: Vec<Reply>) -> TwoPhase {
    let fake = FakeServer::start();
    fake.set("/submit", submit);
    fake.script("/tasks/t1", polls);
    let extra = format!(
        "check_type = \"async_two_phase\"\ninterval = 30\ntimeout = 1\n\
         request_body = {{ text = \"Job 1:1\" }}\n\
         async_verification = {{ base_url = \"{}\", max_poll_attempts = 3, poll_interval = 0.05 }}",
        fake.url("/tasks/")
    );
    let t = spawn(&[service("linker", &fake.url("/submit"), &extra)]).await;
    assert!(stored(&t.db, "linker", 1, Duration::from_secs(5)).await);
    let checked = || async { public(&t.app, "linker").await["status"] != "unknown" };
    assert!(eventually(Duration::from_secs(5), checked).await);
    TwoPhase {
        status: first(&t.db, "linker", "status"),
        code: first(&t.db, "linker", "status_code"),
        error: first(&t.db, "linker", "error_message"),
        detail: public(&t.app, "linker").await["detail"].clone(),
        submits: fake.requests("/submit"),
        polls: fake.hits("/tasks/t1"),
    }
}

fn accepted(body: Value) -> Reply {
    Reply::json(202, body)
}

fn task(body: Value) -> Reply {
    Reply::json(200, body)
}

#[actix_web::test]
async fn two_phase_success_polls_the_configured_base_until_a_result() {
    let polls = vec![
        task(json!({"state": "PENDING"})),
        task(json!({"state": "SUCCESS", "result": {"answer": 42}})),
    ];
    let r = two_phase(accepted(json!({"task_id": "t1"})), polls).await;
    assert_eq!(r.status.as_deref(), Some("up"));
    assert_eq!(
        r.code.as_deref(),
        Some("200"),
        "the final poll's status, which is what the check confirmed"
    );
    assert_eq!(r.error, None);
    assert_eq!(r.polls, 2, "polled until SUCCESS, then stopped");
    let submit = r.submits.first().expect("phase 1 request");
    assert_eq!(submit.method, "POST");
    assert_eq!(submit.json(), json!({"text": "Job 1:1"}));
}

#[actix_web::test]
async fn two_phase_failure_carries_the_task_error() {
    let polls = vec![task(json!({"state": "FAILURE", "error": "model crashed"}))];
    let r = two_phase(accepted(json!({"task_id": "t1"})), polls).await;
    assert_eq!(r.status.as_deref(), Some("down"));
    let error = r.error.as_deref();
    assert_eq!(error, Some("Phase 2: task failed - model crashed"));
    assert_eq!(r.polls, 1);
    assert_eq!(r.detail, "Not responding correctly");
}

#[actix_web::test]
async fn two_phase_success_with_an_empty_result_is_down() {
    let polls = vec![task(json!({"state": "SUCCESS", "result": {}}))];
    let r = two_phase(accepted(json!({"task_id": "t1"})), polls).await;
    assert_eq!(r.status.as_deref(), Some("down"));
    let error = r.error.as_deref();
    assert_eq!(
        error,
        Some("Phase 2: task succeeded but returned empty result")
    );
    assert_eq!(r.polls, 1);
}

#[actix_web::test]
async fn two_phase_gives_up_after_max_poll_attempts() {
    let polls = vec![task(json!({"state": "PENDING"}))];
    let r = two_phase(accepted(json!({"task_id": "t1"})), polls).await;
    assert_eq!(r.status.as_deref(), Some("down"));
    let error = r.error.as_deref();
    assert_eq!(
        error,
        Some("Phase 2: task processing timeout after 3 polls")
    );
    assert_eq!(r.polls, 3);
    assert_eq!(r.code.as_deref(), Some("202"));
}

#[actix_web::test]
async fn two_phase_phase_one_must_answer_the_expected_status() {
    let polls = vec![task(json!({"state": "SUCCESS", "result": {"answer": 42}}))];
    let r = two_phase(Reply::json(200, json!({"task_id": "t1"})), polls).await;
    assert_eq!(r.status.as_deref(), Some("down"));
    let error = r.error.as_deref();
    assert_eq!(error, Some("Phase 1 failed: expected 202, got 200"));
    assert_eq!(r.code.as_deref(), Some("200"));
    assert_eq!(r.polls, 0);
    assert_eq!(r.detail, "Not responding correctly");
}

#[actix_web::test]
async fn two_phase_phase_one_must_name_a_task() {
    let polls = vec![task(json!({"state": "SUCCESS", "result": {"answer": 42}}))];
    let r = two_phase(accepted(json!({"status": "queued"})), polls).await;
    assert_eq!(r.status.as_deref(), Some("down"));
    let error = r.error.as_deref();
    assert_eq!(error, Some("Phase 1 failed: no task_id in response"));
    assert_eq!(r.polls, 0);
}

#[actix_web::test]
async fn fresh_connection_opens_a_connection_per_attempt_and_the_default_reuses_one() {
    let target = FakeServer::start();
    target.set("/fresh", Reply::status(200));
    target.set("/reused", Reply::status(200));
    let t = spawn(&[
        service("fresh", &target.url("/fresh"), "fresh_connection = true"),
        service("reused", &target.url("/reused"), ""),
    ])
    .await;
    let enough = || async { target.hits("/fresh") >= 4 && target.hits("/reused") >= 4 };
    assert!(eventually(Duration::from_secs(5), enough).await);
    let ports = |path: &str| -> Vec<u16> {
        let requests = target.requests(path);
        requests
            .iter()
            .filter_map(|r| r.peer.map(|a| a.port()))
            .collect()
    };
    let fresh = ports("/fresh");
    let mut distinct = fresh.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), fresh.len(), "a port used twice: {fresh:?}");
    let reused = ports("/reused");
    let repeats = reused.windows(2).filter(|w| w[0] == w[1]).count();
    assert!(repeats > 0, "no connection reused: {reused:?}");
    assert!(shown(&t.app, "fresh", "up").await);
}
