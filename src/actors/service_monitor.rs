//! ServiceMonitor: one per service, started under `actix::Supervisor`. Owns its timer, its
//! retry loop (in the probe) and its failure streak (in [`MonitorCore`]).
//!
//! The first cycle starts at the service's offset within its interval (so monitors are spread
//! out); each next cycle is planned one interval after the previous planned start, on the
//! monotonic clock, and is scheduled only when the previous cycle ended, so cycles never
//! overlap and a slow cycle delays the next instead of queueing a second one. A probe that
//! panics gives an inconclusive result. A restart by the Supervisor keeps the actor's fields,
//! so the streak survives it.

use super::alerter::Deliver;
use super::cycle::MonitorCore;
use super::persistence::Record;
use super::status_cache::StatusUpdate;
use crate::domain::outcome::{CheckOutcome, CycleResult};
use crate::metrics::Metrics;
use crate::probe;
use crate::settings::ServiceSettings;
use actix::prelude::*;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a monitor sends what it learns.
#[derive(Clone)]
pub struct MonitorLinks {
    /// Writes.
    pub persistence: Recipient<Record>,
    /// Public state.
    pub cache: Recipient<StatusUpdate>,
    /// Alerts.
    pub alerter: Recipient<Deliver>,
}

/// The actor.
pub struct ServiceMonitor {
    core: MonitorCore,
    client: awc::Client,
    links: MonitorLinks,
    first_delay: Duration,
    next_due: Option<Instant>,
    metrics: Arc<Metrics>,
}

impl ServiceMonitor {
    /// A monitor whose first cycle starts `first_delay` after it starts.
    pub fn new(
        core: MonitorCore,
        client: awc::Client,
        links: MonitorLinks,
        first_delay: Duration,
    ) -> Self {
        ServiceMonitor {
            core,
            client,
            links,
            first_delay,
            next_due: None,
            metrics: Arc::default(),
        }
    }

    /// The same monitor counting its cycles in `metrics` (by default, in metrics of its own).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    fn schedule(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let due = match self.next_due {
            None => now + self.first_delay,
            Some(previous) => (previous + self.core.service.interval.0).max(now),
        };
        self.next_due = Some(due);
        ctx.run_later(due - now, |act, ctx| act.run_cycle(ctx));
    }

    fn run_cycle(&mut self, ctx: &mut Context<Self>) {
        let service = self.core.service.clone();
        let client = self.client.clone();
        let cycle = async move { guarded_cycle(&client, &service).await };
        ctx.spawn(cycle.into_actor(self).map(|result, act, ctx| {
            act.finish(result);
            act.schedule(ctx);
        }));
    }

    fn finish(&mut self, result: CycleResult) {
        self.metrics.count_cycle(&result);
        let Some(report) = self.core.apply(result) else {
            return;
        };
        self.links.persistence.do_send(report.record);
        self.links.cache.do_send(report.update);
        for alert in report.alerts {
            self.links.alerter.do_send(Deliver(alert));
        }
    }
}

/// Runs one cycle of `service`; a panic in the probe becomes an inconclusive result.
pub async fn guarded_cycle(client: &awc::Client, service: &ServiceSettings) -> CycleResult {
    guarded(probe::run_cycle(client, service)).await
}

/// Runs `cycle`; a panic inside it becomes an inconclusive result.
pub async fn guarded(cycle: impl std::future::Future<Output = CheckOutcome>) -> CycleResult {
    AssertUnwindSafe(cycle)
        .catch_unwind()
        .await
        .map(CycleResult::Checked)
        .unwrap_or_else(|panic| CycleResult::Inconclusive(panic_text(&*panic)))
}

/// The message of a caught panic.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("probe panicked: {text}")
}

impl Actor for ServiceMonitor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.schedule(ctx);
    }
}

impl Supervised for ServiceMonitor {
    fn restarting(&mut self, _: &mut Self::Context) {
        log::warn!(
            "Monitor of {} restarted by its supervisor (streak of {} kept)",
            self.core.service.name,
            self.core.state.consecutive_failures
        );
    }
}

/// Asks a monitor to stop, as a monitor that cannot go on does; its Supervisor restarts it.
/// Test builds only.
#[cfg(any(test, feature = "test-hooks"))]
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopForTest;

#[cfg(any(test, feature = "test-hooks"))]
impl Handler<StopForTest> for ServiceMonitor {
    type Result = ();

    fn handle(&mut self, _: StopForTest, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

#[cfg(test)]
#[path = "service_monitor_tests.rs"]
mod tests;
