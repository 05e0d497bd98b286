//! ServiceMonitor: one per service, started under `actix::Supervisor`. Owns its timer, its
//! retry loop (in the probe) and its failure streak (in [`MonitorCore`]).
//!
//! The first cycle starts at the service's offset within its interval (so monitors are spread
//! out); each next cycle is planned one interval after the previous planned start, on the
//! monotonic clock, and is scheduled only when the previous cycle ended, so cycles never
//! overlap and a slow cycle delays the next instead of queueing a second one.
//!
//! A planned start is rounded up to a grid shared by the process, so that monitors share timer
//! wake-ups: each wake-up of a quiet process costs about as much as several checks (cold
//! caches, and the timer wheel wakes up once more for every 64 ms slot holding a timer). The
//! grid is as coarse as a fleet needs to start about [`STARTS_PER_STEP`] cycles per step (one
//! second at most, see [`fleet_grid`]) and at most a tenth of the service's interval (see
//! [`grid_for`]): a small fleet gets a coarse grid, so that one wake-up starts many cycles
//! and their responses arrive together instead of each waking the process on its own; a large
//! fleet gets a fine one, so bursts stay small and cycles start on time (the grids measured:
//! BENCHMARKS.md). A cycle starts at most one step after its planned time, and the plan itself is
//! never rounded, so the average interval stays exact. The schedule-lag histogram in `/metrics`
//! measures how late a cycle starts after its grid point, so that rounding is not in it.
//!
//! A probe that panics gives an inconclusive result. A restart by the Supervisor keeps the
//! actor's fields, so the streak and the schedule survive it.
//!
//! Builds with the cargo feature `test-hooks` (never release builds) also hold `Faults`: a
//! fault injected through `POST /api/admin/faults` replaces the service's next cycles, each
//! ending inconclusive without a probe, or stops the monitor so that its Supervisor restarts it.

pub mod cycle;

use super::alerter::Deliver;
use super::persistence::Record;
use super::status_cache::StatusUpdate;
use crate::domain::outcome::{CheckOutcome, CycleResult};
use crate::metrics::Metrics;
use crate::probe;
use crate::settings::ServiceSettings;
use actix::prelude::*;
use cycle::MonitorCore;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The grids planned starts are rounded up to, coarsest first; each divides one second, so
/// the points of a coarser grid are points of every finer one and monitors on different grids
/// still wake up together.
const GRIDS: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_millis(500),
    Duration::from_millis(250),
    Duration::from_millis(100),
    Duration::from_millis(50),
];

/// The finest grid: monitors whose interval is under ten of its steps plan on it.
pub const TICK: Duration = Duration::from_millis(50);

/// Cycle starts per grid step that make its wake-up worth it.
pub const STARTS_PER_STEP: f64 = 100.0;

/// The grid of a fleet checking at `intervals`: the finest step at which about
/// [`STARTS_PER_STEP`] cycles start per step on average, one second at most. A busy fleet
/// keeps a fine grid (10,000 services every 10 s: 100 ms), so bursts stay small and cycles
/// start on time; a smaller one takes a coarser grid (1,000 every 10 s: 1 s) to share wake-ups.
pub fn fleet_grid(intervals: impl IntoIterator<Item = Duration>) -> Duration {
    let rate: f64 = intervals
        .into_iter()
        .map(|interval| 1.0 / interval.as_secs_f64().max(0.001))
        .sum();
    GRIDS
        .into_iter()
        .rev()
        // A thousandth off for rounding: 2,000 a second over 50 ms is 99.999… here.
        .find(|step| rate * step.as_secs_f64() >= STARTS_PER_STEP * 0.999)
        .unwrap_or(GRIDS[0])
}

/// The grid a monitor checking every `interval` plans on in a fleet on `fleet`: the coarsest
/// step no coarser than `fleet` and at most a tenth of the interval (so a start is at most that
/// late), else [`TICK`].
pub fn grid_for(interval: Duration, fleet: Duration) -> Duration {
    GRIDS
        .into_iter()
        .find(|step| *step <= fleet && *step * 10 <= interval)
        .unwrap_or(TICK)
}

/// The first instant a monitor planned from; grid times are counted from it.
static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// `t` rounded up to the next multiple of `tick` after `epoch` (`t` itself when on the grid,
/// `epoch` when before it).
pub fn align_up(t: Instant, epoch: Instant, tick: Duration) -> Instant {
    let since = t.saturating_duration_since(epoch).as_nanos();
    let tick = tick.as_nanos().max(1);
    let ticks = since.div_ceil(tick);
    let aligned = u64::try_from(ticks * tick).unwrap_or(u64::MAX);
    epoch + Duration::from_nanos(aligned)
}

