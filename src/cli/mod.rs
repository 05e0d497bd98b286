//! The command line: `watchpost serve`, `check --once`, `cleanup`, `migrate`, the operators'
//! `incident` / `maintenance` / `outage` commands, `export` / `import` and `config check`.
//! Parsing (clap) and dispatch live here; each command's work in its own file.

pub mod commands;
pub mod operator;
pub mod transfer;

use crate::settings::{self, LoadOptions};
use clap::{Parser, Subcommand};
use operator::{IncidentCmd, MaintenanceCmd, OperatorCmd, OutageCmd};
use std::path::PathBuf;
use std::process::ExitCode;

/// Real-time uptime monitor with Slack alerts and a public status page.
#[derive(Parser)]
#[command(name = "watchpost", version, about)]
pub struct Cli {
    /// Configuration file (TOML or YAML); also WATCHPOST_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything: monitors, alerter, daily cleanup, web server.
    Serve,
    /// Run one cycle of every service, record it, apply the state machine and alerts, exit.
    Check {
        /// Required: run a single cycle.
        #[arg(long)]
        once: bool,
    },
    /// Delete check records older than the retention.
    Cleanup {
        /// Age in days (default: checks.retention_days).
        #[arg(long)]
        days: Option<u32>,
        /// Count what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run pending database migrations.
    Migrate,
    /// Incident messages on the status page.
    Incident {
        #[command(subcommand)]
        action: IncidentCmd,
    },
    /// Maintenance windows (alerts held, status "maintenance").
    Maintenance {
        #[command(subcommand)]
        action: MaintenanceCmd,
    },
    /// Outages: list, force-resolve.
    Outage {
        #[command(subcommand)]
        action: OutageCmd,
    },
    /// Export the history as one JSON document (standard output by default).
    Export {
        /// Write to this file instead.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Only rows from this time on (RFC 3339); states are always whole.
        #[arg(long)]
        since: Option<String>,
    },
    /// Import an export (`--file FILE`, `-` for standard input) or the original monitor's
    /// database (`--from-django sqlite:///path/db.sqlite3` or a PostgreSQL URL).
    Import {
        /// An export file.
        #[arg(
            long,
            conflicts_with = "from_django",
            required_unless_present = "from_django"
        )]
        file: Option<String>,
        /// The original monitor's database URL.
        #[arg(long)]
        from_django: Option<String>,
    },
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate and print the effective configuration, secrets masked.
    Check,
}

/// Parses the command line and runs the command: the whole of `watchpost`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::logging::init();
    let purge_delay = crate::allocator::keep_freed_pages();
    log::debug!("Allocator: mimalloc keeps freed pages for {purge_delay} ms");
    let settings = match settings::load(&LoadOptions::from_process(cli.config)) {
        Ok(settings) => settings,
        Err(errors) => {
            eprint!("{errors}");
            return ExitCode::from(2);
        }
    };
    let outcome = actix_web::rt::System::new().block_on(run(cli.command, settings));
    match outcome {
        Ok(text) => {
            if !text.is_empty() {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `command` with `settings`: what to print, or the error.
async fn run(command: Command, settings: settings::Settings) -> Result<String, String> {
    match command {
        Command::Serve => commands::serve(settings)
            .await
            .map(|_| String::new())
            .map_err(|e| e.to_string()),
        Command::Check { once: false } => Err("`watchpost check` needs --once".to_string()),
        Command::Check { once: true } => commands::check_once(settings)
            .await
            .map(|lines| lines.join("\n"))
            .map_err(|e| e.to_string()),
        Command::Cleanup { days, dry_run } => commands::cleanup(&settings, days, dry_run)
            .await
            .map_err(|e| e.to_string()),
        Command::Migrate => commands::migrate(&settings)
            .await
            .map_err(|e| e.to_string()),
        Command::Incident { action } => {
            operator::run(&settings, OperatorCmd::Incident(action)).await
        }
        Command::Maintenance { action } => {
            operator::run(&settings, OperatorCmd::Maintenance(action)).await
        }
        Command::Outage { action } => operator::run(&settings, OperatorCmd::Outage(action)).await,
        Command::Export { file, since } => transfer::export(&settings, file, since).await,
        Command::Import {
            from_django: Some(url),
            ..
        } => transfer::import_django(&settings, &url).await,
        Command::Import { file, .. } => {
            transfer::import_file(&settings, file.as_deref().unwrap_or("-")).await
        }
        Command::Config {
            action: ConfigAction::Check,
        } => config_check(&settings),
    }
}

/// `config check`: the effective configuration, secrets masked, and a closing line.
fn config_check(settings: &settings::Settings) -> Result<String, String> {
    settings
        .to_masked_toml()
        .map(|toml| {
            format!(
                "{toml}\n# Configuration OK: {} services",
                settings.services.len()
            )
        })
        .map_err(|e| e.to_string())
}
