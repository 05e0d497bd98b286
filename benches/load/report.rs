//! The table `run` prints: each figure of the issue next to its target.

use crate::run::Edge;
use crate::table::{self, Table};
use crate::{proc, Fleet, Result};
use std::time::Duration;

/// Everything `run` measured.
pub struct Figures {
    /// Spawn to the first `/healthz` 200.
    pub startup: Duration,
    /// The window's start.
    pub start: Edge,
    /// The window's end.
    pub end: Edge,
    /// Watchpost's memory at the end of the window.
    pub memory: proc::Memory,
    /// Services without a recent check at the end of the window.
    pub stale: usize,
    /// Conclusive checks counted once the backlog was empty, just before SIGTERM.
    pub counted: f64,
    /// Rows in `health_checks` after Watchpost exited.
    pub rows: f64,
    /// The harness's own CPU time during the window.
    pub harness: Duration,
}

impl Figures {
    /// Prints the table for `services` services of `fleet`.
    pub fn print(&self, fleet: &Fleet, services: usize) -> Result<()> {
        let mut t = Table::new(&["figure", "value", "target", "verdict"]);
        t.fact("services", table::count(services as f64));
        t.fact("interval", format!("{} s", fleet.interval));
        t.fact(
            "connections",
            if fleet.fresh {
                "fresh per attempt"
            } else {
                "reused"
            },
        );
        t.fact(
            "database",
            if fleet.postgres {
                "PostgreSQL"
            } else {
                "SQLite"
            },
        );
        let startup = format!("{:.3} s", self.startup.as_secs_f64());
        let fast = self.startup < Duration::from_secs(2);
        t.against("startup (spawn to /healthz 200)", startup, "< 2 s", fast);
        self.schedule(&mut t, fleet, services)?;
        self.costs(&mut t);
        self.storage(&mut t);
        t.print();
        Ok(())
    }

    fn window(&self) -> f64 {
        (self.end.at - self.start.at).as_secs_f64()
    }

    fn cycles(&self) -> f64 {
        self.end.checks.all() - self.start.checks.all()
    }

    /// Every service every cycle, and how late cycles start.
    fn schedule(&self, t: &mut Table, fleet: &Fleet, services: usize) -> Result<()> {
        let (window, cycles) = (self.window(), self.cycles());
        let (start, end) = (&self.start.checks, &self.end.checks);
        t.fact("window (after warm-up)", format!("{window:.1} s"));
        let split = format!(
            "{} ({} down, {} inconclusive)",
            table::count(cycles),
            table::count(end.down - start.down),
            table::count(end.inconclusive - start.inconclusive)
        );
        t.fact("cycles in the window", split);
        let expected = services as f64 * window / fleet.interval as f64;
        t.fact(
            "cycles expected (N x window / interval)",
            table::count(expected),
        );
        let share = table::percent(100.0 * cycles / expected);
        t.against(
            "cycles done / expected",
            share,
            "100 %",
            cycles >= 0.99 * expected,
        );
        let stale = table::count(self.stale as f64);
        let figure = "services without a check in the last 1.5 intervals";
        t.against(figure, stale, "0", self.stale == 0);
        let lag = self.end.lag.since(&self.start.lag)?;
        let p99 = lag.quantile_bound(0.99);
        let shown = p99.map_or("no cycles".into(), bound);
        let met = p99.is_some_and(|b| b <= 0.25);
        t.against(
            "schedule lag p99 (bucket upper bound)",
            shown,
            "< 250 ms",
            met,
        );
        t.fact(
            "schedule lag mean",
            lag.mean().map_or("-".into(), table::ms),
        );
        Ok(())
    }

    /// CPU (overall and per check) and memory.
    fn costs(&self, t: &mut Table) {
        let (window, cycles) = (self.window(), self.cycles());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let cpu = (self.end.cpu.time - self.start.cpu.time).as_secs_f64();
        let share = 100.0 * cpu / window / cores;
        let figure = format!("CPU, % of {cores} cores");
        t.against(&figure, table::percent(share), "< 50 %", share < 50.0);
        let per_check = (cycles > 0.0).then(|| cpu / cycles);
        let shown = per_check.map_or("-".into(), table::ms);
        let met = per_check.is_some_and(|s| s <= 0.000_05);
        t.against("CPU per check", shown, "<= 0.05 ms", met);
        let peak = self.memory.peak_kib as f64 * 1024.0 / 1e6;
        let shown = table::mb(self.memory.peak_kib);
        t.against("peak RSS (VmHWM)", shown, "< 200 MB", peak < 200.0);
        t.fact(
            "RSS at the end of the window",
            table::mb(self.memory.rss_kib),
        );
        t.fact("threads", table::count(self.end.cpu.threads as f64));
        let harness = 100.0 * self.harness.as_secs_f64() / window / cores;
        let figure = format!("harness CPU (fake target; not counted above), % of {cores} cores");
        t.fact(&figure, table::percent(harness));
    }

    /// Every result stored.
    fn storage(&self, t: &mut Table) {
        let (start, end) = (&self.start, &self.end);
        let written = end.rows_written - start.rows_written;
        let conclusive = end.checks.conclusive() - start.checks.conclusive();
        let pair = |a: f64, b: f64| format!("{} / {}", table::count(a), table::count(b));
        t.fact(
            "rows committed / conclusive checks in the window",
            pair(written, conclusive),
        );
        let stored = pair(self.rows, self.counted);
        let figure = "rows stored / checks counted before SIGTERM";
        t.against(figure, stored, "all stored", self.rows >= self.counted);
        let dropped = table::count(end.dropped);
        t.against(
            "check rows dropped (backlog full)",
            dropped,
            "0",
            end.dropped == 0.0,
        );
    }
}

/// A bucket bound for the table: `<= 5.000 ms`, or beyond the largest finite bucket.
fn bound(b: f64) -> String {
    if b.is_finite() {
        format!("<= {}", table::ms(b))
    } else {
        "> largest bucket".into()
    }
}
