//! Persistence: the only owner of the database pool.
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

use crate::db::models::{StateRow, WriteOp};
use crate::db::{queries, DbError, Pool};
use crate::metrics::Metrics;
use actix::prelude::*;
use chrono::{NaiveTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// How long routine writes may wait for company.
pub const LINGER: Duration = Duration::from_secs(1);
/// How often routine states (a healthy service's new "last checked" time) are written.
pub const STATE_REFRESH: Duration = Duration::from_secs(60);
/// Routine writes waiting that make a batch worth writing at once.
pub const FULL_BATCH: usize = 2000;
const MAX_BACKOFF: Duration = Duration::from_secs(10);

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

/// The actor.
pub struct Persistence {
    pool: Pool,
    ops: VecDeque<WriteOp>,
    states: HashMap<String, StateRow>,
    routine_states: HashMap<String, StateRow>,
    routine_written: std::time::Instant,
    max_backlog: usize,
    in_flight: bool,
    in_flight_len: usize,
    retry_scheduled: bool,
    backoff: Duration,
    failing: bool,
    dropped_checks: u64,
    waiters: Vec<oneshot::Sender<()>>,
    urgent: bool,
    waiting_since: Option<std::time::Instant>,
    linger_scheduled: bool,
    retention: Option<Retention>,
    metrics: Arc<Metrics>,
}

impl Persistence {
    /// A Persistence actor over `pool` keeping at most `max_backlog` waiting writes.
    pub fn new(pool: Pool, max_backlog: usize, retention: Option<Retention>) -> Self {
        Persistence {
            pool,
            ops: VecDeque::new(),
            states: HashMap::new(),
            routine_states: HashMap::new(),
            routine_written: std::time::Instant::now(),
            max_backlog: max_backlog.max(1),
            in_flight: false,
            in_flight_len: 0,
            retry_scheduled: false,
            backoff: MIN_BACKOFF,
            failing: false,
            dropped_checks: 0,
            waiters: Vec::new(),
            urgent: false,
            waiting_since: None,
            linger_scheduled: false,
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

    /// Publishes the number of writes not committed yet (queued or in flight). Routine states
    /// are left out: they wait on purpose, at most one per service, and are not work owed.
    fn publish_backlog(&self) {
        let waiting = self.ops.len() + self.states.len() + self.in_flight_len;
        self.metrics.persistence_backlog.set(waiting);
    }

    fn kick(&mut self, ctx: &mut Context<Self>) {
        if self.in_flight || self.retry_scheduled {
            return;
        }
        let refresh = self.routine_written.elapsed() >= STATE_REFRESH;
        if (refresh || !self.waiters.is_empty()) && !self.routine_states.is_empty() {
            // A routine state is newer than any urgent one of its service still waiting.
            self.states.extend(self.routine_states.drain());
            self.routine_written = std::time::Instant::now();
        }
        if self.ops.is_empty() && self.states.is_empty() {
            self.waiters.drain(..).for_each(|w| {
                let _ = w.send(());
            });
            return;
        }
        if self.should_linger(ctx) {
            return;
        }
        self.urgent = false;
        self.waiting_since = None;
        let ops: Vec<WriteOp> = self.ops.drain(..).collect();
        let states: Vec<StateRow> = self.states.drain().map(|(_, row)| row).collect();
        self.in_flight = true;
        self.in_flight_len = ops.len() + states.len();
        let pool = self.pool.clone();
        let task = actix_web::rt::task::spawn_blocking(move || {
            let result = pool.get().map_err(DbError::from).and_then(|mut conn| {
                queries::apply_batch(&mut conn, &ops, &states).map_err(DbError::from)
            });
            (result, ops, states)
        });
        ctx.spawn(task.into_actor(self).map(|joined, act, ctx| {
            act.in_flight = false;
            act.in_flight_len = 0;
            match joined {
                Ok((Ok(new_checks), ops, states)) => {
                    act.metrics.persistence_rows_written.add(new_checks as u64);
                    act.written(ops.len() + states.len());
                }
                Ok((Err(e), ops, states)) => act.failed(e, ops, states, ctx),
                Err(e) => {
                    act.metrics.persistence_write_failures.inc();
                    log::error!("Database write task failed, batch lost: {e}");
                }
            }
            act.kick(ctx);
            act.publish_backlog();
        }));
    }

    /// True (with a wake-up scheduled) while only routine writes wait, fewer than a full
    /// batch, for less than [`LINGER`], and nobody waits for a flush.
    fn should_linger(&mut self, ctx: &mut Context<Self>) -> bool {
        let waiting = self.ops.len() + self.states.len();
        if self.urgent || !self.waiters.is_empty() || waiting >= FULL_BATCH {
            return false;
        }
        let since = *self
            .waiting_since
            .get_or_insert_with(std::time::Instant::now);
        let left = LINGER.saturating_sub(since.elapsed());
        if left.is_zero() {
            return false;
        }
        if !self.linger_scheduled {
            self.linger_scheduled = true;
            ctx.run_later(left, |act, ctx| {
                act.linger_scheduled = false;
                act.kick(ctx);
            });
        }
        true
    }

    fn written(&mut self, n: usize) {
        if self.failing {
            log::info!("Database available again; wrote {n} pending writes");
        }
        self.failing = false;
        self.backoff = MIN_BACKOFF;
    }

    fn failed(
        &mut self,
        e: DbError,
        ops: Vec<WriteOp>,
        states: Vec<StateRow>,
        ctx: &mut Context<Self>,
    ) {
        if !self.failing {
            log::warn!(
                "Database write failed, keeping {} writes in memory and retrying: {e}",
                ops.len() + states.len()
            );
        }
        self.failing = true;
        // The retry must not linger: the batch may hold transitions.
        self.urgent = true;
        self.metrics.persistence_write_failures.inc();
        for op in ops.into_iter().rev() {
            self.ops.push_front(op);
        }
        for row in states {
            self.states.entry(row.service_name.clone()).or_insert(row);
        }
        self.enforce_bound();
        self.retry_scheduled = true;
        let delay = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        ctx.run_later(delay, |act, ctx| {
            act.retry_scheduled = false;
            act.kick(ctx);
        });
    }

    /// Drops the oldest check rows while the backlog is over its bound.
    fn enforce_bound(&mut self) {
        let mut dropped = 0;
        while self.ops.len() > self.max_backlog {
            match self
                .ops
                .iter()
                .position(|op| matches!(op, WriteOp::Check(_)))
            {
                Some(i) => {
                    self.ops.remove(i);
                    dropped += 1;
                }
                None => break,
            }
        }
        if dropped > 0 {
            self.dropped_checks += dropped;
            self.metrics.persistence_dropped_checks.add(dropped);
            log::warn!(
                "Database backlog full ({} writes): dropped {dropped} oldest check results ({} in all)",
                self.max_backlog,
                self.dropped_checks
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

/// Makes `row` its service's latest in `rows`. A service already there keeps its key, so the
/// common case (a healthy service's routine state, five times a minute at a 10 s interval)
/// copies no name (at 10,000 services this handler was 4 % of the process, the map's insert
/// the largest part).
fn keep_latest(rows: &mut HashMap<String, StateRow>, row: StateRow) {
    match rows.get_mut(&row.service_name) {
        Some(slot) => *slot = row,
        None => {
            rows.insert(row.service_name.clone(), row);
        }
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
        self.urgent |= msg.urgent;
        self.ops.extend(msg.ops);
        if let Some(row) = msg.state {
            if msg.state_refresh_only && !msg.urgent {
                keep_latest(&mut self.routine_states, row);
            } else {
                self.routine_states.remove(&row.service_name);
                keep_latest(&mut self.states, row);
            }
        }
        self.enforce_bound();
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
