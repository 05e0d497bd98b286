//! Wiring: the only module that knows every actor. [`Application::build`] connects the
//! database (retrying while it is unreachable), restores every service's state and the
//! pending alerts, starts the actors and the HTTP server on a listener (port 0 in tests).

use crate::actors::alerter::{Alerter, Backoff, Drain};
use crate::actors::persistence::{Flush, Persistence, Retention};
use crate::actors::service_monitor::cycle::MonitorCore;
use crate::actors::service_monitor::{fleet_grid, MonitorLinks, ServiceMonitor};
use crate::actors::status_cache::StatusCache;
use crate::board::Board;
use crate::db::{DbError, Pool};
use crate::metrics::Metrics;
pub use crate::restore::{connect_and_restore, connect_with_retry, Restored};
use crate::settings::Settings;
use crate::web::routes;
use actix::prelude::*;
use actix_web::{dev::Server, dev::ServerHandle, web::Data, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for pending writes.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(1500);

/// HTTP worker threads.
const WORKERS: usize = 2;

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

/// The running actors the commands need.
pub struct Core {
    /// Persistence.
    pub persistence: Addr<Persistence>,
    /// Alerter.
    pub alerter: Addr<Alerter>,
    /// StatusCache.
    pub cache: Addr<StatusCache>,
    /// The snapshot the StatusCache publishes, which the web reads.
    pub status: crate::web::Status,
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
    /// Held for the app's lifetime: a Supervisor restarts a stopped actor only while an
    /// address of it exists (otherwise its mailbox counts as closed and it stays stopped).
    _monitors: Vec<Addr<ServiceMonitor>>,
}

impl Application {
    /// Connects, restores, starts every actor and the HTTP server.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        install_crypto();
        let (pool, restored) = connect_with_retry(&settings).await;
        let admin = Data::new(
            crate::web::admin::auth::Gate::new(&settings.admin).with_proxies(&settings.server),
        );
        let names = Data::new(crate::web::admin::auth::ServiceNames(
            settings.services.iter().map(|s| s.name.clone()).collect(),
        ));
        let session_key = Data::new(crate::web::admin::auth::SessionKey::from_settings(
            &settings.admin,
        ));
        let sessions = Data::new(crate::web::admin::sessions::Sessions::default());
        let (store, page) = (
            Data::new(crate::store::Store::new(pool.clone())),
            Data::new(settings.status_page.clone()),
        );
        let retention = Retention {
            at: settings.checks.cleanup_at,
            days: settings.checks.retention_days,
        };
        let mut core = start_core(&settings, pool.clone(), restored, Some(retention));
        // The page starts from the stored state, not "Checking…" until every next cycle.
        crate::actors::status_cache::seed(&core.cache, pool, &mut core.monitors).await;
        let links = MonitorLinks {
            persistence: core.persistence.clone().recipient(),
            cache: core.cache.clone().recipient(),
            alerter: core.alerter.clone().recipient(),
        };
        let count = core.monitors.len();
        #[cfg(feature = "test-hooks")]
        let faults = crate::actors::service_monitor::Faults::default();
        let monitors = start_monitors(
            core.monitors,
            &links,
            &core.metrics,
            #[cfg(feature = "test-hooks")]
            &faults,
        );
        #[cfg(feature = "test-hooks")]
        let faults = Data::new(faults);
        let nofile = crate::web::limits::raise_nofile();
        let listener = TcpListener::bind(settings.server.bind)?;
        let port = listener.local_addr()?.port();
        let (cache, status) = (core.cache, Data::new(core.status));
        let metrics = Data::from(core.metrics);
        let server = HttpServer::new(move || {
            let app = App::new()
                .app_data(Data::new(cache.clone()))
                .app_data(status.clone())
                .app_data(metrics.clone())
                .app_data(store.clone())
                .app_data(crate::web::query_config())
                .app_data(admin.clone())
                .app_data(names.clone())
                .app_data(session_key.clone())
                .app_data(sessions.clone())
                .app_data(page.clone());
            #[cfg(feature = "test-hooks")]
            let app = app.app_data(faults.clone());
            app.configure(routes::configure)
                .wrap(crate::web::security_headers())
                .wrap(actix_web::middleware::Compress::default())
                .wrap(actix_web::middleware::from_fn(
                    crate::web::limits::body_deadline,
                ))
        })
        .listen(listener)?
        .workers(WORKERS)
        .max_connections(crate::web::limits::connections_per_worker(nofile, WORKERS))
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
            _monitors: monitors,
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

/// Starts one ServiceMonitor per core under its own Supervisor, spread over their intervals;
/// returns their addresses, which must be kept for the Supervisors to restart them.
fn start_monitors(
    monitors: Vec<MonitorCore>,
    links: &MonitorLinks,
    metrics: &Arc<Metrics>,
    #[cfg(feature = "test-hooks")] faults: &crate::actors::service_monitor::Faults,
) -> Vec<Addr<ServiceMonitor>> {
    let clients = crate::probe::Clients::new();
    let count = monitors.len();
    let grid = fleet_grid(monitors.iter().map(|m| m.service.interval.0));
    let mut started = Vec::with_capacity(count);
    for (i, monitor) in monitors.into_iter().enumerate() {
        let offset = spread(monitor.service.interval.0, i, count);
        let client = clients.for_service(&monitor.service);
        let (links, metrics) = (links.clone(), metrics.clone());
        let monitor = ServiceMonitor::new(monitor, client, links, offset)
            .on_grid(grid)
            .with_metrics(metrics);
        #[cfg(feature = "test-hooks")]
        let monitor = monitor.with_faults(faults.clone());
        started.push(Supervisor::start(move |_| monitor));
    }
    started
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
    let board = Board::new(std::mem::take(&mut restored.board));
    let cache = StatusCache::new(&names)
        .with_groups(&settings.services)
        .with_history(std::mem::take(&mut restored.history))
        .with_board(board.clone())
        .refreshing(pool.clone(), notice_refresh(settings));
    let status = cache.published();
    let cache = cache.start();
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
        status,
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
