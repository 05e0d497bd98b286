//! What a hostile or broken target can make Watchpost keep, log and send, through the real
//! binary: error text capped at 1 KiB and escaped in log lines, the checks endpoint's memory
//! bounded, Slack mrkdwn escaped, response times only for answers, and a two-phase check's
//! stored status the final poll's.

use crate::support;

use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::process::{free_port, Served};
use support::slack::{alerts, field};
use support::{column, eventually, FakeServer, Reply};

/// A log line a target tries to forge through its error text.
const FORGED: &str = "[2026-01-01T00:00:00Z ERROR watchpost] FORGED by the target";

fn write_config(dir: &Path, db: &str, slack: Option<&FakeServer>, services: &str) -> PathBuf {
    let slack = slack.map_or_else(String::new, |s| {
        format!("[slack]\nwebhook_url = \"{}\"\n", s.url("/hook"))
    });
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.1\nretries = 1\nfailure_threshold = 1\n\
         {slack}{services}"
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

/// A two-phase service named `name` whose job is submitted to `/job` and polled at `/poll/`.
fn two_phase(name: &str, target: &FakeServer) -> String {
    format!(
        "[[services]]\nname = \"{name}\"\nurl = \"{}\"\nmethod = \"POST\"\ncheck_type = \"async_two_phase\"\n\
         timeout = 5\nasync_verification = {{ base_url = \"{}\", max_poll_attempts = 2, poll_interval = 0.01 }}\n",
        target.url("/job"),
        target.url("/poll/")
    )
}

/// The target's job is accepted as task `t1`; its poll answers `poll`.
fn job_target(poll: Value) -> FakeServer {
    let target = FakeServer::start();
    target.set("/job", Reply::json(202, json!({"task_id": "t1"})));
    target.set("/poll/t1", Reply::json(200, poll));
    target
}

fn count(db: &str, sql: &str) -> usize {
    column(db, sql)
        .first()
        .cloned()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `VmRSS` or `VmHWM` of `pid`, in kB.
fn proc_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

/// Writes `n` down checks of `hostile` an hour old, each with a 1 MB error text, straight into
/// the SQLite file, as a database written before the cap would hold them.
fn legacy_rows(dir: &Path, n: u32) {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    let path = dir.join("watchpost.db");
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open");
    diesel::sql_query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .expect("busy timeout");
    let insert = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO health_checks (service_name, status, status_code, response_time_ms, error_message, checked_at) \
         SELECT 'hostile', 'down', 202, NULL, 'Phase 2: task failed - ' || replace(hex(zeroblob(500000)), '00', 'xx'), \
         strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (3600 + i) || ' seconds') FROM n"
    );
    diesel::sql_query(insert)
        .execute(&mut conn)
        .expect("legacy rows");
}

async fn read_checks(base: &str) -> Vec<Value> {
    let mut resp = awc::Client::default()
        .get(format!("{base}/api/services/hostile/checks?limit=1000"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("checks request");
    assert_eq!(resp.status().as_u16(), 200);
    let body = resp.body().limit(512 << 20).await.expect("checks body");
    let page: Value = serde_json::from_slice(&body).expect("checks JSON");
    page["checks"].as_array().cloned().expect("checks array")
}

#[actix_web::test]
async fn a_hostile_error_is_capped_escaped_in_logs_and_cannot_swell_the_checks_endpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    // Just under the probes' 1 MiB body limit, so that all of it would reach the error text.
    let error = format!("boom\n{FORGED}\n{}", "x".repeat(1_000_000));
    let target = job_target(json!({"state": "FAILURE", "error": error}));
    let config = write_config(dir.path(), &db, None, &two_phase("hostile", &target));
    let port = free_port();
    let served = Served::start(dir.path(), &config, port).await;
    let pid = served.child.id();

    let stored = "SELECT CAST(COUNT(*) AS TEXT) AS v FROM health_checks";
    let enough = eventually(Duration::from_secs(60), || async {
        count(&db, stored) >= 40
    })
    .await;
    assert!(enough, "40 checks were not stored");
    let longest =
        "SELECT CAST(MAX(LENGTH(CAST(error_message AS BLOB))) AS TEXT) AS v FROM health_checks";
    let longest = count(&db, longest);
    assert!(
        (100..=1024).contains(&longest),
        "longest stored error: {longest} bytes"
    );

    // Rows kept from before the cap (or imported) may hold a megabyte each: the checks endpoint
    // must not load them whole either.
    legacy_rows(dir.path(), 20);

    // One read to warm up, then the peak of 8 parallel reads (twice) against the resident size.
    let checks = read_checks(&served.base).await;
    assert!(checks.len() >= 60, "{} checks", checks.len());
    assert!(checks
        .iter()
        .all(|c| c["detail"] == "Not responding correctly"));
    let baseline = proc_kb(pid, "VmRSS:");
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak RSS");
    for _ in 0..2 {
        let reads = (0..8).map(|_| read_checks(&served.base));
        futures_util::future::join_all(reads).await;
    }
    let peak = proc_kb(pid, "VmHWM:");
    assert!(
        peak < baseline + 50 * 1024,
        "RSS peaked at {peak} kB under 8 parallel reads, from {baseline} kB"
    );

    let log = std::fs::read_to_string(dir.path().join(format!("serve-{port}.log"))).expect("log");
    assert!(
        !log.lines().any(|l| l.starts_with(FORGED)),
        "the target forged a log line:\n{}",
        &log[..log.len().min(4000)]
    );
    assert!(
        log.contains(&format!("boom\\n{FORGED}\\n")),
        "the error was not logged, escaped"
    );
    let longest_line = log.lines().map(str::len).max().unwrap_or(0);
    assert!(longest_line < 2048, "a log line of {longest_line} bytes");
}

#[actix_web::test]
async fn a_targets_error_cannot_ping_channel_or_smuggle_a_link_in_slack() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let slack = FakeServer::start();
    slack.set("/hook", Reply::status(200));
    let evil = "<!channel> <https://evil.example/login|Re-authenticate Slack here>";
    let target = job_target(json!({"state": "FAILURE", "error": evil}));
    let config = write_config(dir.path(), &db, Some(&slack), &two_phase("linker", &target));
    let _served = Served::start(dir.path(), &config, free_port()).await;

    let sent = eventually(Duration::from_secs(30), || async {
        !alerts(&slack, "Service Down").is_empty()
    })
    .await;
    assert!(sent, "no down alert reached the fake Slack");
    let alert = &alerts(&slack, "Service Down")[0];
    assert_eq!(
        field(alert, "Error"),
        "Phase 2: task failed - &lt;!channel&gt; &lt;https://evil.example/login|Re-authenticate Slack here&gt;"
    );
    let raw = slack.requests("/hook")[0].json().to_string();
    assert!(
        !raw.contains("<!channel>") && !raw.contains("<https://evil"),
        "{raw}"
    );
}

