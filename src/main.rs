//! `watchpost`: parse the command line, load settings, dispatch.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use watchpost::commands;
use watchpost::operator_cli::{self, IncidentCmd, MaintenanceCmd, OperatorCmd, OutageCmd};
use watchpost::settings::{self, LoadOptions};
use watchpost::transfer::command as transfer;

/// mimalloc instead of glibc's malloc: at 10,000 services glibc's `malloc`/`free` (with its
/// fastbin consolidation) took about a quarter of the main thread's CPU, and mimalloc cut the
/// CPU per check by a fifth for ~35 MB more resident memory (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Real-time uptime monitor with Slack alerts and a public status page.
#[derive(Parser)]
#[command(name = "watchpost", version, about)]
struct Cli {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    watchpost::logging::init();
    let purge_delay = watchpost::allocator::keep_freed_pages();
    log::debug!("Allocator: mimalloc keeps freed pages for {purge_delay} ms");
    let settings = match settings::load(&LoadOptions::from_process(cli.config)) {
        Ok(settings) => settings,
        Err(errors) => {
            eprint!("{errors}");
            return ExitCode::from(2);
        }
    };
    let outcome: Result<String, String> = actix_web::rt::System::new().block_on(async move {
        match cli.command {
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
                operator_cli::run(&settings, OperatorCmd::Incident(action)).await
            }
            Command::Maintenance { action } => {
                operator_cli::run(&settings, OperatorCmd::Maintenance(action)).await
            }
            Command::Outage { action } => {
                operator_cli::run(&settings, OperatorCmd::Outage(action)).await
            }
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
            } => settings
                .to_masked_toml()
                .map(|toml| {
                    format!(
                        "{toml}\n# Configuration OK: {} services",
                        settings.services.len()
                    )
                })
                .map_err(|e| e.to_string()),
        }
    });
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
