//! The load harness for "ten thousand services on one small machine" (see BENCHMARKS.md).
//!
//! `cargo bench --bench load -- <mode> [options]`:
//! - `run --services N --duration SECS [--interval S] [--warmup SECS] [--fresh] [--postgres]`:
//!   N services against a fake target on 127.0.0.1; checks per cycle, scheduling lag p99, CPU,
//!   CPU per check, peak RSS, startup time and rows stored.
//! - `startup --services N [--fresh] [--postgres]`: spawn to the first `GET /healthz` 200, on an
//!   empty database and again on the database the first start filled.
//! - `wrk --services N [--seconds S]`: `wrk -t2 -c50` on `/api/status` and `/` (with and without
//!   gzip) next to a trivial actix-web handler of the harness (the machine's ceiling).
//! - `storage [--services N] [--backend sqlite|postgres]`: database bytes per service per day at
//!   a 60 s interval, written through `watchpost::db::queries::apply_batch`.
//! - `persistence [--rows N] [--batch 100,1000,5000] [--backend ...]`: rows/s through the
//!   Persistence actor (one record per check, as monitors send them) and through
//!   `apply_batch`.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (a throwaway database is created and dropped).
//! Watchpost runs as its own process (the release binary Cargo builds for benches), so its
//! CPU and memory figures, read from /proc, never include the harness's.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[path = "load/http.rs"]
mod http;
#[path = "load/pg.rs"]
mod pg;
#[path = "load/proc.rs"]
mod proc;
#[path = "load/prom.rs"]
mod prom;
#[path = "load/report.rs"]
mod report;
#[path = "load/rows.rs"]
mod rows;
#[path = "load/run.rs"]
mod run;
#[path = "load/storage.rs"]
mod storage;
#[path = "load/table.rs"]
mod table;
#[path = "load/target.rs"]
mod target;
#[path = "load/watchpost.rs"]
mod watchpost;
#[path = "load/wrk.rs"]
mod wrk;

/// What a failed step says: which step and why.
pub type Result<T> = std::result::Result<T, String>;

#[derive(Parser)]
#[command(name = "load", about = "Watchpost load harness (see BENCHMARKS.md)")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// N services for a duration: cycles, lag, CPU, memory, startup, rows stored.
    Run(RunArgs),
    /// Startup time on an empty database and on a filled one.
    Startup(Fleet),
    /// wrk on the public reads, next to the machine's ceiling.
    Wrk(WrkArgs),
    /// Database bytes per service per day at a 60 s interval.
    Storage(StorageArgs),
    /// Rows per second through apply_batch.
    Persistence(PersistenceArgs),
}

/// The monitored fleet: how many services, how often, how they connect, where they write.
#[derive(Args, Clone, Debug)]
pub struct Fleet {
    /// Number of services (default: 1000; 100 for `wrk`).
    #[arg(long)]
    pub services: Option<usize>,
    /// Check interval in seconds.
    #[arg(long, default_value_t = 10)]
    pub interval: u64,
    /// `fresh_connection = true` for every service (a new connection per attempt).
    #[arg(long)]
    pub fresh: bool,
    /// Write to a throwaway PostgreSQL database (from TEST_DATABASE_URL) instead of SQLite.
    #[arg(long)]
    pub postgres: bool,
}

/// `run` options.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub fleet: Fleet,
    /// Length of the measurement window in seconds (after the warm-up).
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Seconds between the first `/healthz` 200 and the window (default: two intervals).
    #[arg(long)]
    pub warmup: Option<u64>,
}

/// `wrk` options.
#[derive(Args, Debug)]
pub struct WrkArgs {
    #[command(flatten)]
    pub fleet: Fleet,
    /// Seconds of each wrk run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// wrk threads.
    #[arg(long, default_value_t = 2)]
    pub threads: u32,
    /// wrk connections.
    #[arg(long, default_value_t = 50)]
    pub connections: u32,
}

/// A database backend for `storage` and `persistence`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A throwaway database on TEST_DATABASE_URL's server.
    Postgres,
}

/// `storage` options.
#[derive(Args, Debug)]
pub struct StorageArgs {
    /// Services writing one check a minute for a day.
    #[arg(long, default_value_t = 100)]
    pub services: usize,
    /// Check rows per `apply_batch` call.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Backends (default: SQLite, plus PostgreSQL when TEST_DATABASE_URL is set).
    #[arg(long, value_delimiter = ',')]
    pub backend: Vec<Backend>,
}

/// `persistence` options.
#[derive(Args, Debug)]
pub struct PersistenceArgs {
    /// Check rows written per batch size and backend.
    #[arg(long, default_value_t = 20_000)]
    pub rows: usize,
    /// Batch sizes (rows per transaction).
    #[arg(long, value_delimiter = ',', default_value = "100,1000,5000")]
    pub batch: Vec<usize>,
    /// Backends (default: SQLite, plus PostgreSQL when TEST_DATABASE_URL is set).
    #[arg(long, value_delimiter = ',')]
    pub backend: Vec<Backend>,
}

/// The backends asked for, or SQLite plus PostgreSQL when TEST_DATABASE_URL is set.
pub fn backends(asked: &[Backend]) -> Vec<Backend> {
    if !asked.is_empty() {
        return asked.to_vec();
    }
    let mut all = vec![Backend::Sqlite];
    if pg::configured() {
        all.push(Backend::Postgres);
    } else {
        eprintln!("TEST_DATABASE_URL is not set: SQLite only");
    }
    all
}

fn main() {
    // `cargo bench` appends `--bench` to every bench binary's arguments.
    let args = std::env::args().filter(|a| a != "--bench");
    let cli = Cli::parse_from(args);
    let outcome = match &cli.mode {
        Mode::Run(args) => run::run(args),
        Mode::Startup(fleet) => run::startup(fleet),
        Mode::Wrk(args) => wrk::wrk(args),
        Mode::Storage(args) => storage::storage(args),
        Mode::Persistence(args) => storage::persistence(args),
    };
    if let Err(why) = outcome {
        eprintln!("load: {why}");
        std::process::exit(1);
    }
}
