//! Row 9 of the reliability matrix: a wall-clock jump neither fires a burst of checks nor
//! stalls them nor raises a false outage, because intervals run on the monotonic clock.
//!
//! The real binary runs under libfaketime (`LD_PRELOAD`) with only the wall clock faked
//! (`FAKETIME_DONT_FAKE_MONOTONIC=1`) and its offset read from a file on every call
//! (`FAKETIME_TIMESTAMP_FILE`, `FAKETIME_NO_CACHE=1`). The test moves the binary's wall clock
//! 2 h forward, then 3 h back, and counts the checks the fake target receives, timed on the
//! test's own (unfaked) monotonic clock, in the two seconds before and after each jump. The
//! stored `checked_at` values prove the fake took effect; if they do not move the test fails.
//! Without libfaketime installed (Debian: `apt-get install faketime`) the test is skipped.

use crate::support;

use chrono::{DateTime, Duration as Age, NaiveDateTime, Utc};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::process::{command, free_port};
use support::slack::alerts;
use support::{column, eventually, FakeServer, Reply};

/// Services checked every 0.25 s: about 8 checks per service in each window.
const SERVICES: [&str; 2] = ["api", "flaky"];
/// The span compared before and after a jump.
const WINDOW: Duration = Duration::from_secs(2);

