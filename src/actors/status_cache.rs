//! StatusCache: the current public state and recent history of every service, and the
//! immutable [`Snapshot`] handlers read, rebuilt when something changed (and at least every
//! [`REBUILD_AFTER`] so uptimes follow the clock), never per request. It keeps incidents and
//! maintenance fresh from the database on a slow timer and serves from memory when the
//! database is away.

use super::board::{self, Board};
#[path = "seed.rs"]
pub mod seed;
pub use super::snapshot::{Input, Rendered, ServiceDetail, ServiceView, Snapshot};
use crate::db::history::{self, History, SAMPLES};
use crate::db::Pool;
use crate::domain::notices::Notices;
use crate::domain::status::ServiceStatus;
use crate::domain::uptime::Span;
use crate::settings::{ServiceSettings, StatusPageSettings};
use actix::prelude::*;
use chrono::{DateTime, Duration as Age, Utc};
pub use seed::{seed, Seed};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// A snapshot older than this is rebuilt even without a change.
pub const REBUILD_AFTER: Duration = Duration::from_secs(15);
/// A snapshot that builds faster than this is rebuilt at the first request after any change.
pub const CHEAP_BUILD: Duration = Duration::from_millis(20);
/// A costlier one (hundreds of services) is rebuilt once it is this many times as old as its
/// last build took: rebuilding then takes at most a fifth of the actor's time however often
/// services change, and the page is at most a few build times stale.
pub const REBUILD_COST_FACTOR: u32 = 4;

/// Whether a snapshot of `age`, whose build took `cost`, is rebuilt now.
pub fn rebuild_due(dirty: bool, age: Duration, cost: Duration) -> bool {
    let settled = cost < CHEAP_BUILD || age >= cost * REBUILD_COST_FACTOR;
    age >= REBUILD_AFTER || (dirty && settled)
}

/// The snapshot of no services: the start, and the placeholder during a rebuild (built once, so
/// a rebuild does not render and compress it again).
static EMPTY: LazyLock<Arc<Snapshot>> = LazyLock::new(|| Arc::new(Snapshot::build(Vec::new())));

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

/// Asks for the current snapshot.
#[derive(Message)]
#[rtype(result = "Arc<Snapshot>")]
pub struct GetSnapshot;

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
    page: Arc<StatusPageSettings>,
    snapshot: Arc<Snapshot>,
    dirty: bool,
    /// When the snapshot was built (monotonic) and how long that took.
    built: (Instant, Duration),
    refresh: Option<(Pool, Duration)>,
    board: Board,
}

impl StatusCache {
    /// A cache for the configured services, all unknown, rendering with `page`.
    pub fn new(names: &[String], page: Arc<StatusPageSettings>) -> Self {
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
            page,
            snapshot: EMPTY.clone(),
            dirty: true,
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

    /// Reloads incidents and maintenance from `pool` every `every` (and once at start).
    pub fn refreshing(mut self, pool: Pool, every: Duration) -> Self {
        self.refresh = Some((pool, every));
        self
    }

    fn rebuild(&mut self) {
        // Let the old snapshot go first (a handler still holding it keeps its own reference):
        // at 10,000 services one is tens of MB, and two alive at once made the process's peak.
        // Nothing reads the placeholder: handlers ask this actor, which is busy until the end.
        self.snapshot = EMPTY.clone();
        let inputs: Vec<Input<'_>> = self
            .entries
            .iter()
            .map(|e| Input {
                live: &e.live,
                history: &e.history,
            })
            .collect();
        let started = Instant::now();
        let snap = Snapshot::assemble(&inputs, self.notices.clone(), &self.page, Utc::now());
        self.snapshot = Arc::new(snap);
        self.dirty = false;
        self.built = (Instant::now(), started.elapsed());
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
                    act.dirty = true;
                }
                act.board.publish(data);
            }
            Err(e) => log::warn!(
                "Could not refresh incidents and maintenance (showing the last known): {e}"
            ),
        }));
    }
}

/// Applies a status update to a service's history: its newest sample, and its outage list
/// (an outage appears when confirmed and closes at the first up cycle).
fn remember(history: &mut History, msg: &StatusUpdate) {
    if let Some(ms) = msg.response_time_ms {
        history.samples.push((msg.checked_at, ms));
        let day_ago = msg.checked_at - Age::hours(24);
        history.samples.retain(|(at, _)| *at >= day_ago);
        let excess = history.samples.len().saturating_sub(SAMPLES);
        history.samples.drain(..excess);
    }
    let open = history.outages.iter_mut().find(|o| o.end.is_none());
    match (open, msg.since) {
        (Some(o), Some(start)) if o.start == start => {}
        (Some(o), since) => {
            o.end = Some(msg.checked_at);
            if let Some(start) = since {
                history.outages.push(Span { start, end: None });
            }
        }
        (None, Some(start)) => history.outages.push(Span { start, end: None }),
        (None, None) => {}
    }
    let horizon = msg.checked_at - Age::days(history::HISTORY_DAYS + 1);
    history
        .outages
        .retain(|o| o.end.is_none_or(|end| end >= horizon));
    if history.monitored_since.is_none() {
        history.monitored_since = Some(msg.checked_at);
    }
}

impl Actor for StatusCache {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
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
        self.dirty = true;
    }
}

impl Handler<NoticesLoaded> for StatusCache {
    type Result = ();

    fn handle(&mut self, msg: NoticesLoaded, _: &mut Self::Context) {
        self.notices = Arc::new(msg.0);
        self.dirty = true;
    }
}

impl Handler<RefreshNotices> for StatusCache {
    type Result = ();

    fn handle(&mut self, _: RefreshNotices, ctx: &mut Self::Context) {
        self.load_notices(ctx);
    }
}

impl Handler<GetSnapshot> for StatusCache {
    type Result = MessageResult<GetSnapshot>;

    fn handle(&mut self, _: GetSnapshot, _: &mut Self::Context) -> Self::Result {
        if rebuild_due(self.dirty, self.built.0.elapsed(), self.built.1) {
            self.rebuild();
        }
        MessageResult(self.snapshot.clone())
    }
}

#[cfg(test)]
#[path = "status_cache_tests.rs"]
mod tests;
