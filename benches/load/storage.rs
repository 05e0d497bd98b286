//! `storage` and `persistence`: check rows through Watchpost's own write path
//! (`watchpost::db::queries::apply_batch`, as the Persistence actor calls it) into a fresh
//! SQLite file or a throwaway PostgreSQL database.

use crate::pg::ThrowawayDb;
use crate::table::{self, Table};
use crate::{backends, rows, Backend, PersistenceArgs, Result, StorageArgs};
use chrono::{Duration as Span, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use watchpost::actors::persistence::{Flush, Persistence, Record};
use watchpost::db::connection::{run_migrations, AnyConnection};
use watchpost::db::models::WriteOp;
use watchpost::db::{queries, Pool};
use watchpost::metrics::Metrics;

/// Checks per service per day at a 60 s interval.
const CHECKS_PER_DAY: usize = 1440;

/// A migrated, empty database that is removed when dropped.
struct Store {
    pool: Pool,
    kept: Kept,
}

enum Kept {
    /// The file, and its directory (removed when dropped).
    Sqlite {
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres(ThrowawayDb),
}

/// The one `BIGINT` column `n` of a statement's row.
#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The value of `sql` (one row, one `BIGINT` column named `n`); 0 when it returns no row.
fn number(conn: &mut AnyConnection, sql: &str) -> Result<u64> {
    let rows: Vec<Number> = diesel::sql_query(sql)
        .load(conn)
        .map_err(|e| format!("{sql}: {e}"))?;
    Ok(rows.first().map_or(0, |r| u64::try_from(r.n).unwrap_or(0)))
}

impl Store {
    fn open(backend: Backend) -> Result<Self> {
        let kept = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
                let path = dir.path().join("watchpost.db");
                Kept::Sqlite { path, _dir: dir }
            }
            Backend::Postgres => Kept::Postgres(
                ThrowawayDb::from_env()?.ok_or("PostgreSQL needs TEST_DATABASE_URL")?,
            ),
        };
        let url = match &kept {
            Kept::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            Kept::Postgres(db) => db.url().to_string(),
        };
        let pool = watchpost::db::connect(&url, 1).map_err(|e| format!("{url}: {e}"))?;
        let mut conn = pool
            .get()
            .map_err(|e| format!("connecting to {url}: {e}"))?;
        run_migrations(&mut conn).map_err(|e| format!("{url}: {e}"))?;
        drop(conn);
        Ok(Store { pool, kept })
    }

    /// Writes `ops` in one `apply_batch` transaction; returns how long it took.
    fn apply(&self, ops: &[WriteOp]) -> Result<Duration> {
        let mut conn = self.pool.get().map_err(|e| format!("connection: {e}"))?;
        let started = Instant::now();
        queries::apply_batch(&mut conn, ops, &[]).map_err(|e| format!("apply_batch: {e}"))?;
        Ok(started.elapsed())
    }

    /// Rows in `health_checks`.
    fn check_rows(&self) -> Result<u64> {
        let mut conn = self.pool.get().map_err(|e| format!("connection: {e}"))?;
        number(
            &mut conn,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM health_checks",
        )
    }

    /// Bytes on disk: the SQLite file after a WAL checkpoint, or the total relation size
    /// (tables, indexes, TOAST) of every table of the PostgreSQL database.
    fn size(&self) -> Result<u64> {
        let mut conn = self.pool.get().map_err(|e| format!("connection: {e}"))?;
        match &self.kept {
            Kept::Sqlite { path, .. } => {
                conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    .map_err(|e| format!("checkpoint: {e}"))?;
                let len = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
                Ok(len(path.clone()) + len(path.with_extension("db-wal")))
            }
            Kept::Postgres(_) => {
                let sql = "SELECT CAST(COALESCE(SUM(pg_total_relation_size(\
                           quote_ident(schemaname) || '.' || quote_ident(tablename))), 0) \
                           AS BIGINT) AS n FROM pg_tables WHERE schemaname = 'public'";
                number(&mut conn, sql)
            }
        }
    }
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

fn day_start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// Row `k` of a fleet of `services` checking once a minute, minute after minute, each service
/// at its own offset in the minute (as monitors are spread over their interval).
fn nth_check(k: usize, services: usize, names: &[String]) -> WriteOp {
    let (minute, service) = (k / services, k % services);
    let offset_ms = (service * 60_000 / services) as i64;
    let at = day_start() + Span::minutes(minute as i64) + Span::milliseconds(offset_ms);
    rows::check(&names[service], at, k as u64)
}

/// Writes `total` rows of `services` services in batches of `batch`; returns the time spent
/// inside `apply_batch`.
fn fill(store: &Store, services: usize, total: usize, batch: usize) -> Result<Duration> {
    let names: Vec<String> = (1..=services).map(rows::service_name).collect();
    let mut spent = Duration::ZERO;
    for first in (0..total).step_by(batch.max(1)) {
        let ops: Vec<WriteOp> = (first..total.min(first + batch))
            .map(|k| nth_check(k, services, &names))
            .collect();
        spent += store.apply(&ops)?;
    }
    Ok(spent)
}

/// Rows through the Persistence actor as monitors send them, one `Record` per check: the time
/// from the first message to the `Flush` that saw the last row committed.
struct ActorRun {
    spent: Duration,
    written: u64,
    dropped: u64,
}

/// Sends `total` routine check records to a Persistence actor over `store` (backlog bound above
/// `total`, so nothing may be dropped) and waits for all of them to be written.
fn through_actor(store: &Store, total: usize) -> Result<ActorRun> {
    let names: Vec<String> = (1..=1000).map(rows::service_name).collect();
    let records: Vec<Record> = (0..total)
        .map(|k| Record {
            ops: vec![nth_check(k, names.len(), &names)],
            state: None,
            urgent: false,
            state_refresh_only: false,
        })
        .collect();
    let pool = store.pool.clone();
    actix::System::new().block_on(async move {
        let metrics = Arc::new(Metrics::default());
        let actor = actix::Actor::start(
            Persistence::new(pool, total + 1, None).with_metrics(metrics.clone()),
        );
        let begun = Instant::now();
        for record in records {
            actor.do_send(record);
        }
        actor
            .send(Flush)
            .await
            .map_err(|e| format!("Persistence actor: {e}"))?;
        Ok(ActorRun {
            spent: begun.elapsed(),
            written: metrics.persistence_rows_written.get(),
            dropped: metrics.persistence_dropped_checks.get(),
        })
    })
}

/// `storage`: one simulated day at a 60 s interval; bytes per service per day.
pub fn storage(args: &StorageArgs) -> Result<()> {
    if args.services == 0 || args.batch == 0 {
        return Err("--services and --batch must be at least 1".into());
    }
    let total = args.services * CHECKS_PER_DAY;
    let mut t = Table::new(&[
        "database",
        "services",
        "rows (1 day)",
        "empty",
        "after one day",
        "bytes per row",
        "per service per day",
        "write time",
    ]);
    for backend in backends(&args.backend) {
        eprintln!("{}: writing {total} rows", name(backend));
        let store = Store::open(backend)?;
        let empty = store.size()?;
        let spent = fill(&store, args.services, total, args.batch)?;
        let grown = store.size()?.saturating_sub(empty) as f64;
        t.row(vec![
            name(backend).into(),
            table::count(args.services as f64),
            table::count(total as f64),
            kib(empty as f64),
            kib((empty as f64) + grown),
            format!("{:.0}", grown / total as f64),
            kib(grown / args.services as f64),
            format!("{:.1} s", spent.as_secs_f64()),
        ]);
    }
    t.print();
    Ok(())
}

fn kib(bytes: f64) -> String {
    format!("{} KiB", table::count(bytes / 1024.0))
}

/// `persistence`: rows per second through `apply_batch`, per backend and batch size, and through
/// the Persistence actor fed one record per check (its own batching and lingering).
pub fn persistence(args: &PersistenceArgs) -> Result<()> {
    if args.rows == 0 || args.batch.contains(&0) {
        return Err("--rows and every --batch must be at least 1".into());
    }
    let mut t = Table::new(&[
        "database", "batch", "rows", "time", "rows/s", "target", "verdict",
    ]);
    for backend in backends(&args.backend) {
        let target = match backend {
            Backend::Sqlite => 5_000.0,
            Backend::Postgres => 10_000.0,
        };
        for &batch in &args.batch {
            eprintln!(
                "{}: {} rows in batches of {batch}",
                name(backend),
                args.rows
            );
            let store = Store::open(backend)?;
            let spent = fill(&store, 1000, args.rows, batch)?.as_secs_f64();
            let rate = args.rows as f64 / spent;
            t.row(vec![
                name(backend).into(),
                format!("apply_batch, {}", table::count(batch as f64)),
                table::count(args.rows as f64),
                format!("{spent:.2} s"),
                table::count(rate),
                format!(">= {}", table::count(target)),
                table::verdict(rate >= target),
            ]);
        }
        eprintln!(
            "{}: {} records through the Persistence actor",
            name(backend),
            args.rows
        );
        let store = Store::open(backend)?;
        let run = through_actor(&store, args.rows)?;
        let stored = store.check_rows()?;
        let rate = run.written as f64 / run.spent.as_secs_f64();
        let all = run.dropped == 0 && stored == args.rows as u64;
        t.row(vec![
            name(backend).into(),
            "Persistence actor".into(),
            format!(
                "{} ({} stored, {} dropped)",
                table::count(run.written as f64),
                table::count(stored as f64),
                table::count(run.dropped as f64)
            ),
            format!("{:.2} s", run.spent.as_secs_f64()),
            table::count(rate),
            format!(">= {}, all stored", table::count(target)),
            table::verdict(rate >= target && all),
        ]);
    }
    t.print();
    Ok(())
}
