//! Micro-benchmarks of the hot paths: one state-machine step, one Slack payload, the
//! StatusCache snapshot (JSON encoded once per change) and the status page at 100 and 10,000
//! services, and a batch of 1,000 check rows through `apply_batch` on SQLite and (when
//! TEST_DATABASE_URL is set) PostgreSQL.
//! Run: `cargo bench --bench core` (`cargo bench --bench core -- page` for one group).

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use std::hint::black_box;
use std::sync::Arc;
use watchpost::alert::slack;
use watchpost::db::history::History;
use watchpost::db::models::WriteOp;
use watchpost::db::{connection::run_migrations, queries, Pool};
use watchpost::domain::notices::Notices;
use watchpost::domain::outcome::CheckOutcome;
use watchpost::domain::state::{step, Policy, ServiceState};
use watchpost::domain::status::ServiceStatus;
use watchpost::domain::uptime::Span;
use watchpost::settings::{self, StatusPageSettings};
use watchpost::snapshot::{Input, ServiceView, Snapshot};
use watchpost::web::public::views;

#[path = "load/pg.rs"]
mod pg;
#[path = "load/rows.rs"]
mod rows;

/// The fleet sizes the snapshot and page are measured at.
const SIZES: [usize; 2] = [100, 10_000];

fn state_step(c: &mut Criterion) {
    let policy = Policy {
        failure_threshold: 3,
        alerts_held: false,
    };
    let down = CheckOutcome::down(Utc::now(), "Expected 200, got 503", Some(503), Some(12));
    let up = CheckOutcome::up(Utc::now(), 42, 200);
    c.bench_function("state_step_down_then_up", |b| {
        b.iter(|| {
            let (s, _) = step(
                black_box(&ServiceState::default()),
                black_box(&down),
                policy,
            );
            step(&s, black_box(&up), policy)
        })
    });
}

fn slack_payload(c: &mut Criterion) {
    let now = Utc::now();
    c.bench_function("slack_down_payload", |b| {
        b.iter(|| {
            slack::down_payload(
                black_box("Linker"),
                now,
                Some(503),
                Some("Expected 202, got 503"),
                "https://s",
            )
            .to_string()
        })
    });
}

/// `n` services, one in ten down; above 100 services, in groups of 100 (as a large site
/// would configure them).
fn views_of(n: usize) -> Vec<ServiceView> {
    (0..n)
        .map(|i| ServiceView {
            status: if i % 10 == 0 {
                ServiceStatus::Down
            } else {
                ServiceStatus::Up
            },
            group: (n > 100).then(|| format!("group-{:03}", i / 100)),
            response_time_ms: Some(40 + i as u64 % 200),
            last_checked: Some(Utc::now()),
            ..ServiceView::unknown(&rows::service_name(i))
        })
        .collect()
}

/// Monitored for 120 days; every tenth service had a few outages; 40 response times in the
/// last 24 hours.
fn history_of(i: usize, now: DateTime<Utc>) -> History {
    let outages = if i % 10 == 0 {
        (1..=3)
            .map(|d| Span {
                start: now - Duration::days(d * 20),
                end: Some(now - Duration::days(d * 20) + Duration::minutes(37)),
            })
            .collect()
    } else {
        Vec::new()
    };
    History {
        monitored_since: Some(now - Duration::days(120)),
        outages,
        samples: (0..40)
            .map(|k| (now - Duration::minutes(30 * k), 40 + (k as u64 * 7) % 90))
            .rev()
            .collect(),
    }
}

/// The shipped configuration's page settings.
fn page_settings() -> StatusPageSettings {
    let opts = settings::LoadOptions {
        base_dir: env!("CARGO_MANIFEST_DIR").into(),
        ..Default::default()
    };
    settings::load(&opts)
        .map(|s| s.status_page)
        .unwrap_or_else(|e| panic!("config/default.toml does not load: {e}"))
}

