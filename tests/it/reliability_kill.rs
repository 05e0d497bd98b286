//! RELIABILITY.md row 3: `kill -9` at pseudo-random points of a down → recovery sequence →
//! never a duplicate down alert, never a lost one, never a recovery without its down alert,
//! downtime always from the true start. One run in the default suite; twenty with different
//! timings behind `cargo test --test reliability_kill -- --ignored`.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::process::{free_port, Served};
use support::slack::{alerts, field, seconds_of};
use support::{column, eventually, FakeServer, Reply};

const WAIT: Duration = Duration::from_secs(20);

/// A small deterministic generator: the same seed gives the same timings.
struct Timings(u64);

impl Timings {
    fn next_ms(&mut self, max: u64) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Duration::from_millis((self.0 >> 33) % max.max(1))
    }
}

fn config(dir: &Path, target: &FakeServer, slack: &FakeServer) -> std::path::PathBuf {
    let db = support::sqlite_url(dir);
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 2\n\
         [slack]\nwebhook_url = \"{}\"\n[[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n",
        slack.url("/hook"),
        target.url("/api")
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("config");
    path
}

/// Kills the process after a pseudo-random pause and starts a new one.
async fn kill_and_restart(
    served: Served,
    t: &mut Timings,
    max_ms: u64,
    dir: &Path,
    config: &Path,
) -> Served {
    actix_web::rt::time::sleep(t.next_ms(max_ms)).await;
    let mut served = served;
    served.kill9();
    Served::start(dir, config, free_port()).await
}

async fn run(seed: u64) {
    let mut t = Timings(seed);
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/api", Reply::status(200));
    let config = config(dir.path(), &target, &slack);
    let db = support::sqlite_url(dir.path());
    let mut served = Served::start(dir.path(), &config, free_port()).await;
    let ups = "SELECT status AS v FROM health_checks WHERE status = 'up'";
    assert!(eventually(WAIT, || async { !column(&db, ups).is_empty() }).await);

    let failing_since = Instant::now();
    target.set("/api", Reply::status(503));
    // Killed somewhere in the streak, the confirmation or the alert's delivery, maybe twice.
    served = kill_and_restart(served, &mut t, 1500, dir.path(), &config).await;
    if t.next_ms(2) == Duration::ZERO {
        served = kill_and_restart(served, &mut t, 1000, dir.path(), &config).await;
    }
    let one_down = || async { alerts(&slack, "Service Down").len() == 1 };
    assert!(
        eventually(WAIT, one_down).await,
        "seed {seed}: the down alert was lost"
    );

    let recovering_at = Instant::now();
    target.set("/api", Reply::status(200));
    // Killed around the recovery: before or after the up check, or during the alert.
    served = kill_and_restart(served, &mut t, 800, dir.path(), &config).await;
    let recovered = || async { alerts(&slack, "Service Recovered").len() == 1 };
    assert!(
        eventually(WAIT, recovered).await,
        "seed {seed}: the recovery alert was lost"
    );
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;

    let texts: Vec<String> = slack
        .requests("/hook")
        .iter()
        .map(|r| r.json()["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        texts,
        ["🔴 Service Down: api", "🟢 Service Recovered: api"],
        "seed {seed}: exactly one of each, down first"
    );
    let downtime = seconds_of(&field(&alerts(&slack, "Service Recovered")[0], "Downtime"));
    let at_least = (recovering_at - failing_since).as_secs() as i64;
    let at_most = failing_since.elapsed().as_secs() as i64;
    assert!(
        downtime >= at_least - 1 && downtime <= at_most + 1,
        "seed {seed}: downtime {downtime}s, true start {at_least}..{at_most}s ago"
    );
    drop(served);
}

#[actix_web::test]
async fn kill9_during_an_outage_neither_doubles_nor_loses_alerts() {
    run(7).await;
}

#[actix_web::test]
#[ignore = "twenty runs, a few minutes: cargo test --test reliability_kill -- --ignored"]
async fn kill9_at_twenty_different_points() {
    for seed in 1..=20 {
        run(seed * 7919).await;
        eprintln!("run {seed} of 20 passed");
    }
}
