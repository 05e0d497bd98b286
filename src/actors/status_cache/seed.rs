//! The StatusCache's start from the stored state: each service's newest stored check and open
//! outage, so a restart shows what the database remembers (a service down in an open outage
//! shows down) instead of every service unknown until its next cycle.

use super::StatusCache;
use crate::actors::service_monitor::cycle::MonitorCore;
use crate::db::read_queries::{self, CheckRecord};
use crate::db::{queries, Pool};
use crate::domain::status::{hint, ServiceStatus};
use crate::snapshot::ServiceView;
use actix::prelude::*;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::HashMap;

/// A service's newest stored check, its open outage and its degraded threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// Service name.
    pub service: String,
    /// Its newest stored check.
    pub check: CheckRecord,
    /// Start of its outage still open in the database.
    pub open: Option<DateTime<Utc>>,
    /// Its `degraded_threshold_ms`.
    pub degraded_ms: u64,
}

/// What the database remembers of each service, shown until its first cycle after the start.
#[derive(Message, Clone, Debug, Default)]
#[rtype(result = "()")]
pub struct Seed(pub Vec<Stored>);

/// The public view of a service from what is stored: down while an outage is open (its hint
/// from the newest check), up or degraded after an up check, unknown after a failing check
/// below the threshold (its public status then was the one before, which is not stored).
pub fn seeded(live: &ServiceView, stored: &Stored) -> ServiceView {
    let check = &stored.check;
    let ms = check.response_time_ms.and_then(|ms| u64::try_from(ms).ok());
    let (status, detail) = if stored.open.is_some() {
        let code = check.status_code.and_then(|c| u16::try_from(c).ok());
        let error = check.error_message.as_deref().unwrap_or("");
        (ServiceStatus::Down, Some(hint(error, code)))
    } else if check.status != "up" {
        (ServiceStatus::Unknown, None)
    } else if ms.unwrap_or(0) > stored.degraded_ms {
        (ServiceStatus::Degraded, Some("Slow response".to_string()))
    } else {
        (ServiceStatus::Up, None)
    };
    ServiceView {
        status,
        response_time_ms: ms,
        detail,
        last_checked: Some(check.checked_at),
        since: stored.open,
        ..live.clone()
    }
}

type Latest = (HashMap<String, CheckRecord>, Vec<(String, NaiveDateTime)>);

/// Reads the newest stored check and open outage of each of `services` (name, degraded
/// threshold) from `pool`; nothing (and a warning) when the database fails.
pub async fn load(pool: Pool, services: Vec<(String, u64)>) -> Seed {
    let names: Vec<String> = services.iter().map(|(name, _)| name.clone()).collect();
    let read = crate::db::blocking(pool, move |conn| -> Result<Latest, crate::db::DbError> {
        let latest = read_queries::latest_checks(conn, &names)?;
        Ok((latest, queries::open_outages(conn)?))
    });
    let (mut latest, open) = match read.await {
        Ok(read) => read,
        Err(e) => {
            log::warn!("Could not read the last checks; services show unknown until checked: {e}");
            return Seed::default();
        }
    };
    // Oldest first: the newest open outage of a service wins.
    let open: HashMap<String, NaiveDateTime> = open.into_iter().collect();
    let stored = services
        .into_iter()
        .filter_map(|(service, degraded_ms)| {
            Some(Stored {
                check: latest.remove(&service)?,
                open: open.get(&service).map(|start| start.and_utc()),
                service,
                degraded_ms,
            })
        })
        .collect();
    Seed(stored)
}

/// Seeds `cache` from the database before the page is served, and each of `monitors` with
/// the public status shown, so a failing cycle below the threshold keeps it (as it would
/// have without the restart) instead of turning it unknown.
pub async fn seed(cache: &Addr<StatusCache>, pool: Pool, monitors: &mut [MonitorCore]) {
    let services = monitors
        .iter()
        .map(|m| (m.service.name.clone(), m.service.degraded_threshold_ms))
        .collect();
    let seed = load(pool, services).await;
    let by_name: HashMap<&str, &Stored> = seed.0.iter().map(|s| (s.service.as_str(), s)).collect();
    for monitor in monitors.iter_mut() {
        if let Some(stored) = by_name.get(monitor.service.name.as_str()) {
            monitor.public = seeded(&ServiceView::unknown(&stored.service), stored).status;
        }
    }
    if cache.send(seed).await.is_err() {
        log::warn!("Could not seed the status page: its cache has stopped");
    }
}

impl Handler<Seed> for StatusCache {
    type Result = ();

    fn handle(&mut self, msg: Seed, _: &mut Self::Context) {
        for stored in &msg.0 {
            let Some(&i) = self.index.get(&stored.service) else {
                continue;
            };
            let live = &mut self.entries[i].live;
            // A cycle that already reported is newer than anything stored.
            if live.last_checked.is_none() {
                *live = seeded(live, stored);
            }
        }
        self.rebuild();
    }
}

#[cfg(test)]
#[path = "seed_tests.rs"]
mod tests;
