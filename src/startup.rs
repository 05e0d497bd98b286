//! Wiring: the only module that knows every actor. [`Application::build`] connects the
//! database (retrying while it is unreachable), restores every service's state and the
//! pending alerts, starts the actors and the HTTP server on a listener (port 0 in tests).

use crate::actors::alerter::{Alerter, Backoff, Drain, PendingAlert};
use crate::actors::board::{self, Board, BoardData};
use crate::actors::cycle::MonitorCore;
use crate::actors::persistence::{Flush, Persistence, Retention};
use crate::actors::service_monitor::{MonitorLinks, ServiceMonitor};
use crate::actors::status_cache::StatusCache;
use crate::db::history::{self, History};
use crate::db::{self, queries, DbError, Pool};
use crate::domain::state::{OpenOutage, ServiceState};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::web::routes;
use actix::prelude::*;
use actix_web::{dev::Server, dev::ServerHandle, web::Data, App, HttpServer};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for pending writes.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(1500);

/// Errors that stop a start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] DbError),
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

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

/// The running actors the commands need.
pub struct Core {
    /// Persistence.
    pub persistence: Addr<Persistence>,
    /// Alerter.
    pub alerter: Addr<Alerter>,
    /// StatusCache.
    pub cache: Addr<StatusCache>,
    /// One core per service, with its restored state.
    pub monitors: Vec<MonitorCore>,
    /// The counters and gauges the actors update and `/metrics` renders.
    pub metrics: Arc<Metrics>,
}

/// The running app.
pub struct Application {
    port: u16,
    server: Server,
    persistence: Addr<Persistence>,
}

impl Application {
    /// Connects, restores, starts every actor and the HTTP server.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        install_crypto();
        let (pool, restored) = connect_with_retry(&settings).await;
        let admin = Data::new(crate::web::auth::Gate::new(&settings.admin));
        let names = Data::new(crate::web::auth::ServiceNames(
            settings.services.iter().map(|s| s.name.clone()).collect(),
        ));
        let session_key = Data::new(crate::web::auth::SessionKey::from_settings(&settings.admin));
        let (web_pool, page) = (
            Data::new(pool.clone()),
            Data::new(settings.status_page.clone()),
        );
        let retention = Retention {
            at: settings.checks.cleanup_at,
            days: settings.checks.retention_days,
        };
        let core = start_core(&settings, pool, restored, Some(retention));
        let client = crate::probe::client();
        let links = MonitorLinks {
            persistence: core.persistence.clone().recipient(),
            cache: core.cache.clone().recipient(),
            alerter: core.alerter.clone().recipient(),
        };
        let count = core.monitors.len();
        for (i, monitor) in core.monitors.into_iter().enumerate() {
            let offset = spread(monitor.service.interval.0, i, count);
            let (client, links, metrics) = (client.clone(), links.clone(), core.metrics.clone());
            Supervisor::start(move |_| {
                ServiceMonitor::new(monitor, client, links, offset).with_metrics(metrics)
            });
        }
        let listener = TcpListener::bind(settings.server.bind)?;
        let port = listener.local_addr()?.port();
        let cache = core.cache;
        let metrics = Data::from(core.metrics);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(Data::new(cache.clone()))
                .app_data(metrics.clone())
                .app_data(web_pool.clone())
                .app_data(crate::web::query_config())
                .app_data(admin.clone())
                .app_data(names.clone())
                .app_data(session_key.clone())
                .app_data(page.clone())
                .configure(routes::configure)
                .wrap(crate::web::security_headers())
                .wrap(actix_web::middleware::Compress::default())
        })
        .listen(listener)?
        .workers(2)
        .shutdown_timeout(3)
        .run();
        log::info!(
            "Watchpost serving on http://{} ({count} services)",
            listener_addr(&settings, port)
        );
        Ok(Application {
            port,
            server,
            persistence: core.persistence,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (tests).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or a stop through the handle), then flushes pending writes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        log::info!("Shutting down: flushing pending writes");
        if actix_web::rt::time::timeout(SHUTDOWN_FLUSH, self.persistence.send(Flush))
            .await
            .is_err()
        {
            log::warn!("Pending writes not flushed within {SHUTDOWN_FLUSH:?}; they are lost");
        }
        served
    }
}

fn listener_addr(settings: &Settings, port: u16) -> String {
    format!("{}:{port}", settings.server.bind.ip())
}

/// Offset of the `i`-th of `n` monitors within `interval`.
pub fn spread(interval: Duration, i: usize, n: usize) -> Duration {
    if n == 0 {
        return Duration::ZERO;
    }
    interval.mul_f64(i as f64 / n as f64)
}

/// Installs rustls' process-wide crypto provider (ring) once.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Starts Persistence, Alerter and StatusCache; returns them with one core per service.
pub fn start_core(
    settings: &Settings,
    pool: Pool,
    mut restored: Restored,
    retention: Option<Retention>,
) -> Core {
    let metrics = Arc::new(Metrics::default());
    let persistence = Persistence::new(pool.clone(), settings.database.max_backlog, retention)
        .with_metrics(metrics.clone())
        .start();
    let webhook = Some(settings.slack.webhook_url.clone());
    let alerter = Alerter::new(
        webhook,
        persistence.clone().recipient(),
        restored.alerts,
        Backoff::default(),
    )
    .with_metrics(metrics.clone())
    .start();
    let names: Vec<String> = settings.services.iter().map(|s| s.name.clone()).collect();
    let page = Arc::new(settings.status_page.clone());
    let board = Board::new(std::mem::take(&mut restored.board));
    let cache = StatusCache::new(&names, page)
        .with_history(std::mem::take(&mut restored.history))
        .with_board(board.clone())
        .refreshing(pool.clone(), notice_refresh(settings))
        .start();
    let url: Arc<str> = Arc::from(settings.status_page.url.as_str());
    let monitors = settings
        .services
        .iter()
        .map(|svc| {
            let state = restored.states.remove(&svc.name).unwrap_or_default();
            MonitorCore::new(Arc::new(svc.clone()), state, url.clone()).with_board(board.clone())
        })
        .collect();
    Core {
        persistence,
        alerter,
        cache,
        monitors,
        metrics,
    }
}

/// How often incidents and maintenance are reread: one check interval, between 1 and 30 s.
fn notice_refresh(settings: &Settings) -> Duration {
    settings
        .checks
        .interval
        .0
        .clamp(Duration::from_secs(1), Duration::from_secs(30))
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
    let pool = db::connect(&settings.database.url, settings.database.pool_size)?;
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
        alerts: alerts.into_iter().map(PendingAlert::from).collect(),
        history: HashMap::new(),
        board: BoardData::default(),
    }
}

/// Waits (bounded) until Persistence has written everything and the Alerter's queue is empty.
pub async fn settle(core: &Core, alerts_within: Duration) -> bool {
    let flushed =
        actix_web::rt::time::timeout(Duration::from_secs(10), core.persistence.send(Flush))
            .await
            .is_ok();
    let drained = actix_web::rt::time::timeout(alerts_within, core.alerter.send(Drain))
        .await
        .is_ok();
    let marked =
        actix_web::rt::time::timeout(Duration::from_secs(10), core.persistence.send(Flush))
            .await
            .is_ok();
    flushed && drained && marked
}