/// Accepts connections and closes them at once, without an answer.
fn dropping_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10_000) {
            drop(stream);
        }
    });
    format!("http://{addr}/")
}

#[actix_web::test]
async fn only_answers_store_a_response_time_and_two_phase_stores_the_final_polls_status() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let answering = FakeServer::start();
    answering.set("/health", Reply::status(503));
    let job = job_target(json!({"state": "SUCCESS", "result": {"refs": [1]}}));
    let services = format!(
        "[[services]]\nname = \"refused\"\nurl = \"http://127.0.0.1:{}/\"\ntimeout = 2\n\
         [[services]]\nname = \"dropped\"\nurl = \"{}\"\ntimeout = 2\n\
         [[services]]\nname = \"unhappy\"\nurl = \"{}\"\ntimeout = 2\n{}",
        free_port(),
        dropping_server(),
        answering.url("/health"),
        two_phase("job", &job)
    );
    let config = write_config(dir.path(), &db, None, &services);
    let _served = Served::start(dir.path(), &config, free_port()).await;

    let of = |name: &str, col: &str| {
        let sql = format!(
            "SELECT COALESCE(CAST({col} AS TEXT), 'null') AS v FROM health_checks \
             WHERE service_name = '{name}' ORDER BY id"
        );
        column(&db, &sql).into_iter().flatten().collect::<Vec<_>>()
    };
    let all_checked = eventually(Duration::from_secs(30), || async {
        ["refused", "dropped", "unhappy", "job"]
            .iter()
            .all(|s| of(s, "status").len() >= 2)
    })
    .await;
    assert!(all_checked, "not every service was checked twice");

    for name in ["refused", "dropped"] {
        assert!(of(name, "status").iter().all(|s| s == "down"));
        let times = of(name, "response_time_ms");
        assert!(times.iter().all(|t| t == "null"), "{name}: {times:?}");
    }
    let unhappy = of("unhappy", "response_time_ms");
    assert!(
        unhappy.iter().all(|t| t != "null"),
        "a 503 is an answer: {unhappy:?}"
    );
    assert!(of("job", "status").iter().all(|s| s == "up"));
    let codes = of("job", "status_code");
    assert!(
        codes.iter().all(|c| c == "200"),
        "two-phase stored {codes:?}"
    );
}

#[actix_web::test]
async fn check_once_prints_one_line_per_service_whatever_the_target_says() {
    let dir = tempfile::tempdir().expect("dir");
    let target = job_target(json!({"state": "FAILURE", "error": format!("boom\n{FORGED}")}));
    let db = support::sqlite_url(dir.path());
    let config = write_config(dir.path(), &db, None, &two_phase("hostile", &target));
    let run = move || {
        support::process::run(
            config.parent().expect("dir"),
            &["--config", "watchpost.toml", "check", "--once"],
            &[],
        )
    };
    let out = actix_web::rt::task::spawn_blocking(run).await.expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [format!(
            "hostile: DOWN (outage confirmed) HTTP 202: Phase 2: task failed - boom\\n{FORGED}"
        )]
    );
}
