//! StatusCache: the current public state and recent history of every service, and the
//! immutable [`Snapshot`] it publishes for handlers, rebuilt when something changed (and at
//! least every [`REBUILD_AFTER`] so uptimes follow the clock) and someone reads it, never per
//! request. Handlers read the published snapshot without a message, so a read never queues
//! behind a rebuild: a read of a stale snapshot wakes the actor, which rebuilds as soon as
//! the build's cost allows. It keeps incidents and maintenance fresh from the database on a slow timer and
//! serves from memory when the database is away.

use crate::board::{self, Board};
pub mod seed;
use crate::db::history::History;
use crate::db::Pool;
use crate::domain::notices::Notices;
use crate::domain::status::ServiceStatus;
use crate::settings::ServiceSettings;
use crate::snapshot::{Current, Input, ServiceView, Snapshot};
use actix::prelude::*;
use chrono::{DateTime, Utc};
pub use seed::{seed, Seed};
mod rebuild;
mod remember;
use rebuild::CLOCK_TICK;
pub use rebuild::{rebuild_due, rebuild_wait, CHEAP_BUILD, REBUILD_AFTER, REBUILD_COST_FACTOR};
use remember::remember;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// New public state of one service.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct StatusUpdate {
    /// Service name.
    pub service: String,
    /// Public status.
    pub status: ServiceStatus,
    /// Latest response time.
    pub response_time_ms: Option<u64>,
    /// Sanitized hint.
    pub detail: Option<String>,
    /// When the cycle ran.
    pub checked_at: DateTime<Utc>,
    /// Start of the confirmed outage in progress.
    pub since: Option<DateTime<Utc>>,
}

/// Rebuilds the snapshot if it is due (sent by the actor to itself, for when a rebuild a
/// reader wanted becomes due).
#[derive(Message)]
#[rtype(result = "()")]
struct Rebuild;

/// Incidents and maintenance read from the database.
#[derive(Message)]
#[rtype(result = "()")]
pub struct NoticesLoaded(pub Notices);

/// Reread incidents, maintenance and hand-resolved outages now (after an operator's change).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RefreshNotices;

struct Entry {
    live: ServiceView,
    history: History,
}

/// The actor.
pub struct StatusCache {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    notices: Arc<Notices>,
    snapshot: Current,
    dirty: bool,
    /// A [`Rebuild`] is on its way.
    queued: bool,
    /// When the snapshot was built (monotonic) and how long that took.
    built: (Instant, Duration),
    refresh: Option<(Pool, Duration)>,
    board: Board,
}

impl StatusCache {
    /// A cache for the configured services, all unknown.
    pub fn new(names: &[String]) -> Self {
        let entries: Vec<Entry> = names
            .iter()
            .map(|name| Entry {
                live: ServiceView::unknown(name),
                history: History::default(),
            })
            .collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let mut cache = StatusCache {
            entries,
            index,
            notices: Arc::new(Notices::default()),
            snapshot: Current::new(Snapshot::build(Vec::new())),
            dirty: true,
            queued: false,
            built: (Instant::now(), Duration::ZERO),
            refresh: None,
            board: Board::default(),
        };
        cache.rebuild();
        cache
    }

    /// Starts from the histories loaded at start.
    pub fn with_history(mut self, loaded: HashMap<String, History>) -> Self {
        for (name, history) in loaded {
            if let Some(&i) = self.index.get(&name) {
                self.entries[i].history = history;
            }
        }
        self.rebuild();
        self
    }

    /// Puts each configured service in its group (services in none, or not configured here,
    /// keep none).
    pub fn with_groups(mut self, services: &[ServiceSettings]) -> Self {
        for svc in services {
            if let Some(&i) = self.index.get(&svc.name) {
                self.entries[i].live.group.clone_from(&svc.group);
            }
        }
        self.rebuild();
        self
    }

    /// Publishes every reading of incidents, maintenance and hand-resolved outages on
    /// `board` for the monitors, starting from what it shows now.
    pub fn with_board(mut self, board: Board) -> Self {
        self.notices = Arc::new(board.current().notices.clone());
        self.board = board;
        self.rebuild();
        self
    }

    /// The cell the snapshot is published in: handlers read the current one from it.
    pub fn published(&self) -> Current {
        self.snapshot.clone()
    }

    /// Reloads incidents and maintenance from `pool` every `every` (and once at start).
    pub fn refreshing(mut self, pool: Pool, every: Duration) -> Self {
        self.refresh = Some((pool, every));
        self
    }

