//! The Persistence actor's write queue: what waits, when a batch is due, and what a failed
//! batch does to the backlog. Pure (time is passed in), so each rule has a unit test; the
//! actor only moves messages, runs the batches and keeps the timers this asks for.
//!
//! The rules (why they hold is in the actor's module doc): routine writes linger up to
//! [`LINGER`] unless [`FULL_BATCH`] of them wait; an urgent record or a flush writes at once;
//! a routine state (a healthy service's new "last checked" time) waits up to
//! [`STATE_REFRESH`] and is kept once per service; one batch is in flight at a time; a failed
//! batch goes back to the front, is retried urgently after a doubling backoff, and the backlog
//! is bounded by dropping the oldest check rows only.

use crate::db::models::{StateRow, WriteOp};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How long routine writes may wait for company.
pub const LINGER: Duration = Duration::from_secs(1);
/// How often routine states (a healthy service's new "last checked" time) are written.
pub const STATE_REFRESH: Duration = Duration::from_secs(60);
/// Routine writes waiting that make a batch worth writing at once.
pub const FULL_BATCH: usize = 2000;
const MIN_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Writes taken together for one transaction.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    /// Row writes, in order.
    pub ops: Vec<WriteOp>,
    /// Each service's latest state, at most one per service.
    pub states: Vec<StateRow>,
}

impl Batch {
    /// Writes in the batch.
    pub fn len(&self) -> usize {
        self.ops.len() + self.states.len()
    }

    /// Whether it holds no write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the actor should do now.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// Write this batch (it is in flight until [`WriteQueue::written`] or
    /// [`WriteQueue::failed`]).
    Write(Batch),
    /// Nothing is owed: resolve anyone waiting for a flush.
    Idle,
    /// Writes linger: wake the queue (call [`WriteQueue::linger_over`]) after this long.
    WakeIn(Duration),
    /// Nothing to do now: a batch is in flight, a retry or a wake-up is already scheduled.
    Wait,
}

/// How a failed batch is retried.
#[derive(Debug, PartialEq)]
pub struct Retry {
    /// Wait this long, then call [`WriteQueue::retry_due`].
    pub after: Duration,
    /// Whether this failure starts a run of failures (the earlier batch was written).
    pub first: bool,
    /// Check rows dropped to keep the backlog bounded.
    pub dropped: u64,
}

/// Writes waiting for the database, and the state of the one batch in flight.
#[derive(Debug)]
pub struct WriteQueue {
    ops: VecDeque<WriteOp>,
    states: HashMap<String, StateRow>,
    routine_states: HashMap<String, StateRow>,
    routine_written: Instant,
    max_backlog: usize,
    in_flight: Option<usize>,
    retry_scheduled: bool,
    backoff: Duration,
    failing: bool,
    dropped_checks: u64,
    urgent: bool,
    waiting_since: Option<Instant>,
    linger_scheduled: bool,
}

impl WriteQueue {
    /// An empty queue keeping at most `max_backlog` row writes (at least one); routine states
    /// count their [`STATE_REFRESH`] from `now`.
    pub fn new(max_backlog: usize, now: Instant) -> Self {
        WriteQueue {
            ops: VecDeque::new(),
            states: HashMap::new(),
            routine_states: HashMap::new(),
            routine_written: now,
            max_backlog: max_backlog.max(1),
            in_flight: None,
            retry_scheduled: false,
            backoff: MIN_BACKOFF,
            failing: false,
            dropped_checks: 0,
            urgent: false,
            waiting_since: None,
            linger_scheduled: false,
        }
    }

    /// Queues one record's writes; returns the check rows dropped to stay within the bound.
    /// A `state_refresh_only` state that is not `urgent` is routine: it may wait.
    pub fn push(
        &mut self,
        ops: Vec<WriteOp>,
        state: Option<StateRow>,
        urgent: bool,
        state_refresh_only: bool,
    ) -> u64 {
        self.urgent |= urgent;
        self.ops.extend(ops);
        if let Some(row) = state {
            if state_refresh_only && !urgent {
                keep_latest(&mut self.routine_states, row);
            } else {
                self.routine_states.remove(&row.service_name);
                keep_latest(&mut self.states, row);
            }
        }
        self.enforce_bound()
    }