/// The next cycle's plan and its start on `grid` counted from `epoch`: the first is planned
/// `first_delay` after `now`, each next one `interval` after the `previous` plan (or at `now`,
/// when that time has passed: a slow cycle delays the next, it does not queue one).
pub fn next_start(
    previous: Option<Instant>,
    now: Instant,
    first_delay: Duration,
    interval: Duration,
    (epoch, grid): (Instant, Duration),
) -> (Instant, Instant) {
    let planned = match previous {
        None => now + first_delay,
        Some(previous) => (previous + interval).max(now),
    };
    (planned, align_up(planned, epoch, grid))
}

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
    /// The grid its starts are rounded up to.
    grid: Duration,
    /// When the next cycle is planned, before rounding to the grid.
    planned: Option<Instant>,
    /// When it starts: `planned` rounded up to the grid.
    next_due: Option<Instant>,
    metrics: Arc<Metrics>,
    #[cfg(feature = "test-hooks")]
    faults: Faults,
}

impl ServiceMonitor {
    /// A monitor whose first cycle starts `first_delay` after it starts.
    pub fn new(
        core: MonitorCore,
        client: awc::Client,
        links: MonitorLinks,
        first_delay: Duration,
    ) -> Self {
        let grid = grid_for(core.service.interval.0, GRIDS[0]);
        ServiceMonitor {
            core,
            client,
            links,
            first_delay,
            grid,
            planned: None,
            next_due: None,
            metrics: Arc::default(),
            #[cfg(feature = "test-hooks")]
            faults: Faults::default(),
        }
    }

    /// The same monitor planning on the grid of a fleet on `fleet` (see [`fleet_grid`]; alone,
    /// it plans as a fleet of one, on the coarsest grid its interval allows).
    pub fn on_grid(mut self, fleet: Duration) -> Self {
        self.grid = grid_for(self.core.service.interval.0, fleet);
        self
    }

    /// The same monitor counting its cycles in `metrics` (by default, in metrics of its own).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    fn schedule(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let epoch = *EPOCH.get_or_init(|| now);
        let interval = self.core.service.interval.0;
        let (planned, due) = next_start(
            self.planned,
            now,
            self.first_delay,
            interval,
            (epoch, self.grid),
        );
        self.planned = Some(planned);
        self.next_due = Some(due);
        ctx.run_later(due - now, |act, ctx| act.run_cycle(ctx));
    }

    /// The same monitor obeying the faults injected in `faults` (test-hooks builds only).
    #[cfg(feature = "test-hooks")]
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Carries out a fault injected for this cycle; true if it took the cycle's place.
    #[cfg(feature = "test-hooks")]
    fn injected(&mut self, ctx: &mut Context<Self>) -> bool {
        let name = &self.core.service.name;
        match self.faults.next(name) {
            None => false,
            Some(Injected::Stop) => {
                log::warn!("Monitor of {name} stops: a stop was injected through the test hook");
                ctx.stop();
                true
            }
            Some(Injected::Inconclusive(message)) => {
                self.finish(CycleResult::Inconclusive(message));
                self.schedule(ctx);
                true
            }
        }
    }

    fn run_cycle(&mut self, ctx: &mut Context<Self>) {
        if let Some(due) = self.next_due {
            self.metrics
                .schedule_lag
                .observe(Instant::now().saturating_duration_since(due));
        }
        #[cfg(feature = "test-hooks")]
        if self.injected(ctx) {
            return;
        }
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

/// A fault injected through the test hook (`POST /api/admin/faults`). Test-hooks builds only.
#[cfg(feature = "test-hooks")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    /// Cycles still to end inconclusive, without a probe: not stored, not counted, not alerted.
    pub cycles: u32,
    /// The message those cycles end with.
    pub message: String,
    /// Stop the monitor at its next cycle (its Supervisor restarts it), before those cycles.
    pub stop: bool,
}

/// What a pending fault does to a monitor's next cycle.
#[cfg(feature = "test-hooks")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Injected {
    /// The monitor stops instead of running the cycle.
    Stop,
    /// The cycle ends inconclusive with this message.
    Inconclusive(String),
}

/// The faults waiting for their services' next cycles, by service name; shared by the web app
/// (which injects them) and every monitor (which takes its own). Test-hooks builds only.
#[cfg(feature = "test-hooks")]
#[derive(Clone, Debug, Default)]
pub struct Faults(Arc<std::sync::Mutex<std::collections::HashMap<String, Fault>>>);

#[cfg(feature = "test-hooks")]
impl Faults {
    /// Makes `fault` the pending fault of `service`, replacing any left; false if the lock is
    /// poisoned (nothing injected).
    pub fn inject(&self, service: &str, fault: Fault) -> bool {
        let Ok(mut pending) = self.0.lock() else {
            return false;
        };
        pending.insert(service.to_string(), fault);
        true
    }

    /// Takes what `service`'s next cycle must do, if anything: first a pending stop, then the
    /// inconclusive cycles. A poisoned lock injects nothing.
    pub fn next(&self, service: &str) -> Option<Injected> {
        let mut pending = self.0.lock().ok()?;
        let fault = pending.get_mut(service)?;
        let injected = if std::mem::take(&mut fault.stop) {
            Some(Injected::Stop)
        } else if fault.cycles > 0 {
            fault.cycles -= 1;
            Some(Injected::Inconclusive(fault.message.clone()))
        } else {
            None
        };
        if fault.cycles == 0 && !fault.stop {
            pending.remove(service);
        }
        injected
    }
}

#[cfg(test)]
mod tests;
