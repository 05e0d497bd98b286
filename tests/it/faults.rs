//! Reliability row 4, "Actor failure", through the real binary built with the cargo feature
//! `test-hooks` (`cargo test --features test-hooks --test faults`): faults injected with
//! `POST /api/admin/faults`. Three services every 0.25 s: `flaky` (503, threshold 3) and
//! `steady1`, `steady2` (200).
//!
//! - Inconclusive cycles are not probed, not stored, not counted and never alerted (they show
//!   in `/metrics`); the streak then continues, so the down alert comes at the third real
//!   failure, dated from the first.
//! - A monitor that stops is restarted by its Supervisor with its streak, and the other
//!   services keep their schedule meanwhile.
//! - The hook needs an operator token and a known service.
#![cfg(feature = "test-hooks")]

use crate::support;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::process::{free_port, Served};
use support::slack::{alerts, field};
use support::{column, eventually, FakeServer, Reply};

const WAIT: Duration = Duration::from_secs(15);
const TOKEN: &str = "fault-hook-token";
const MESSAGE: &str = "injected: out of sockets";

/// The running binary, its targets, its fake Slack and its database.
struct World {
    _dir: tempfile::TempDir,
    served: Served,
    log: PathBuf,
    target: FakeServer,
    slack: FakeServer,
    db: String,
}

impl World {
    async fn start() -> World {
        let dir = tempfile::tempdir().expect("dir");
        let db = support::sqlite_url(dir.path());
        let (target, slack) = (FakeServer::start(), FakeServer::start());
        target.set("/flaky", Reply::status(503));
        target.set("/steady1", Reply::status(200));
        target.set("/steady2", Reply::status(200));
        slack.set("/hook", Reply::status(200));
        let config = write_config(dir.path(), &db, &target, &slack);
        let port = free_port();
        let served = Served::start(dir.path(), &config, port).await;
        let log = dir.path().join(format!("serve-{port}.log"));
        World {
            _dir: dir,
            served,
            log,
            target,
            slack,
            db,
        }
    }

    /// POSTs `body` to the hook with `token` (if any): status and JSON body.
    async fn fault(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = awc::Client::default().post(format!("{}/api/admin/faults", self.served.base));
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut resp = req.send_json(&body).await.expect("request");
        let bytes = resp.body().await.expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (resp.status().as_u16(), json)
    }

    /// `watchpost_checks_total{result="inconclusive"}` from `/metrics`.
    async fn inconclusive(&self) -> u64 {
        let url = format!("{}/metrics", self.served.base);
        let mut resp = awc::Client::default()
            .get(url)
            .send()
            .await
            .expect("metrics");
        let body = resp.body().limit(1 << 20).await.expect("body");
        let text = String::from_utf8_lossy(&body).to_string();
        text.lines()
            .find_map(|l| l.strip_prefix("watchpost_checks_total{result=\"inconclusive\"} "))
            .and_then(|v| v.trim().parse().ok())
            .expect("inconclusive sample")
    }

    /// `flaky`'s stored checks, streak and alerts, read in one statement (one snapshot).
    fn flaky(&self) -> Sample {
        let sql = "SELECT (SELECT COUNT(*) FROM health_checks WHERE service_name = 'flaky') \
                   || ':' || COALESCE((SELECT consecutive_failures FROM service_states \
                   WHERE service_name = 'flaky'), 0) \
                   || ':' || (SELECT COUNT(*) FROM alert_outbox WHERE service_name = 'flaky') AS v";
        let v = column(&self.db, sql).remove(0).expect("sample");
        let n: Vec<usize> = v.split(':').map(|x| x.parse().expect("count")).collect();
        Sample {
            rows: n[0],
            streak: n[1],
            alerts: n[2],
        }
    }