    fn rebuild(&mut self) {
        // The old snapshot stays published while the new one builds: handlers keep reading it.
        // Its page and JSON are rendered only if someone asked, so the two alive at once are
        // mostly the views, not the rendered bodies.
        let inputs: Vec<Input<'_>> = self
            .entries
            .iter()
            .map(|e| Input {
                live: &e.live,
                monitored_since: e.history.monitored_since,
                outages: &e.history.outages,
                samples: &e.history.samples,
            })
            .collect();
        let started = Instant::now();
        let snap = Snapshot::assemble(&inputs, self.notices.clone(), Utc::now());
        let cost = started.elapsed();
        self.snapshot.publish(snap, cost < CHEAP_BUILD);
        self.dirty = false;
        self.built = (Instant::now(), cost);
    }

    /// Marks the snapshot stale: the next read wakes the actor to rebuild it.
    fn changed(&mut self) {
        self.dirty = true;
        self.snapshot.mark_stale();
    }

    /// Rebuilds now if due, else once due (a reader found the snapshot stale).
    fn wanted(&mut self, ctx: &mut Context<Self>) {
        if rebuild_due(self.dirty, self.built.0.elapsed(), self.built.1) {
            self.rebuild();
        } else if self.dirty {
            self.schedule(ctx);
        }
    }

    /// Waits for the next reader that finds the snapshot stale, then again.
    fn await_readers(&self, ctx: &mut Context<Self>) {
        let cell = self.snapshot.clone();
        let wanted = async move { cell.wanted().await };
        ctx.spawn(wanted.into_actor(self).map(|(), act, ctx| {
            act.wanted(ctx);
            act.await_readers(ctx);
        }));
    }

    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if self.queued {
            return;
        }
        self.queued = true;
        match rebuild_wait(self.built.0.elapsed(), self.built.1) {
            Duration::ZERO => ctx.notify(Rebuild),
            wait => {
                ctx.notify_later(Rebuild, wait);
            }
        }
    }

    fn load_notices(&self, ctx: &mut Context<Self>) {
        let Some((pool, _)) = self.refresh.clone() else {
            return;
        };
        let load = crate::db::blocking(pool, |conn| Ok(board::load(conn, Utc::now())?));
        ctx.spawn(load.into_actor(self).map(|result, act, _| match result {
            Ok(data) => {
                if *act.notices != data.notices {
                    act.notices = Arc::new(data.notices.clone());
                    act.changed();
                }
                act.board.publish(data);
            }
            Err(e) => log::warn!(
                "Could not refresh incidents and maintenance (showing the last known): {e}"
            ),
        }));
    }
}

impl Actor for StatusCache {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.await_readers(ctx);
        ctx.run_interval(CLOCK_TICK, |act, _| {
            if act.built.0.elapsed() >= REBUILD_AFTER {
                act.snapshot.mark_stale();
            }
        });
        if let Some((_, every)) = self.refresh {
            self.load_notices(ctx);
            ctx.run_interval(every, |act, ctx| act.load_notices(ctx));
        }
    }
}

impl Handler<StatusUpdate> for StatusCache {
    type Result = ();

    fn handle(&mut self, msg: StatusUpdate, _: &mut Self::Context) {
        let Some(&i) = self.index.get(&msg.service) else {
            log::warn!(
                "Status update for unknown service {:?} ignored",
                msg.service
            );
            return;
        };
        let entry = &mut self.entries[i];
        remember(&mut entry.history, &msg);
        let view = &mut entry.live;
        view.status = msg.status;
        view.response_time_ms = msg.response_time_ms;
        view.detail = msg.detail;
        view.last_checked = Some(msg.checked_at);
        view.since = msg.since;
        self.changed();
    }
}

impl Handler<NoticesLoaded> for StatusCache {
    type Result = ();

    fn handle(&mut self, msg: NoticesLoaded, _: &mut Self::Context) {
        self.notices = Arc::new(msg.0);
        self.changed();
    }
}

impl Handler<RefreshNotices> for StatusCache {
    type Result = ();

    fn handle(&mut self, _: RefreshNotices, ctx: &mut Self::Context) {
        self.load_notices(ctx);
    }
}

impl Handler<Rebuild> for StatusCache {
    type Result = ();

    fn handle(&mut self, _: Rebuild, ctx: &mut Self::Context) {
        self.queued = false;
        self.wanted(ctx);
    }
}

#[cfg(test)]
mod tests;
