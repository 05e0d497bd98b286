//! [`Current`]: the snapshot as handlers read it, published in a [`Published`] cell, with the
//! readers' demand for a fresher one. A snapshot is rebuilt only when someone reads it (as
//! when every read asked the StatusCache), so a process nobody reads spends nothing on
//! snapshots. A read never goes through the actor's mailbox: it takes the snapshot published
//! now and, if that is stale, wakes the StatusCache. When the snapshot is cheap to build the
//! read waits (bounded) for the rebuild, so it sees the change as before; when it is costly
//! the read takes the stale one at once and the rebuild follows as its cost allows.

use super::Snapshot;
use crate::published::Published;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The longest a read of a stale snapshot waits for its rebuild.
const FRESH_WAIT: Duration = Duration::from_secs(1);
/// A stale snapshot older than this is not served without waiting for its rebuild, however
/// costly: with few reads, the published one can be as old as the last read, and a page that
/// is read once a minute must not show the state of a minute ago. Under steady reads the
/// snapshot is rebuilt every few build times and never gets this old, so no read waits.
const TOO_OLD: Duration = Duration::from_secs(5);

/// Whether a read of a stale snapshot, whose last build was `cheap` and which was published
/// `age` ago, waits for the rebuild.
fn waits_for_rebuild(cheap: bool, age: Duration) -> bool {
    cheap || age > TOO_OLD
}

/// When this process's snapshots are dated from (a monotonic origin).
fn origin() -> std::time::Instant {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(std::time::Instant::now)
}

/// Milliseconds since [`origin`], saturating.
fn now_ms() -> u64 {
    u64::try_from(origin().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The published snapshot and its readers' demand; clones share both.
#[derive(Clone, Debug)]
pub struct Current {
    cell: Published<Snapshot>,
    demand: Arc<Demand>,
}

#[derive(Debug, Default)]
struct Demand {
    /// Something changed (or the clock moved on) since the snapshot was built.
    stale: AtomicBool,
    /// Woken by a reader that found the snapshot stale.
    wake: Notify,
    /// The last build was cheap: a reader of a stale snapshot waits for the next.
    cheap: AtomicBool,
    /// Every waiting reader is woken at each publish.
    fresh: Notify,
    /// When the published snapshot was published ([`now_ms`]).
    published_ms: AtomicU64,
}

impl Current {
    /// A cell showing `snapshot`, fresh.
    pub fn new(snapshot: Snapshot) -> Self {
        let demand = Demand::default();
        demand.published_ms.store(now_ms(), Ordering::Release);
        Current {
            cell: Published::new(snapshot),
            demand: Arc::new(demand),
        }
    }

    /// How long ago the published snapshot was published.
    fn age(&self) -> Duration {
        let then = self.demand.published_ms.load(Ordering::Acquire);
        Duration::from_millis(now_ms().saturating_sub(then))
    }

    /// The snapshot published now, without waiting; when it is stale, the writer is woken
    /// to rebuild it.
    pub fn current(&self) -> Arc<Snapshot> {
        if self.demand.stale.load(Ordering::Acquire) {
            self.demand.wake.notify_one();
        }
        self.cell.current()
    }

    /// The snapshot to serve: the one published now, or, when it is stale and either cheap to
    /// rebuild or older than `TOO_OLD` (5 s), the next one (waiting at most `FRESH_WAIT` (1 s)).
    pub async fn read(&self) -> Arc<Snapshot> {
        let mut fresh = std::pin::pin!(self.demand.fresh.notified());
        // Registered before the check, so a publish between the two still wakes this read.
        fresh.as_mut().enable();
        if !self.demand.stale.load(Ordering::Acquire) {
            return self.cell.current();
        }
        self.demand.wake.notify_one();
        if waits_for_rebuild(self.demand.cheap.load(Ordering::Acquire), self.age()) {
            let _ = tokio::time::timeout(FRESH_WAIT, fresh).await;
        }
        self.cell.current()
    }

    /// Publishes a fresh snapshot (the writer); `cheap`: it was cheap to build, so readers
    /// of its stale successor wait for the rebuild.
    pub fn publish(&self, snapshot: Snapshot, cheap: bool) {
        self.cell.publish(snapshot);
        self.demand.published_ms.store(now_ms(), Ordering::Release);
        self.demand.cheap.store(cheap, Ordering::Release);
        self.demand.stale.store(false, Ordering::Release);
        self.demand.fresh.notify_waiters();
    }

    /// Marks the published snapshot stale, so the next read wakes the writer.
    pub fn mark_stale(&self) {
        self.demand.stale.store(true, Ordering::Release);
    }

    /// Resolves when a reader found the snapshot stale (the writer awaits it).
    pub async fn wanted(&self) {
        self.demand.wake.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_stale_read_wakes_the_writer_and_a_fresh_one_does_not() {
        let cell = Current::new(Snapshot::build(Vec::new()));
        let wanted =
            || actix_web::rt::time::timeout(std::time::Duration::from_millis(50), cell.wanted());
        cell.current();
        assert!(wanted().await.is_err(), "fresh: nobody is woken");
        cell.mark_stale();
        cell.current();
        assert!(wanted().await.is_ok(), "stale: the writer is woken");
        cell.publish(Snapshot::build(Vec::new()), true);
        cell.current();
        assert!(wanted().await.is_err());
    }

    #[test]
    fn a_stale_costly_snapshot_is_served_at_once_unless_too_old() {
        assert!(waits_for_rebuild(true, Duration::ZERO));
        assert!(!waits_for_rebuild(false, Duration::from_secs(1)));
        assert!(!waits_for_rebuild(false, TOO_OLD));
        assert!(waits_for_rebuild(false, TOO_OLD + Duration::from_millis(1)));
    }

    #[actix_web::test]
    async fn a_fresh_cell_is_young() {
        let cell = Current::new(Snapshot::build(Vec::new()));
        assert!(cell.age() < TOO_OLD);
    }

    #[actix_web::test]
    async fn a_read_of_a_stale_cheap_snapshot_waits_for_the_next() {
        let cell = Current::new(Snapshot::build(Vec::new()));
        cell.publish(Snapshot::build(Vec::new()), true);
        cell.mark_stale();
        let writer = cell.clone();
        actix_web::rt::spawn(async move {
            writer.wanted().await;
            writer.publish(
                Snapshot::build(vec![super::super::ServiceView::unknown("a")]),
                true,
            );
        });
        assert_eq!(cell.read().await.services.len(), 1);
    }
}