/// The installed libfaketime, if any (Debian puts it under the multiarch directory).
fn libfaketime() -> Option<PathBuf> {
    let mut candidates = vec![
        PathBuf::from("/usr/lib/faketime/libfaketime.so.1"),
        PathBuf::from("/usr/local/lib/faketime/libfaketime.so.1"),
    ];
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        candidates.extend(
            entries
                .flatten()
                .map(|e| e.path().join("faketime/libfaketime.so.1")),
        );
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn write_config(dir: &Path, db: &str, target: &FakeServer, slack: &FakeServer) -> PathBuf {
    let mut toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.25\nretries = 1\nfailure_threshold = 2\n\
         [slack]\nwebhook_url = \"{}\"\n",
        slack.url("/hook")
    );
    for name in SERVICES {
        let url = target.url(&format!("/{name}"));
        toml.push_str(&format!(
            "[[services]]\nname = \"{name}\"\nurl = \"{url}\"\ntimeout = 1\n"
        ));
    }
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

/// `watchpost serve` under libfaketime; killed on drop.
struct Faked {
    child: Child,
    base: String,
    offset_file: PathBuf,
    log: PathBuf,
}

impl Faked {
    async fn start(dir: &Path, config: &Path, lib: &Path) -> Faked {
        let offset_file = dir.join("faketime-offset");
        let bind = format!("127.0.0.1:{}", free_port());
        let log = dir.join("serve.log");
        let (lib, offsets) = (lib.to_string_lossy(), offset_file.to_string_lossy());
        let env = [
            ("WATCHPOST_BIND", bind.as_str()),
            ("LD_PRELOAD", &lib),
            ("FAKETIME_TIMESTAMP_FILE", &offsets),
            ("FAKETIME_NO_CACHE", "1"),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
            ("DONT_FAKE_MONOTONIC", "1"),
            ("NO_FAKE_STAT", "1"),
        ];
        let faked = Faked {
            child: spawn(dir, config, &env, &log),
            base: format!("http://{bind}"),
            offset_file,
            log,
        };
        faked.jump("+0");
        let up = eventually(Duration::from_secs(20), || async {
            awc::Client::default()
                .get(format!("{}/healthz", faked.base))
                .send()
                .await
                .is_ok()
        })
        .await;
        assert!(up, "watchpost did not start serving; log:\n{}", faked.log());
        faked.assert_preloaded();
        faked
    }

    /// Sets the faked wall clock's offset from the real one (`+0`, `+2h`, `-3h`), atomically.
    fn jump(&self, offset: &str) {
        let tmp = self.offset_file.with_extension("tmp");
        std::fs::write(&tmp, format!("{offset}\n")).expect("write offset");
        std::fs::rename(&tmp, &self.offset_file).expect("move offset in place");
    }

    /// Fails loudly when libfaketime is not mapped into the process (a static binary, say).
    fn assert_preloaded(&self) {
        let maps = std::fs::read_to_string(format!("/proc/{}/maps", self.child.id()))
            .expect("read the child's memory maps");
        assert!(
            maps.contains("libfaketime"),
            "libfaketime is installed but was not loaded into watchpost (static binary?); \
             this test would prove nothing"
        );
    }

    fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    async fn status(&self) -> serde_json::Value {
        let mut resp = awc::Client::default()
            .get(format!("{}/api/status", self.base))
            .send()
            .await
            .expect("GET /api/status");
        assert_eq!(resp.status().as_u16(), 200, "/api/status");
        resp.json().await.expect("status JSON")
    }

    async fn page_code(&self) -> u16 {
        let resp = awc::Client::default().get(format!("{}/", self.base)).send();
        resp.await.expect("GET /").status().as_u16()
    }
}

fn spawn(dir: &Path, config: &Path, env: &[(&str, &str)], log: &Path) -> Child {
    command(dir, env)
        .args(["--config", &config.to_string_lossy(), "serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(log).expect("log file")))
        .spawn()
        .expect("spawn watchpost")
}

impl Drop for Faked {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Requests `path` received in `[from, to)` of the test's monotonic clock.
fn count(target: &FakeServer, path: &str, from: Instant, to: Instant) -> usize {
    let hits = target.requests(path);
    hits.iter().filter(|r| r.at >= from && r.at < to).count()
}

/// Per service, the checks in the window after `jump` against the window before it: no burst
/// (at most 1.5 times as many) and no stall (at least half as many).
fn assert_steady(target: &FakeServer, jump: Instant, what: &str) {
    for name in SERVICES {
        let path = format!("/{name}");
        let before = count(target, &path, jump - WINDOW, jump);
        let after = count(target, &path, jump, jump + WINDOW);
        assert!(
            before >= 5,
            "{name}: only {before} checks in 2 s before the {what}"
        );
        assert!(
            after * 2 <= before * 3,
            "{name}: burst after the {what}: {after} checks in 2 s, {before} before"
        );
        assert!(
            after * 2 >= before,
            "{name}: stall after the {what}: {after} checks in 2 s, {before} before"
        );
    }
}

fn parse_time(text: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .unwrap_or_else(|e| panic!("stored time {text:?}: {e}"))
        .and_utc()
}

/// Waits until a stored check of `api` satisfies `pred` (the faked clock reached the rows).
async fn stored_check_where(db: &str, pred: impl Fn(DateTime<Utc>) -> bool) -> bool {
    let sql = "SELECT CAST(checked_at AS TEXT) AS v FROM health_checks WHERE service_name = 'api'";
    eventually(Duration::from_secs(5), || async {
        column(db, sql)
            .iter()
            .flatten()
            .any(|t| pred(parse_time(t)))
    })
    .await
}

/// Operational, every service up, the page renders.
async fn assert_operational(app: &Faked, what: &str) {
    let status = app.status().await;
    assert_eq!(status["overall_status"], "operational", "{what}: {status}");
    for service in status["services"].as_array().expect("services") {
        assert_eq!(service["status"], "up", "{what}: {service}");
    }
    assert_eq!(app.page_code().await, 200, "{what}: GET /");
}

/// Sleeps past the window after a jump made at `at`.
async fn after_window(at: Instant) {
    let until = at + WINDOW + Duration::from_millis(200);
    actix_web::rt::time::sleep(until.saturating_duration_since(Instant::now())).await;
}

#[actix_web::test]
async fn wall_clock_jumps_neither_burst_nor_stall_checks_nor_raise_outages() {
    let Some(lib) = libfaketime() else {
        eprintln!("skipped: libfaketime not installed (apt-get install faketime)");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    for name in SERVICES {
        target.set(&format!("/{name}"), Reply::status(200));
    }
    let config = write_config(dir.path(), &db, &target, &slack);
    let app = Faked::start(dir.path(), &config, &lib).await;
    let flowing = eventually(Duration::from_secs(10), || async {
        SERVICES.iter().all(|n| target.hits(&format!("/{n}")) > 0)
    })
    .await;
    assert!(flowing, "no checks arrived; log:\n{}", app.log());
    actix_web::rt::time::sleep(WINDOW + Duration::from_millis(500)).await;

    let forward = Instant::now();
    app.jump("+2h");
    after_window(forward).await;
    assert_steady(&target, forward, "2 h forward jump");
    let ahead = stored_check_where(&db, |t| t > Utc::now() + Age::minutes(90)).await;
    assert!(
        ahead,
        "no check stored 2 h ahead: libfaketime did not fake the wall clock; log:\n{}",
        app.log()
    );
    assert_operational(&app, "after the forward jump").await;

    let backward = Instant::now();
    app.jump("-3h");
    after_window(backward).await;
    assert_steady(&target, backward, "3 h backward jump");
    let behind = stored_check_where(&db, |t| t < Utc::now() - Age::minutes(150)).await;
    assert!(behind, "no check stored 3 h behind; log:\n{}", app.log());
    assert_operational(&app, "after the backward jump").await;

    let count_sql = |sql: &str| column(&db, sql).len();
    assert_eq!(
        count_sql("SELECT status AS v FROM health_checks WHERE status <> 'up'"),
        0
    );
    assert_eq!(
        count_sql("SELECT service_name AS v FROM outages"),
        0,
        "false outage"
    );
    assert_eq!(
        count_sql("SELECT state AS v FROM alert_outbox"),
        0,
        "false alert"
    );
    assert!(alerts(&slack, "Service Down").is_empty(), "down alert sent");
    assert_eq!(slack.hits("/hook"), 0, "Slack was called");
}