    /// The times of the stored checks of `service`, oldest first.
    fn checked_at(&self, service: &str) -> Vec<NaiveDateTime> {
        let sql = format!(
            "SELECT checked_at AS v FROM health_checks WHERE service_name = '{service}' \
             ORDER BY checked_at"
        );
        column(&self.db, &sql)
            .into_iter()
            .map(|v| {
                let v = v.expect("time");
                NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S%.f").expect("timestamp")
            })
            .collect()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// What the database shows of `flaky` at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sample {
    rows: usize,
    streak: usize,
    alerts: usize,
}

impl Sample {
    /// `flaky` always fails, so every stored check is one more failure of the streak (nothing
    /// else counts, nothing resets it) and the down alert is written with the third one.
    fn assert_consistent(&self) {
        assert_eq!(
            self.streak, self.rows,
            "streak and stored failures differ: {self:?}"
        );
        let expected = usize::from(self.rows >= 3);
        assert_eq!(self.alerts, expected, "down alert out of step: {self:?}");
    }
}

fn write_config(dir: &Path, db: &str, target: &FakeServer, slack: &FakeServer) -> PathBuf {
    let service = |name: &str, threshold: u32| {
        format!(
            "[[services]]\nname = \"{name}\"\nurl = \"{}\"\ntimeout = 1\nfailure_threshold = {threshold}\n",
            target.url(&format!("/{name}"))
        )
    };
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.25\nretries = 1\n\
         [slack]\nwebhook_url = \"{}\"\n\
         [admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\n{}{}{}",
        slack.url("/hook"),
        watchpost::settings::sha256_hex(TOKEN),
        service("flaky", 3),
        service("steady1", 2),
        service("steady2", 2),
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

/// (a) Four inconclusive cycles after the first real failure of `flaky`.
async fn inconclusive_cycles_leave_the_streak_alone(w: &World) {
    assert!(eventually(WAIT, || async { w.target.hits("/flaky") >= 1 }).await);
    let body = json!({"service": "flaky", "cycles": 4, "message": MESSAGE});
    assert_eq!(w.fault(Some(TOKEN), body).await.0, 202);
    let probed = w.target.hits("/flaky");
    assert!(
        probed <= 2,
        "{probed} failures before the fault: machine too slow"
    );
    let deadline = Instant::now() + WAIT;
    while w.inconclusive().await < 4 {
        assert!(Instant::now() < deadline, "no inconclusive cycles");
        let sample = w.flaky();
        sample.assert_consistent();
        assert!(
            sample.rows <= probed + 1,
            "inconclusive cycle stored: {sample:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(40)).await;
    }
    let during = w.target.hits("/flaky") - probed;
    assert!(
        during <= 1,
        "{during} probes during four inconclusive cycles"
    );
    let logged = format!("inconclusive (not counted): {MESSAGE}");
    assert!(w.log_text().contains(&logged));
}

/// (a, continued) The streak goes on: the down alert comes at the third real failure, dated
/// from the first, and the inconclusive cycles stay four.
async fn the_down_alert_counts_real_failures_only(w: &World) {
    let alerted = || async { !alerts(&w.slack, "Service Down").is_empty() };
    assert!(eventually(WAIT, alerted).await);
    assert_eq!(
        w.inconclusive().await,
        4,
        "more inconclusive cycles than injected"
    );
    w.flaky().assert_consistent();
    let failures = w.checked_at("flaky");
    let since = field(&alerts(&w.slack, "Service Down")[0], "Since");
    assert_eq!(
        since,
        failures[0].format("%Y-%m-%d %H:%M:%S UTC").to_string()
    );
    let third = failures[2] - failures[0];
    assert!(
        third >= TimeDelta::milliseconds(1200),
        "third failure {third} after the first: inconclusive cycles were counted"
    );
}

/// The streak a supervisor restart of `flaky` reported in the log.
fn restarted_with(log: &str) -> Option<usize> {
    let line = log
        .lines()
        .find(|l| l.contains("Monitor of flaky restarted by its supervisor"))?;
    let tail = line.split("streak of ").nth(1)?;
    tail.split_whitespace().next()?.parse().ok()
}

/// Stops `flaky`'s monitor through the hook and waits for its Supervisor to restart it;
/// returns the streak the restart line reports (at least the streak before the stop).
async fn stop_flaky(w: &World) -> usize {
    let before = w.flaky().streak;
    let stop = json!({"service": "flaky", "stop": true});
    assert_eq!(w.fault(Some(TOKEN), stop).await.0, 202);
    let found = || async { restarted_with(&w.log_text()).is_some() };
    assert!(
        eventually(WAIT, found).await,
        "no restart:\n{}",
        w.log_text()
    );
    let kept = restarted_with(&w.log_text()).unwrap_or_default();
    assert!(
        kept >= before,
        "streak {before} before the stop, {kept} kept"
    );
    kept
}

/// (b) After the restart the streak goes on without a second alert, `flaky` keeps its
/// schedule, and the steady services keep theirs throughout (from 1.5 s before the stop to
/// 2 s after the restart).
async fn a_stopped_monitor_restarts_with_its_streak(w: &World) {
    let stop = Utc::now().naive_utc();
    let kept = stop_flaky(w).await;
    assert!(eventually(WAIT, || async { w.flaky().rows >= kept + 8 }).await);
    w.flaky().assert_consistent();
    let downs = alerts(&w.slack, "Service Down").len();
    assert_eq!(downs, 1, "the restart re-alerted");
    assert!(alerts(&w.slack, "Service Recovered").is_empty());
    let to = Utc::now().naive_utc();
    let from = stop - TimeDelta::milliseconds(1500);
    for steady in ["steady1", "steady2"] {
        assert!(eventually(WAIT, || async { w.checked_at(steady).last() > Some(&to) }).await);
        assert_kept_schedule(steady, &w.checked_at(steady), from, to);
    }
    assert_kept_schedule("flaky", &w.checked_at("flaky"), stop, to);
}

/// Checks stored between `from` and `to` arrive every 0.25 s: about 4 a second (one cycle
/// skipped at most), never two intervals apart.
fn assert_kept_schedule(
    service: &str,
    times: &[NaiveDateTime],
    from: NaiveDateTime,
    to: NaiveDateTime,
) {
    let inside: Vec<_> = times.iter().filter(|t| **t >= from && **t <= to).collect();
    let expected = (to - from).num_milliseconds() / 250;
    let n = inside.len() as i64;
    assert!(
        n >= expected - 2 && n <= expected + 2,
        "{service}: {n} checks in {} ms, expected about {expected}",
        (to - from).num_milliseconds()
    );
    let gap = inside
        .windows(2)
        .map(|w| *w[1] - *w[0])
        .max()
        .unwrap_or_default();
    assert!(
        gap < TimeDelta::milliseconds(750),
        "{service}: a gap of {gap}"
    );
}

#[actix_web::test]
async fn injected_faults_are_not_counted_and_a_stopped_monitor_restarts_with_its_streak() {
    let w = World::start().await;
    inconclusive_cycles_leave_the_streak_alone(&w).await;
    the_down_alert_counts_real_failures_only(&w).await;
    a_stopped_monitor_restarts_with_its_streak(&w).await;
}

#[actix_web::test]
async fn the_hook_needs_the_operator_token_a_known_service_and_something_to_do() {
    let w = World::start().await;
    let ask = |body: Value| w.fault(Some(TOKEN), body);
    let body = json!({"service": "flaky", "cycles": 2, "message": MESSAGE});
    let (code, json) = w.fault(None, body.clone()).await;
    assert_eq!(code, 401, "{json}");
    assert_eq!(w.fault(Some("wrong token"), body.clone()).await.0, 401);
    let (code, json) = ask(json!({"service": "nope", "cycles": 2, "message": "x"})).await;
    assert_eq!(code, 404, "{json}");
    assert!(json["error"].as_str().unwrap_or_default().contains("nope"));
    let (code, json) = ask(json!({"service": "flaky", "cycles": 0})).await;
    assert_eq!((code, &json["fields"][0]["field"]), (422, &json!("cycles")));
    assert_eq!(ask(json!({"service": "flaky", "cycles": "x"})).await.0, 422);
    let (code, json) = ask(body).await;
    assert_eq!((code, &json["cycles"]), (202, &json!(2)), "{json}");
}
