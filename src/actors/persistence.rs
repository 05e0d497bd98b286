//! Persistence: the writer of everything the monitors produce (check rows, states, outages,
//! outbox rows). The web reads and the operators change the database through `crate::store`.
//!
//! Writes arrive as [`Record`]s and wait in an in-memory backlog; whenever no batch is in
//! flight, everything waiting is written in one transaction on a blocking thread (so batches
//! grow with load). The latest state of each service is kept once, not per cycle.
//!
//! Routine writes (the check rows and unchanged states of healthy services) linger up to
//! [`LINGER`] so that each transaction carries many rows: a transaction's fixed cost (pool
//! checkout, statement preparation, commit, WAL write) is paid about once a second instead of
//! once per check. Anything else is urgent and written at once, with everything waiting before
//! it (the sender marks a [`Record`] urgent): an outage opened or closed, an alert queued or
//! delivered, a failure streak growing or ending. A crash loses at most the last [`LINGER`] of
//! routine check rows, never a transition.
//!
//! A healthy service's state changes only in its "last checked" time from one cycle to the next;
//! such state rows (marked `state_refresh_only` by the monitor) are written at most every
//! [`STATE_REFRESH`] (and at every flush), not at every check, so
//! `service_states.last_checked_at` may lag that much after a crash. Any other state change
//! (a streak growing during an outage included) goes with the next batch.
//!
//! When the database fails, the batch goes back to the front and is retried with backoff; the
//! backlog is bounded by dropping the oldest *check rows* only (counted and logged), never an
//! outage, a state or an alert.
//!
//! These rules are the pure [`WriteQueue`] (`persistence_queue.rs`, with its unit tests); the
//! actor moves messages, runs each batch on a blocking thread and keeps the timers it asks for.

mod queue;

pub use queue::{Batch, Next, Retry, WriteQueue, FULL_BATCH, LINGER, STATE_REFRESH};

use crate::db::models::{StateRow, WriteOp};
use crate::db::{queries, DbError, Pool};
use crate::metrics::Metrics;
use actix::prelude::*;
use chrono::{NaiveTime, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Writes from one cycle (or one alert delivery), applied together.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Record {
    /// Row writes, in order.
    pub ops: Vec<WriteOp>,
    /// The service's new state, if it changed hands.
    pub state: Option<StateRow>,
    /// Write without lingering: a transition, an alert, or a state that must survive a crash.
    pub urgent: bool,
    /// The state row moves only the "last checked" time: it may wait up to [`STATE_REFRESH`].
    pub state_refresh_only: bool,
}

/// Resolves once everything received so far is written (or never, while the database is away;
/// callers bound the wait).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Flush;

/// Daily retention cleanup settings.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Time of day (UTC).
    pub at: NaiveTime,
    /// Check rows older than this many days are deleted.
    pub days: u32,
}

/// The actor: runs the batches its [`WriteQueue`] hands out and keeps the timers it asks for.
pub struct Persistence {
    pool: Pool,
    queue: WriteQueue,
    waiters: Vec<oneshot::Sender<()>>,
    retention: Option<Retention>,
    metrics: Arc<Metrics>,
}

impl Persistence {
    /// A Persistence actor over `pool` keeping at most `max_backlog` waiting writes.
    pub fn new(pool: Pool, max_backlog: usize, retention: Option<Retention>) -> Self {
        Persistence {
            pool,
            queue: WriteQueue::new(max_backlog, Instant::now()),
            waiters: Vec::new(),
            retention,
            metrics: Arc::default(),
        }
    }

    /// The same actor reporting its backlog, drops and failures in `metrics` (by default, in
    /// metrics of its own).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Publishes the number of writes not committed yet (queued or in flight).
    fn publish_backlog(&self) {
        self.metrics.persistence_backlog.set(self.queue.backlog());
    }

    /// Does what the queue says is due now.
    fn kick(&mut self, ctx: &mut Context<Self>) {
        match self.queue.next(Instant::now(), !self.waiters.is_empty()) {
            Next::Write(batch) => self.write(batch, ctx),
            Next::Idle => self.waiters.drain(..).for_each(|w| {
                let _ = w.send(());
            }),
            Next::WakeIn(left) => {
                ctx.run_later(left, |act, ctx| {
                    act.queue.linger_over();
                    act.kick(ctx);
                });
            }
            Next::Wait => {}
        }
    }

