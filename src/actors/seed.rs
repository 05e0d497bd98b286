//! The StatusCache's start from the stored state: each service's newest stored check and open
//! outage, so a restart shows what the database remembers (a service down in an open outage
//! shows down) instead of every service unknown until its next cycle.

use super::StatusCache;
use crate::actors::snapshot::ServiceView;
use crate::db::read_queries::{self, CheckRecord};
use crate::db::Pool;
use crate::domain::status::{hint, ServiceStatus};
use crate::settings::ServiceSettings;
use actix::prelude::*;
use chrono::{DateTime, Utc};

/// A service's newest stored check and its degraded threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// Service name.
    pub service: String,
    /// Its newest stored check.
    pub check: CheckRecord,
    /// Its `degraded_threshold_ms`.
    pub degraded_ms: u64,
}

/// What the database remembers of each service, shown until its first cycle after the start.
#[derive(Message, Clone, Debug, Default)]
#[rtype(result = "()")]
pub struct Seed(pub Vec<Stored>);

/// The public view of a service whose newest stored check is `stored`, with the outage that
/// started at `open` still open: down while an outage is open (its hint from the check), up or
/// degraded after an up check, unknown after a failing check below the threshold (its public
/// status then was the one before, which is not stored).
pub fn seeded(live: &ServiceView, stored: &Stored, open: Option<DateTime<Utc>>) -> ServiceView {
    let check = &stored.check;
    let ms = check.response_time_ms.and_then(|ms| u64::try_from(ms).ok());
    let (status, detail) = if open.is_some() {
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
        since: open,
        ..live.clone()
    }
}

/// Reads every service's newest stored check from `pool`; nothing (and a warning) when the
/// database fails.
pub async fn load(pool: Pool, services: &[ServiceSettings]) -> Seed {
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let read = crate::db::blocking(pool, move |conn| {
        Ok(read_queries::latest_checks(conn, &names)?)
    });
    let mut latest = match read.await {
        Ok(latest) => latest,
        Err(e) => {
            log::warn!("Could not read the last checks; services show unknown until checked: {e}");
            return Seed::default();
        }
    };
    let stored = services
        .iter()
        .filter_map(|svc| {
            Some(Stored {
                service: svc.name.clone(),
                check: latest.remove(&svc.name)?,
                degraded_ms: svc.degraded_threshold_ms,
            })
        })
        .collect();
    Seed(stored)
}

/// Seeds `cache` from the database before the page is served.
pub async fn seed(cache: &Addr<StatusCache>, pool: Pool, services: &[ServiceSettings]) {
    let seed = load(pool, services).await;
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
            let entry = &mut self.entries[i];
            // A cycle that already reported is newer than anything stored.
            if entry.live.last_checked.is_some() {
                continue;
            }
            let open = entry.history.outages.iter().rev().find(|o| o.end.is_none());
            entry.live = seeded(&entry.live, stored, open.map(|o| o.start));
        }
        self.rebuild();
    }
}

#[cfg(test)]
#[path = "seed_tests.rs"]
mod tests;