    /// What to do at `now`; `flush_waiting` when someone waits for everything to be written.
    pub fn next(&mut self, now: Instant, flush_waiting: bool) -> Next {
        if self.in_flight.is_some() || self.retry_scheduled {
            return Next::Wait;
        }
        let refresh = now.saturating_duration_since(self.routine_written) >= STATE_REFRESH;
        if (refresh || flush_waiting) && !self.routine_states.is_empty() {
            // A routine state is newer than any urgent one of its service still waiting.
            self.states.extend(self.routine_states.drain());
            self.routine_written = now;
        }
        if self.ops.is_empty() && self.states.is_empty() {
            return Next::Idle;
        }
        if let Some(next) = self.linger(now, flush_waiting) {
            return next;
        }
        self.urgent = false;
        self.waiting_since = None;
        let batch = Batch {
            ops: self.ops.drain(..).collect(),
            states: self.states.drain().map(|(_, row)| row).collect(),
        };
        self.in_flight = Some(batch.len());
        Next::Write(batch)
    }

    /// `Some` while only routine writes wait, fewer than a full batch, for less than
    /// [`LINGER`], and nobody waits for a flush: a wake-up to schedule, or none if one is.
    fn linger(&mut self, now: Instant, flush_waiting: bool) -> Option<Next> {
        let waiting = self.ops.len() + self.states.len();
        if self.urgent || flush_waiting || waiting >= FULL_BATCH {
            return None;
        }
        let since = *self.waiting_since.get_or_insert(now);
        let left = LINGER.saturating_sub(now.saturating_duration_since(since));
        if left.is_zero() {
            return None;
        }
        if self.linger_scheduled {
            return Some(Next::Wait);
        }
        self.linger_scheduled = true;
        Some(Next::WakeIn(left))
    }

    /// The wake-up asked for by [`Next::WakeIn`] came.
    pub fn linger_over(&mut self) {
        self.linger_scheduled = false;
    }

    /// The batch in flight was written; returns whether that ends a run of failures.
    pub fn written(&mut self) -> bool {
        self.in_flight = None;
        self.backoff = MIN_BACKOFF;
        std::mem::replace(&mut self.failing, false)
    }

    /// The batch in flight was lost without an answer from the database (its task died).
    pub fn lost(&mut self) {
        self.in_flight = None;
    }

    /// The batch in flight failed: it goes back to the front (a state newer than it stays)
    /// and is retried, without lingering, after the returned delay.
    pub fn failed(&mut self, batch: Batch) -> Retry {
        self.in_flight = None;
        let first = !std::mem::replace(&mut self.failing, true);
        // The retry must not linger: the batch may hold transitions.
        self.urgent = true;
        for op in batch.ops.into_iter().rev() {
            self.ops.push_front(op);
        }
        for row in batch.states {
            self.states.entry(row.service_name.clone()).or_insert(row);
        }
        let dropped = self.enforce_bound();
        self.retry_scheduled = true;
        let after = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        Retry {
            after,
            first,
            dropped,
        }
    }

    /// The delay of a [`Retry`] is over.
    pub fn retry_due(&mut self) {
        self.retry_scheduled = false;
    }

    /// Writes not committed yet (queued or in flight). Routine states are left out: they wait
    /// on purpose, at most one per service, and are not work owed.
    pub fn backlog(&self) -> usize {
        self.ops.len() + self.states.len() + self.in_flight.unwrap_or(0)
    }

    /// Check rows dropped since the start.
    pub fn dropped_checks(&self) -> u64 {
        self.dropped_checks
    }

    /// The bound on waiting row writes.
    pub fn max_backlog(&self) -> usize {
        self.max_backlog
    }

    /// Drops the oldest check rows while the backlog is over its bound; returns how many.
    fn enforce_bound(&mut self) -> u64 {
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
        self.dropped_checks += dropped;
        dropped
    }
}

/// Makes `row` its service's latest in `rows`. A service already there keeps its key, so the
/// common case (a healthy service's routine state, several times a minute) copies no name:
/// with many services this insert was the largest part of the handler's cost (BENCHMARKS.md).
fn keep_latest(rows: &mut HashMap<String, StateRow>, row: StateRow) {
    match rows.get_mut(&row.service_name) {
        Some(slot) => *slot = row,
        None => {
            rows.insert(row.service_name.clone(), row);
        }
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
