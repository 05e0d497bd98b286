//! Operational metrics: the counters, gauges and histogram the actors update, shared as
//! `Arc<Metrics>`. Data only: the web's `/metrics` handler turns them into the Prometheus
//! text exposition (`web::api::exposition`).

use crate::domain::outcome::{CheckStatus, CycleResult};
use std::sync::atomic::{AtomicU64, Ordering};

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (a queue length).
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, n: usize) {
        self.0
            .store(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds (seconds) of the [`Histogram`] buckets of the scheduling lag.
pub const LAG_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// A histogram of durations over [`LAG_BUCKETS`] (plus `+Inf`), lock-free.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations per bucket (not cumulative); the last one is `+Inf`.
    buckets: [AtomicU64; LAG_BUCKETS.len() + 1],
    /// Sum of the observations, in microseconds.
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, value: std::time::Duration) {
        let secs = value.as_secs_f64();
        let i = LAG_BUCKETS
            .iter()
            .position(|bound| secs <= *bound)
            .unwrap_or(LAG_BUCKETS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Cumulative counts per bucket, `+Inf` last (the exposition format's `_bucket` values).
    pub fn cumulative(&self) -> [u64; LAG_BUCKETS.len() + 1] {
        let mut total = 0;
        let mut out = [0; LAG_BUCKETS.len() + 1];
        for (slot, bucket) in out.iter_mut().zip(&self.buckets) {
            total += bucket.load(Ordering::Relaxed);
            *slot = total;
        }
        out
    }

    /// Sum of the observations in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
    }
}

/// Every process-wide metric, shared (as `Arc<Metrics>`) by the actors and the web app.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Cycles that found their service up.
    pub checks_up: Counter,
    /// Cycles that found their service down.
    pub checks_down: Counter,
    /// Cycles that ended inconclusive (the monitor itself failed).
    pub checks_inconclusive: Counter,
    /// Alerts Slack accepted (2xx).
    pub alerts_sent: Counter,
    /// Delivery attempts that failed (connection error, timeout, non-2xx).
    pub alert_delivery_failures: Counter,
    /// Alerts given up after Slack rejected the payload (HTTP 400; outbox state `failed`).
    pub alerts_given_up: Counter,
    /// Alerts logged and skipped because no webhook is configured.
    pub alerts_skipped: Counter,
    /// Alerts waiting in the Alerter's queue (the one being delivered included).
    pub alert_backlog: Gauge,
    /// Writes Persistence holds that are not committed yet (queued or in the batch in flight).
    pub persistence_backlog: Gauge,
    /// Check rows dropped because the persistence backlog was full.
    pub persistence_dropped_checks: Counter,
    /// Failed database write batches (retried, except a batch whose write task died).
    pub persistence_write_failures: Counter,
    /// Check rows committed (a replayed row counts once per commit).
    pub persistence_rows_written: Counter,
    /// How late cycles start: actual start minus planned start.
    pub schedule_lag: Histogram,
    /// Client addresses the admin lockout tracks (wrong tokens within the window, or locked
    /// out); set when `/metrics` is read.
    pub admin_lockout_addresses: Gauge,
}

impl Metrics {
    /// Counts a cycle's result by kind.
    pub fn count_cycle(&self, result: &CycleResult) {
        match result {
            CycleResult::Checked(o) if o.status == CheckStatus::Up => self.checks_up.inc(),
            CycleResult::Checked(_) => self.checks_down.inc(),
            CycleResult::Inconclusive(_) => self.checks_inconclusive.inc(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::outcome::CheckOutcome;
    use std::time::Duration;

    #[test]
    fn cycles_are_counted_by_kind() {
        let m = Metrics::default();
        let now = chrono::Utc::now();
        m.count_cycle(&CycleResult::Checked(CheckOutcome::up(now, 5, 200)));
        m.count_cycle(&CycleResult::Checked(CheckOutcome::down(
            now, "x", None, None,
        )));
        m.count_cycle(&CycleResult::Inconclusive("bug".into()));
        let counts = [&m.checks_up, &m.checks_down, &m.checks_inconclusive].map(Counter::get);
        assert_eq!(counts, [1, 1, 1]);
    }

    #[test]
    fn the_histogram_counts_cumulatively_and_sums_in_seconds() {
        let h = Histogram::default();
        for ms in [0, 3, 5000] {
            h.observe(Duration::from_millis(ms));
        }
        let counts = h.cumulative();
        assert_eq!((counts[0], counts[1], counts[LAG_BUCKETS.len()]), (1, 2, 3));
        assert!((h.sum_seconds() - 5.003).abs() < 1e-9);
    }
}
