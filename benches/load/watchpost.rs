//! Watchpost under test: its configuration for N services of the fake target, its database
//! (a SQLite file or a throwaway PostgreSQL database), and the `watchpost serve` process.

use crate::http::{self, Response};
use crate::pg::ThrowawayDb;
use crate::prom::Scrape;
use crate::{proc, Fleet, Result};
use diesel::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use watchpost::db::schema::health_checks;

/// Where Watchpost writes.
pub enum Database {
    /// A SQLite file (in the run's temporary directory).
    Sqlite(PathBuf),
    /// A throwaway PostgreSQL database, dropped with this value.
    Postgres(ThrowawayDb),
}

impl Database {
    /// SQLite in `dir`, or a fresh PostgreSQL database when `postgres`.
    pub fn new(postgres: bool, dir: &Path) -> Result<Self> {
        if !postgres {
            return Ok(Database::Sqlite(dir.join("watchpost.db")));
        }
        ThrowawayDb::from_env()?
            .map(Database::Postgres)
            .ok_or_else(|| "--postgres needs TEST_DATABASE_URL (postgres://...)".to_string())
    }

    /// The `database.url` for Watchpost.
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("sqlite://{}", path.display()),
            Database::Postgres(db) => db.url().to_string(),
        }
    }

    /// Rows in `health_checks`, read through Watchpost's own connection type.
    pub fn count_checks(&self) -> Result<i64> {
        let pool = watchpost::db::connect(&self.url(), 1).map_err(|e| e.to_string())?;
        let mut conn = pool
            .get()
            .map_err(|e| format!("opening {} to count rows: {e}", self.url()))?;
        health_checks::table
            .count()
            .get_result(&mut *conn)
            .map_err(|e| format!("counting health_checks rows: {e}"))
    }
}

/// Writes the configuration of `services` services of the target on `target_port`.
pub fn write_config(
    dir: &Path,
    fleet: &Fleet,
    services: usize,
    target_port: u16,
    db: &Database,
) -> Result<PathBuf> {
    let mut toml = format!(
        "[database]\nurl = \"{}\"\n[checks]\ninterval = {}\nretries = 1\n",
        db.url(),
        fleet.interval
    );
    for i in 1..=services {
        let _ = write!(
            toml,
            "[[services]]\nname = \"{}\"\nurl = \"http://127.0.0.1:{target_port}/s/{i}\"\n",
            crate::rows::service_name(i)
        );
        if fleet.fresh {
            toml.push_str("fresh_connection = true\n");
        }
    }
    let path = dir.join("load.toml");
    std::fs::write(&path, toml).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// A running `watchpost serve`; killed if still running when dropped.
pub struct Watchpost {
    child: Child,
    /// Its HTTP port on 127.0.0.1.
    pub port: u16,
    log: PathBuf,
    /// From spawn to the first `GET /healthz` 200.
    pub startup: Duration,
}

/// The binary to measure: `WATCHPOST_BIN` if set (another build, for a side-by-side
/// comparison), else this build's release binary.
fn binary() -> std::path::PathBuf {
    std::env::var_os("WATCHPOST_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_watchpost").into())
}

impl Watchpost {
    /// Spawns the binary with `config` (standard error to `log`), and waits up to a
    /// minute for `/healthz` to answer 200.
    pub fn spawn(config: &Path, log: &Path) -> Result<Self> {
        let port = free_port()?;
        let err =
            std::fs::File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let spawned_at = Instant::now();
        // A clean environment: DATABASE_URL, HEALTH_CHECK_INTERVAL and friends of the caller's
        // shell would override the generated file.
        let bin = binary();
        let child = Command::new(&bin)
            .arg("--config")
            .arg(config)
            .arg("serve")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_clear()
            .env("WATCHPOST_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .map_err(|e| format!("spawning {}: {e}", bin.display()))?;
        let mut wp = Watchpost {
            child,
            port,
            log: log.to_path_buf(),
            startup: Duration::ZERO,
        };
        let deadline = spawned_at + Duration::from_secs(60);
        loop {
            wp.alive()?;
            let probe = http::get(port, "/healthz", &[], Duration::from_secs(1));
            if probe.is_ok_and(|r| r.status == 200) {
                wp.startup = spawned_at.elapsed();
                return Ok(wp);
            }
            if Instant::now() > deadline {
                return Err(wp.failed("/healthz did not answer 200 within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails, with the end of its log, if the process has exited.
    pub fn alive(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(self.failed(&format!("watchpost exited ({status})"))),
            Err(e) => Err(format!("watching the watchpost process: {e}")),
        }
    }

    /// `GET path` with `headers`.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Result<Response> {
        let response = http::get(self.port, path, headers, Duration::from_secs(30))?;
        if response.status != 200 {
            return Err(format!("GET {path}: HTTP {}", response.status));
        }
        Ok(response)
    }

    /// One scrape of `/metrics`.
    pub fn scrape(&self) -> Result<Scrape> {
        let body = self.get("/metrics", &[])?.body;
        Scrape::parse(&String::from_utf8_lossy(&body))
    }

    /// Polls `/metrics` until `watchpost_persistence_backlog` is at most `bound` (routine writes
    /// linger up to a second, so under steady load it is rarely 0; what waits is flushed at
    /// SIGTERM); returns that scrape.
    pub fn settle(&mut self, bound: f64, within: Duration) -> Result<Scrape> {
        let deadline = Instant::now() + within;
        loop {
            self.alive()?;
            let scrape = self.scrape()?;
            if scrape.value("watchpost_persistence_backlog", &[])? <= bound {
                return Ok(scrape);
            }
            if Instant::now() > deadline {
                let why = format!("persistence backlog above {bound} after {within:?}");
                return Err(self.failed(&why));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls `/metrics` (every second) until `at_least` conclusive checks are counted.
    pub fn wait_checks(&mut self, at_least: usize, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        while self.scrape()?.checks()?.conclusive() < at_least as f64 {
            if Instant::now() > deadline {
                return Err(self.failed(&format!("fewer than {at_least} checks after {within:?}")));
            }
            self.alive()?;
            std::thread::sleep(Duration::from_secs(1));
        }
        Ok(())
    }

    /// SIGTERM (Watchpost flushes its pending writes), then waits up to `within` for the exit.
    pub fn stop(mut self, within: Duration) -> Result<()> {
        proc::terminate(self.pid())?;
        let deadline = Instant::now() + within;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(self.failed(&format!("exit after SIGTERM: {status}")))
                }
                Ok(None) if Instant::now() > deadline => {
                    return Err(self.failed(&format!("still running {within:?} after SIGTERM")))
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(format!("waiting for watchpost to exit: {e}")),
            }
        }
    }

    /// `why`, followed by the last lines watchpost logged.
    fn failed(&self, why: &str) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n  ");
        format!("{why}; its log ({}) ends:\n  {tail}", self.log.display())
    }
}

impl Drop for Watchpost {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port free on 127.0.0.1 right now.
fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}