    /// Writes `batch` in one transaction on a blocking thread, then kicks again.
    fn write(&mut self, batch: Batch, ctx: &mut Context<Self>) {
        let pool = self.pool.clone();
        let task = actix_web::rt::task::spawn_blocking(move || {
            let result = pool.get().map_err(DbError::from).and_then(|mut conn| {
                queries::apply_batch(&mut conn, &batch.ops, &batch.states).map_err(DbError::from)
            });
            (result, batch)
        });
        ctx.spawn(task.into_actor(self).map(|joined, act, ctx| {
            match joined {
                Ok((Ok(new_checks), batch)) => {
                    act.metrics.persistence_rows_written.add(new_checks as u64);
                    if act.queue.written() {
                        log::info!(
                            "Database available again; wrote {} pending writes",
                            batch.len()
                        );
                    }
                }
                Ok((Err(e), batch)) => act.failed(e, batch, ctx),
                Err(e) => {
                    act.queue.lost();
                    act.metrics.persistence_write_failures.inc();
                    log::error!("Database write task failed, batch lost: {e}");
                }
            }
            act.kick(ctx);
            act.publish_backlog();
        }));
    }

    /// Puts a failed batch back and schedules its retry.
    fn failed(&mut self, e: DbError, batch: Batch, ctx: &mut Context<Self>) {
        let kept = batch.len();
        let retry = self.queue.failed(batch);
        if retry.first {
            log::warn!("Database write failed, keeping {kept} writes in memory and retrying: {e}");
        }
        self.metrics.persistence_write_failures.inc();
        self.dropped(retry.dropped);
        ctx.run_later(retry.after, |act, ctx| {
            act.queue.retry_due();
            act.kick(ctx);
        });
    }

    /// Counts and logs check rows the queue dropped to stay within its bound.
    fn dropped(&self, dropped: u64) {
        if dropped > 0 {
            self.metrics.persistence_dropped_checks.add(dropped);
            log::warn!(
                "Database backlog full ({} writes): dropped {dropped} oldest check results ({} in all)",
                self.queue.max_backlog(),
                self.queue.dropped_checks()
            );
        }
    }

    fn schedule_cleanup(&mut self, ctx: &mut Context<Self>) {
        let Some(retention) = self.retention else {
            return;
        };
        let delay = until_next(retention.at, Utc::now());
        ctx.run_later(delay, move |act, ctx| {
            let pool = act.pool.clone();
            actix_web::rt::spawn(async move {
                match crate::db::cleanup(pool, retention.days, false).await {
                    Ok(n) => log::info!(
                        "Deleted {n} health check records older than {} days",
                        retention.days
                    ),
                    Err(e) => log::warn!("Retention cleanup failed: {e}"),
                }
            });
            act.schedule_cleanup(ctx);
        });
    }
}

/// Time from `now` to the next `at` (UTC), at least one second.
pub fn until_next(at: NaiveTime, now: chrono::DateTime<Utc>) -> Duration {
    let today = now.date_naive().and_time(at).and_utc();
    let next = if today > now {
        today
    } else {
        today + chrono::Duration::days(1)
    };
    (next - now)
        .to_std()
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_secs(1))
}

impl Actor for Persistence {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.schedule_cleanup(ctx);
    }
}

impl Handler<Record> for Persistence {
    type Result = ();

    fn handle(&mut self, msg: Record, ctx: &mut Self::Context) {
        let dropped = self
            .queue
            .push(msg.ops, msg.state, msg.urgent, msg.state_refresh_only);
        self.dropped(dropped);
        self.kick(ctx);
        self.publish_backlog();
    }
}

impl Handler<Flush> for Persistence {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Flush, ctx: &mut Self::Context) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        self.kick(ctx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn next_cleanup_is_today_or_tomorrow() {
        let at = NaiveTime::from_hms_opt(3, 0, 0).expect("time");
        let before = Utc
            .with_ymd_and_hms(2026, 11, 24, 2, 0, 0)
            .single()
            .expect("t");
        assert_eq!(until_next(at, before), Duration::from_secs(3600));
        let after = Utc
            .with_ymd_and_hms(2026, 11, 24, 3, 0, 0)
            .single()
            .expect("t");
        assert_eq!(until_next(at, after), Duration::from_secs(86400));
    }
}
