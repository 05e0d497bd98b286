//! The operators' CLI: `incident`, `maintenance` and `outage` subcommands working on the
//! database directly (the server need not run; a running one picks changes up within one
//! check interval). Changes are audited with the actor `cli`.

use crate::alert::slack::{format_downtime, format_time};
use crate::db::{self, AnyConnection, DbError};
use crate::settings::Settings;
use crate::store::changes::{self, incidents, maintenance, outages, ChangeError};
use clap::Subcommand;

const ACTOR: &str = "cli";

/// `watchpost incident ...`
#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Post an incident.
    Add {
        /// high, medium or resolved.
        #[arg(long)]
        severity: String,
        /// Plain text shown on the status page.
        #[arg(long)]
        text: String,
    },
    /// List incidents, newest first.
    List,
    /// Resolve an incident.
    Resolve {
        /// Incident id.
        id: i64,
    },
}

/// `watchpost maintenance ...`
#[derive(Debug, Subcommand)]
pub enum MaintenanceCmd {
    /// Schedule a maintenance window.
    Add {
        /// Title.
        #[arg(long)]
        title: String,
        /// Start, e.g. 2026-12-01T02:00Z (UTC).
        #[arg(long)]
        start: String,
        /// End, after the start.
        #[arg(long)]
        end: String,
        /// Affected services, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        services: Vec<String>,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List maintenance windows.
    List,
    /// Cancel a maintenance window.
    Cancel {
        /// Window id.
        id: i64,
    },
}

/// `watchpost outage ...`
#[derive(Debug, Subcommand)]
pub enum OutageCmd {
    /// List outages, newest first.
    List {
        /// Only the open ones.
        #[arg(long)]
        open: bool,
    },
    /// Force-resolve a stuck outage.
    Resolve {
        /// Outage id.
        id: i64,
    },
}

/// One of the three.
#[derive(Debug)]
pub enum OperatorCmd {
    /// Incidents.
    Incident(IncidentCmd),
    /// Maintenance windows.
    Maintenance(MaintenanceCmd),
    /// Outages.
    Outage(OutageCmd),
}

/// Runs `cmd`; returns what to print, or the error to report.
pub async fn run(settings: &Settings, cmd: OperatorCmd) -> Result<String, String> {
    let pool = db::connect(settings.database.url.expose(), 1).map_err(|e| e.to_string())?;
    let known: Vec<String> = settings.services.iter().map(|s| s.name.clone()).collect();
    db::blocking(pool, move |conn| {
        db::connection::run_migrations(conn)?;
        Ok(execute(conn, cmd, &known))
    })
    .await
    .map_err(|e: DbError| e.to_string())?
    .map_err(|e| e.to_string())
}

fn execute(
    conn: &mut AnyConnection,
    cmd: OperatorCmd,
    known: &[String],
) -> Result<String, ChangeError> {
    let now = changes::now();
    match cmd {
        OperatorCmd::Incident(IncidentCmd::Add { severity, text }) => {
            let i =
                incidents::create(conn, ACTOR, &incidents::NewIncident { severity, text }, now)?;
            Ok(format!(
                "Incident {} posted ({})",
                i.id,
                i.severity.as_str()
            ))
        }
        OperatorCmd::Incident(IncidentCmd::List) => {
            let lines: Vec<String> = incidents::list(conn)?
                .iter()
                .map(|i| {
                    let state = if i.active { "active" } else { "inactive" };
                    format!(
                        "{}\t{}\t{state}\t{}\t{}",
                        i.id,
                        i.severity.as_str(),
                        format_time(i.created_at),
                        i.text
                    )
                })
                .collect();
            Ok(listing("No incidents", lines))
        }
        OperatorCmd::Incident(IncidentCmd::Resolve { id }) => {
            incidents::resolve(conn, ACTOR, id, now)?;
            Ok(format!("Incident {id} resolved"))
        }
        OperatorCmd::Maintenance(cmd) => maintenance_cmd(conn, cmd, known, now),
        OperatorCmd::Outage(cmd) => outage_cmd(conn, cmd, now),
    }
}

fn maintenance_cmd(
    conn: &mut AnyConnection,
    cmd: MaintenanceCmd,
    known: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, ChangeError> {
    match cmd {
        MaintenanceCmd::Add {
            title,
            start,
            end,
            services,
            description,
        } => {
            let services = services
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let input = maintenance::NewWindow {
                title,
                description,
                services,
                start,
                end,
            };
            let w = maintenance::create(conn, ACTOR, &input, known, now)?.window;
            Ok(format!(
                "Maintenance window {} scheduled: {} to {}",
                w.id,
                format_time(w.start),
                format_time(w.end)
            ))
        }
        MaintenanceCmd::List => {
            let lines: Vec<String> = maintenance::list(conn)?
                .iter()
                .map(|stored| {
                    let w = &stored.window;
                    let state = if !stored.active {
                        "cancelled"
                    } else if w.end <= now {
                        "over"
                    } else if w.start <= now {
                        "in progress"
                    } else {
                        "scheduled"
                    };
                    let scope = if w.services.is_empty() {
                        "all services".to_string()
                    } else {
                        w.services.join(", ")
                    };
                    format!(
                        "{}\t{state}\t{} to {}\t{scope}\t{}",
                        w.id,
                        format_time(w.start),
                        format_time(w.end),
                        w.title
                    )
                })
                .collect();
            Ok(listing("No maintenance windows", lines))
        }
        MaintenanceCmd::Cancel { id } => {
            maintenance::cancel(conn, ACTOR, id, now)?;
            Ok(format!("Maintenance window {id} cancelled"))
        }
    }
}

fn outage_cmd(
    conn: &mut AnyConnection,
    cmd: OutageCmd,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, ChangeError> {
    match cmd {
        OutageCmd::List { open } => {
            let lines: Vec<String> = outages::list(conn, open, now)?
                .iter()
                .map(|o| {
                    let end = o.end.map_or_else(|| "open".to_string(), format_time);
                    let by = o
                        .resolved_by
                        .as_deref()
                        .map(|b| format!("\tresolved by {b}"))
                        .unwrap_or_default();
                    format!(
                        "{}\t{}\t{} to {end}\t{}{by}",
                        o.id,
                        o.service,
                        format_time(o.start),
                        format_downtime(o.duration_seconds)
                    )
                })
                .collect();
            Ok(listing(
                if open {
                    "No open outages"
                } else {
                    "No outages"
                },
                lines,
            ))
        }
        OutageCmd::Resolve { id } => {
            let o = outages::resolve(conn, ACTOR, id, now)?;
            Ok(format!(
                "Outage {id} of {} resolved after {}",
                o.service,
                format_downtime(o.duration_seconds)
            ))
        }
    }
}

fn listing(empty: &str, lines: Vec<String>) -> String {
    if lines.is_empty() {
        empty.to_string()
    } else {
        lines.join("\n")
    }
}