fn snapshot_json(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot_json");
    for n in SIZES {
        let services = views_of(n);
        // Build, then encode, hash and gzip: what a change costs for `/api/status` (the JSON
        // at the first read of the new snapshot).
        group.bench_with_input(BenchmarkId::new("build", n), &services, |b, s| {
            b.iter_batched(
                || s.clone(),
                |s| {
                    let snap = Snapshot::build(s);
                    snap.json();
                    snap
                },
                BatchSize::LargeInput,
            )
        });
        let snap = Snapshot::build(services);
        group.bench_with_input(BenchmarkId::new("encode", n), &snap, |b, snap| {
            b.iter(|| serde_json::to_vec(black_box(snap)))
        });
    }
    group.finish();
}

fn page_render(c: &mut Criterion) {
    let page = page_settings();
    let now = Utc::now();
    let mut group = c.benchmark_group("page");
    group.sample_size(10);
    for n in SIZES {
        let live = views_of(n);
        let histories: Vec<History> = (0..n).map(|i| history_of(i, now)).collect();
        let inputs: Vec<Input<'_>> = live
            .iter()
            .zip(&histories)
            .map(|(live, history)| Input {
                live,
                monitored_since: history.monitored_since,
                outages: &history.outages,
                samples: &history.samples,
            })
            .collect();
        let notices = Arc::new(Notices::default());
        // The whole rebuild after a change: uptimes, day bars, JSON and page, both gzipped
        // (the JSON and page at the first read of the new snapshot).
        group.bench_with_input(BenchmarkId::new("assemble", n), &inputs, |b, inputs| {
            b.iter(|| {
                let snap = Snapshot::assemble(inputs, notices.clone(), now);
                snap.json();
                watchpost::web::public::pages::page(&snap, &page);
                snap
            })
        });
        let snap = Snapshot::assemble(&inputs, notices.clone(), now);
        group.bench_with_input(BenchmarkId::new("render", n), &snap, |b, snap| {
            b.iter(|| views::status_page(&page, black_box(snap)).into_string())
        });
    }
    group.finish();
}

/// A migrated pool on `url`.
fn migrated(url: &str) -> Pool {
    let pool = watchpost::db::connect(url, 1).unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut conn = pool
        .get()
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrating {url}: {e}"));
    drop(conn);
    pool
}

/// 1,000 services' checks of one minute (`minute` counts up, so no row repeats).
fn minute_of_checks(minute: i64) -> Vec<WriteOp> {
    let start =
        DateTime::UNIX_EPOCH.naive_utc() + Duration::days(20_000) + Duration::minutes(minute);
    (0..1000)
        .map(|i| {
            let at = start + Duration::milliseconds(i as i64 * 60);
            rows::check(&rows::service_name(i), at, (minute as u64) << 10 | i as u64)
        })
        .collect()
}

fn bench_inserts(c: &mut Criterion, name: &str, pool: &Pool) {
    let mut conn = pool.get().unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut minute = 0;
    c.benchmark_group("apply_batch")
        .sample_size(20)
        .bench_function(BenchmarkId::new("1000_checks", name), |b| {
            b.iter_batched(
                || {
                    minute += 1;
                    minute_of_checks(minute)
                },
                |ops| {
                    queries::apply_batch(&mut conn, &ops, &[])
                        .unwrap_or_else(|e| panic!("apply_batch on {name}: {e}"))
                },
                BatchSize::LargeInput,
            )
        });
}

fn batch_insert(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let sqlite = migrated(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    bench_inserts(c, "sqlite", &sqlite);
    match pg::ThrowawayDb::from_env() {
        Ok(Some(db)) => {
            let pool = migrated(db.url());
            bench_inserts(c, "postgres", &pool);
            drop(pool); // before the database is dropped
        }
        Ok(None) => eprintln!("TEST_DATABASE_URL is not set: apply_batch on PostgreSQL skipped"),
        Err(e) => eprintln!("apply_batch on PostgreSQL skipped: {e}"),
    }
}

criterion_group!(
    benches,
    state_step,
    slack_payload,
    snapshot_json,
    page_render,
    batch_insert
);
criterion_main!(benches);
