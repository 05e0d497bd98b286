//! The CLI commands (DESIGN.md §4.1), each over the same pieces `serve` uses.

use crate::actors::service_monitor::cycle::CycleReport;
use crate::actors::service_monitor::guarded_cycle;
use crate::db::{self, DbError};
use crate::domain::outcome::CheckStatus;
use crate::domain::text::escape_controls;
use crate::settings::Settings;
use crate::startup::{self, Application, StartupError};
use futures_util::future::join_all;
use std::time::Duration;

/// `watchpost serve`.
pub async fn serve(settings: Settings) -> Result<(), StartupError> {
    Application::build(settings)
        .await?
        .run_until_stopped()
        .await?;
    Ok(())
}

/// `watchpost check --once`: one cycle of every service, recorded, state machine and alerts
/// applied; returns one line per service.
pub async fn check_once(settings: Settings) -> Result<Vec<String>, StartupError> {
    startup::install_crypto();
    let (pool, restored) = startup::connect_and_restore(&settings).await?;
    let mut core = startup::start_core(&settings, pool, restored, None);
    let clients = crate::probe::Clients::new();
    let cycles = core.monitors.drain(..).map(|mut monitor| {
        let client = clients.for_service(&monitor.service);
        async move {
            let result = guarded_cycle(&client, &monitor.service).await;
            let report = monitor.apply(result);
            (monitor, report)
        }
    });
    let mut lines = Vec::new();
    for (monitor, report) in join_all(cycles).await {
        lines.push(line(
            &monitor.service.name,
            monitor.service.failure_threshold,
            report.as_ref(),
        ));
        if let Some(report) = report {
            core.persistence.do_send(report.record);
            for alert in report.alerts {
                core.alerter.do_send(crate::actors::alerter::Deliver(alert));
            }
        }
    }
    if !startup::settle(&core, Duration::from_secs(30)).await {
        log::warn!("Some alerts or writes are still pending; the next run delivers them");
    }
    Ok(lines)
}

fn line(name: &str, threshold: u32, report: Option<&CycleReport>) -> String {
    let Some(report) = report else {
        return format!("{name}: INCONCLUSIVE (not counted)");
    };
    let o = &report.outcome;
    let ms = o
        .response_time_ms
        .map(|ms| format!(" {ms} ms"))
        .unwrap_or_default();
    let code = o
        .status_code
        .map(|c| format!(" HTTP {c}"))
        .unwrap_or_default();
    match o.status {
        CheckStatus::Up => format!("{name}: UP{ms}{code}"),
        CheckStatus::Down => {
            let streak = if report.state.outage.is_some() {
                "outage confirmed".to_string()
            } else {
                format!(
                    "failure {} of {threshold}",
                    report.state.consecutive_failures
                )
            };
            format!(
                "{name}: DOWN ({streak}){code}: {}",
                escape_controls(o.error.as_deref().unwrap_or(""))
            )
        }
    }
}

/// `watchpost cleanup [--days N] [--dry-run]`: the message to print.
pub async fn cleanup(
    settings: &Settings,
    days: Option<u32>,
    dry_run: bool,
) -> Result<String, DbError> {
    let days = days.unwrap_or(settings.checks.retention_days);
    let pool = migrated_pool(settings).await?;
    let n = db::cleanup(pool, days, dry_run).await?;
    Ok(if dry_run {
        format!("[DRY RUN] Would delete {n} health check records older than {days} days")
    } else {
        format!("Deleted {n} health check records older than {days} days")
    })
}

/// `watchpost migrate`: the message to print.
pub async fn migrate(settings: &Settings) -> Result<String, DbError> {
    let pool = db::connect(settings.database.url.expose(), 1)?;
    let applied = db::blocking(pool, db::connection::run_migrations).await?;
    Ok(if applied.is_empty() {
        "Database schema is up to date".to_string()
    } else {
        format!(
            "Applied {} migration(s): {}",
            applied.len(),
            applied.join(", ")
        )
    })
}

async fn migrated_pool(settings: &Settings) -> Result<db::Pool, DbError> {
    let pool = db::connect(settings.database.url.expose(), 2)?;
    db::blocking(pool.clone(), |conn| {
        db::connection::run_migrations(conn).map(drop)
    })
    .await?;
    Ok(pool)
}
