//! Micro-benchmarks of the pure hot paths: one state-machine step, one Slack payload, and the
//! StatusCache snapshot (JSON encoded once per change) for 100 services.
//! Run: `cargo bench --bench core`.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use watchpost::actors::status_cache::{ServiceView, Snapshot};
use watchpost::alert::slack;
use watchpost::domain::outcome::CheckOutcome;
use watchpost::domain::state::{step, Policy, ServiceState};
use watchpost::domain::status::ServiceStatus;

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

fn snapshot_json(c: &mut Criterion) {
    let services: Vec<ServiceView> = (0..100)
        .map(|i| ServiceView {
            status: if i % 10 == 0 {
                ServiceStatus::Down
            } else {
                ServiceStatus::Up
            },
            response_time_ms: Some(40 + i),
            last_checked: Some(Utc::now()),
            ..ServiceView::unknown(&format!("service-{i}"))
        })
        .collect();
    c.bench_function("snapshot_build_100_services", |b| {
        b.iter(|| Snapshot::build(black_box(services.clone())))
    });
}

criterion_group!(benches, state_step, slack_payload, snapshot_json);
criterion_main!(benches);
