//! `run` and `startup`: N services of the fake target, Watchpost as its own process.

use crate::prom::{Checks, Histogram, Scrape};
use crate::table::{self, Table};
use crate::target::Target;
use crate::watchpost::{self, Database, Watchpost};
use crate::{proc, report, Fleet, Result, RunArgs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const LAG: &str = "watchpost_schedule_lag_seconds";

/// The fake target, a temporary directory, the database, the configuration: all a run needs
/// before Watchpost starts (and cleans up after it).
pub struct Bench {
    /// The fake target.
    pub target: Target,
    dir: tempfile::TempDir,
    db: Database,
    config: std::path::PathBuf,
    /// How many services are configured.
    pub services: usize,
}

impl Bench {
    /// Everything but Watchpost, for `fleet` (`default_services` when it names no number).
    pub fn prepare(fleet: &Fleet, default_services: usize) -> Result<Self> {
        let services = fleet.services.unwrap_or(default_services);
        if services == 0 || fleet.interval == 0 {
            return Err("--services and --interval must be at least 1".into());
        }
        // A kept-alive connection per service, on Watchpost's side and on the target's.
        proc::raise_fd_limit(services as u64 + 1024)?;
        let target = Target::start()?;
        let dir =
            tempfile::tempdir().map_err(|e| format!("creating a temporary directory: {e}"))?;
        let db = Database::new(fleet.postgres, dir.path())?;
        let config = watchpost::write_config(dir.path(), fleet, services, target.port, &db)?;
        Ok(Bench {
            target,
            dir,
            db,
            config,
            services,
        })
    }

    /// Starts Watchpost, logging to `{name}.log` in the temporary directory.
    pub fn spawn(&self, name: &str) -> Result<Watchpost> {
        Watchpost::spawn(&self.config, &self.dir.path().join(format!("{name}.log")))
    }
}

/// What was read at one edge of the measurement window.
pub struct Edge {
    /// When.
    pub at: Instant,
    /// Watchpost's CPU time.
    pub cpu: proc::Cpu,
    /// Cycles counted.
    pub checks: Checks,
    /// The scheduling lag histogram.
    pub lag: Histogram,
    /// `watchpost_persistence_rows_written_total`.
    pub rows_written: f64,
    /// `watchpost_persistence_dropped_checks_total`.
    pub dropped: f64,
}

/// At the start of the window: scrape first, so the scrape's own CPU stays outside.
fn window_start(wp: &Watchpost) -> Result<Edge> {
    let scrape = wp.scrape()?;
    edge(&scrape, Instant::now(), proc::cpu(wp.pid())?)
}

/// At the end of the window: CPU first, then the scrape.
fn window_end(wp: &Watchpost) -> Result<(Edge, Scrape)> {
    let (at, cpu) = (Instant::now(), proc::cpu(wp.pid())?);
    let scrape = wp.scrape()?;
    Ok((edge(&scrape, at, cpu)?, scrape))
}

fn edge(scrape: &Scrape, at: Instant, cpu: proc::Cpu) -> Result<Edge> {
    Ok(Edge {
        at,
        cpu,
        checks: scrape.checks()?,
        lag: scrape.histogram(LAG)?,
        rows_written: scrape.value("watchpost_persistence_rows_written_total", &[])?,
        dropped: scrape.value("watchpost_persistence_dropped_checks_total", &[])?,
    })
}

/// Waits `secs` seconds, checking every second that watchpost lives and printing its CPU and
/// memory every 10 s to standard error.
fn wait(wp: &mut Watchpost, secs: u64, phase: &str) -> Result<()> {
    let start = Instant::now();
    let mut last = (start, proc::cpu(wp.pid())?);
    for s in 1..=secs {
        std::thread::sleep(
            (start + Duration::from_secs(s)).saturating_duration_since(Instant::now()),
        );
        wp.alive()?;
        if s % 10 == 0 || s == secs {
            let (now, cpu) = (Instant::now(), proc::cpu(wp.pid())?);
            let share = (cpu.time - last.1.time).as_secs_f64() / (now - last.0).as_secs_f64();
            let mem = proc::memory(wp.pid())?;
            eprintln!(
                "{phase} {s:>4}/{secs} s: CPU {} of one core, RSS {}, {} threads, {} fds",
                table::percent(share * 100.0),
                table::mb(mem.rss_kib),
                cpu.threads,
                proc::open_fds(wp.pid())
            );
            last = (now, cpu);
        }
    }
    Ok(())
}

/// `run`: the steady state of N services over a window after a warm-up.
pub fn run(args: &RunArgs) -> Result<()> {
    let fleet = &args.fleet;
    let bench = Bench::prepare(fleet, 1000)?;
    let mut wp = bench.spawn("watchpost")?;
    let startup = wp.startup;
    eprintln!(
        "watchpost answered /healthz {:.3} s after spawn",
        startup.as_secs_f64()
    );
    wait(
        &mut wp,
        args.warmup.unwrap_or(2 * fleet.interval),
        "warm-up",
    )?;
    let start = window_start(&wp)?;
    let harness_start = proc::cpu(std::process::id())?.time;
    wait(&mut wp, args.duration, "window")?;
    let (end, last) = window_end(&wp)?;
    let harness = proc::cpu(std::process::id())?.time - harness_start;
    let memory = proc::memory(wp.pid())?;
    let stale = stale_services(&last, fleet.interval, bench.services);
    // Every check counted by now must be stored; the flush at SIGTERM writes what is left.
    eprintln!("waiting for the persistence backlog to empty, then stopping watchpost");
    // At most two seconds of checks waiting: the backlog is not growing.
    let bound = 2.0 * bench.services as f64 / fleet.interval as f64;
    let counted = wp
        .settle(bound, Duration::from_secs(60))?
        .checks()?
        .conclusive();
    wp.stop(Duration::from_secs(10))?;
    let rows = bench.db.count_checks()? as f64;
    let figures = report::Figures {
        startup,
        start,
        end,
        memory,
        stale,
        counted,
        rows,
        harness,
    };
    figures.print(fleet, bench.services)
}

/// Services whose latest check is older than 1.5 intervals (or that have none), at `scrape`.
fn stale_services(scrape: &Scrape, interval: u64, services: usize) -> usize {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let oldest = now - 1.5 * interval as f64;
    let recent = scrape
        .by_label("watchpost_service_last_check_timestamp_seconds", "service")
        .filter(|(_, at)| *at >= oldest)
        .count();
    services.saturating_sub(recent)
}

/// `startup`: spawn to `/healthz` on an empty database; then, once every service has been
/// checked and the writes are flushed, again on that database (states and history restored).
pub fn startup(fleet: &Fleet) -> Result<()> {
    let bench = Bench::prepare(fleet, 1000)?;
    let mut first = bench.spawn("first")?;
    let cold = (first.startup, proc::memory(first.pid())?);
    eprintln!(
        "first start: {:.3} s; waiting for one check of every service",
        cold.0.as_secs_f64()
    );
    first.wait_checks(bench.services, Duration::from_secs(3 * fleet.interval + 30))?;
    first.settle(
        2.0 * bench.services as f64 / fleet.interval as f64,
        Duration::from_secs(60),
    )?;
    first.stop(Duration::from_secs(10))?;
    let rows = bench.db.count_checks()?;
    let second = bench.spawn("second")?;
    let warm = (second.startup, proc::memory(second.pid())?);
    second.stop(Duration::from_secs(10))?;
    let mut t = Table::new(&[
        "start",
        "services",
        "rows in database",
        "spawn to /healthz 200",
        "RSS then",
        "target",
    ]);
    for (name, rows, (time, mem)) in [
        ("empty database", 0, cold),
        ("restart on that database", rows, warm),
    ] {
        t.row(vec![
            name.into(),
            table::count(bench.services as f64),
            table::count(rows as f64),
            format!("{:.3} s", time.as_secs_f64()),
            table::mb(mem.rss_kib),
            format!("< 2 s: {}", table::verdict(time < Duration::from_secs(2))),
        ]);
    }
    t.print();
    Ok(())
}
