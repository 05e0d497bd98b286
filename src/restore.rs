//! What a start restores from the database: each service's state (an open outage without a
//! state row counts as confirmed and alerted), the alerts not yet delivered, the status page's
//! history and the operators' board. Retried, with a log line, while the database is away.

use crate::actors::alerter::PendingAlert;
use crate::board::{self, BoardData};
use crate::db::history::{self, History};
use crate::db::{self, queries, DbError, Pool};
use crate::domain::state::{OpenOutage, ServiceState};
use crate::settings::Settings;
use std::collections::HashMap;
use std::time::Duration;

/// What the database remembers: each service's state and the alerts not yet delivered.
#[derive(Debug, Default)]
pub struct Restored {
    /// State per service (an open outage without a state row counts as confirmed and alerted).
    pub states: HashMap<String, ServiceState>,
    /// Pending alerts, oldest first.
    pub alerts: Vec<PendingAlert>,
    /// What the status page shows of each service's past.
    pub history: HashMap<String, History>,
    /// Maintenance windows and hand-resolved outages, as the monitors start with them.
    pub board: BoardData,
}

/// Connects and restores, retrying (with a log line each time) while the database is away.
pub async fn connect_with_retry(settings: &Settings) -> (Pool, Restored) {
    let mut delay = Duration::from_millis(500);
    loop {
        match connect_and_restore(settings).await {
            Ok(ready) => return ready,
            Err(e) => {
                log::error!("Database unreachable at startup ({e}); retrying in {delay:?}");
                actix_web::rt::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// Connects, runs pending migrations and loads what the services need.
pub async fn connect_and_restore(settings: &Settings) -> Result<(Pool, Restored), DbError> {
    let pool = db::connect(settings.database.url.expose(), settings.database.pool_size)?;
    let names: Vec<String> = settings.services.iter().map(|s| s.name.clone()).collect();
    let restored = db::blocking(pool.clone(), move |conn| {
        db::connection::run_migrations(conn)?;
        let states = queries::load_states(conn)?;
        let open = queries::open_outages(conn)?;
        let alerts = queries::pending_alerts(conn)?;
        let now = chrono::Utc::now();
        history::ensure_monitored(conn, &names, now.naive_utc())?;
        let mut restored = restore(states, open, alerts);
        restored.history = history::load_history(conn, &names, now)?;
        restored.board = board::load(conn, now)?;
        Ok(restored)
    })
    .await?;
    Ok((pool, restored))
}

fn restore(
    states: Vec<db::models::StateRow>,
    open: Vec<(String, chrono::NaiveDateTime)>,
    alerts: Vec<db::models::PendingAlertRow>,
) -> Restored {
    let mut map: HashMap<String, ServiceState> = states
        .iter()
        .map(|r| (r.service_name.clone(), r.to_state()))
        .collect();
    for (service, start) in open {
        let state = map.entry(service).or_default();
        if state.outage.is_none() {
            state.outage = Some(OpenOutage {
                start: start.and_utc(),
                down_alert_sent: true,
            });
        }
    }
    Restored {
        states: map,
        alerts: alerts.into_iter().filter_map(resumable).collect(),
        history: HashMap::new(),
        board: BoardData::default(),
    }
}

/// The pending alert a row holds, unless its kind is unknown to this version (logged, left
/// pending).
fn resumable(row: db::models::PendingAlertRow) -> Option<PendingAlert> {
    PendingAlert::try_from(row)
        .map_err(|row| {
            log::warn!(
                "Pending alert {} has an unknown kind {:?}; not delivered",
                row.dedupe_key,
                row.kind
            );
        })
        .ok()
}
