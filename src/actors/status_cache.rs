//! StatusCache: the current public state of every service, and an immutable snapshot
//! (with its JSON pre-encoded) that handlers read. Rebuilt on change, not per request.

use crate::domain::status::{overall, OverallStatus, ServiceStatus};
use actix::prelude::*;
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

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

/// One service as the public sees it (the `/api/status` item).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ServiceView {
    /// Service name.
    pub name: String,
    /// up, down, degraded, maintenance or unknown.
    pub status: ServiceStatus,
    /// Latest response time, ms.
    pub response_time_ms: Option<u64>,
    /// Sanitized hint.
    pub detail: Option<String>,
    /// Last conclusive check.
    pub last_checked: Option<DateTime<Utc>>,
    /// Start of the confirmed outage in progress.
    pub since: Option<DateTime<Utc>>,
}

impl ServiceView {
    /// A service before its first result.
    pub fn unknown(name: &str) -> Self {
        ServiceView {
            name: name.to_string(),
            status: ServiceStatus::Unknown,
            response_time_ms: None,
            detail: None,
            last_checked: None,
            since: None,
        }
    }
}

/// An immutable picture of everything, shared with handlers.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// Overall banner.
    pub overall_status: OverallStatus,
    /// Banner text.
    pub status_label: &'static str,
    /// Newest check of any service.
    pub last_checked: Option<DateTime<Utc>>,
    /// Services in configuration order.
    pub services: Vec<ServiceView>,
    /// This snapshot as `/api/status` JSON.
    #[serde(skip)]
    pub json: Bytes,
}

impl Snapshot {
    /// Builds the snapshot of `services` and encodes its JSON once.
    pub fn build(services: Vec<ServiceView>) -> Self {
        let statuses: Vec<ServiceStatus> = services.iter().map(|s| s.status).collect();
        let overall_status = overall(&statuses);
        let mut snapshot = Snapshot {
            overall_status,
            status_label: overall_status.label(),
            last_checked: services.iter().filter_map(|s| s.last_checked).max(),
            services,
            json: Bytes::new(),
        };
        snapshot.json = serde_json::to_vec(&snapshot)
            .map(Bytes::from)
            .unwrap_or_default();
        snapshot
    }
}

/// The actor.
pub struct StatusCache {
    services: Vec<ServiceView>,
    index: HashMap<String, usize>,
    snapshot: Arc<Snapshot>,
    dirty: bool,
}

impl StatusCache {
    /// A cache for the configured services, all unknown.
    pub fn new(names: &[String]) -> Self {
        let services: Vec<ServiceView> = names
            .iter()
            .map(|name| ServiceView::unknown(name))
            .collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let snapshot = Arc::new(Snapshot::build(services.clone()));
        StatusCache {
            services,
            index,
            snapshot,
            dirty: false,
        }
    }
}

impl Actor for StatusCache {
    type Context = Context<Self>;
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
        let view = &mut self.services[i];
        view.status = msg.status;
        view.response_time_ms = msg.response_time_ms;
        view.detail = msg.detail;
        view.last_checked = Some(msg.checked_at);
        view.since = msg.since;
        self.dirty = true;
    }
}

impl Handler<GetSnapshot> for StatusCache {
    type Result = MessageResult<GetSnapshot>;

    fn handle(&mut self, _: GetSnapshot, _: &mut Self::Context) -> Self::Result {
        if self.dirty {
            self.snapshot = Arc::new(Snapshot::build(self.services.clone()));
            self.dirty = false;
        }
        MessageResult(self.snapshot.clone())
    }
}
