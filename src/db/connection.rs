//! Connections: a diesel `MultiConnection` over SQLite and PostgreSQL, pooled with r2d2.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL (`postgres://...`).
    Postgresql(PgConnection),
    /// SQLite (`sqlite://PATH`).
    Sqlite(SqliteConnection),
}

/// A pool of [`AnyConnection`]s.
pub type Pool = r2d2::Pool<Manager>;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached.
    #[error("cannot connect: {0}")]
    Connect(#[from] ConnectionError),
    /// No connection could be taken from the pool in time.
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    /// A statement failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Running migrations failed.
    #[error("migrations failed: {0}")]
    Migration(String),
    /// The blocking task running the work did not finish.
    #[error("database task failed: {0}")]
    Task(String),
}

/// Which database a `database.url` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

impl DbTarget {
    /// `sqlite://relative/path`, `sqlite:///absolute/path` or `postgres://...`.
    pub fn parse(url: &str) -> Result<Self, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(DbTarget::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbTarget::Postgres(url.to_string()))
        } else {
            Err(DbError::Connect(ConnectionError::InvalidConnectionUrl(
                format!(
                    "unsupported database URL scheme in {:?}",
                    crate::settings::mask::url(url)
                ),
            )))
        }
    }
}

/// The r2d2 manager: establishes exactly the backend the URL names (never falls back).
#[derive(Debug)]
pub struct Manager(DbTarget);

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = DbError;

    fn connect(&self) -> Result<AnyConnection, DbError> {
        match &self.0 {
            DbTarget::Sqlite(path) => {
                create_owner_only(path)?;
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // temp_store: the statement journal of a multi-row statement (the rollup
                // upsert, in every write batch) and sorters live in memory, not in a temporary
                // file opened and removed for each batch.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY;",
                )?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DbTarget::Postgres(url) => Ok(AnyConnection::Postgresql(PgConnection::establish(url)?)),
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// Creates the SQLite file `path`, readable and writable by its owner only (0600), unless it
/// exists (its mode is then left as the operator set it). SQLite gives the `-wal` and `-shm`
/// files it creates beside it the same mode. `:memory:` and `file:` URIs are left to SQLite.
pub fn create_owner_only(path: &std::path::Path) -> Result<(), DbError> {
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") {
        return Ok(());
    }
    if path.exists() {
        warn_if_readable_by_others(path);
        return Ok(());
    }
    let created = owner_only_options().create_new(true).open(path);
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(DbError::Connect(ConnectionError::BadConnection(format!(
            "cannot create {}: {e}",
            path.display()
        )))),
    }
}

/// An existing database that others can read (created before 0600, or by hand) is named in a
/// WARN with the command that closes it; Watchpost does not change an operator's file modes.
fn warn_if_readable_by_others(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            log::warn!(
                "Database file {} has mode {mode:o}: others can read the checks, outages and \
                 audit log in it; `chmod 600 {0}*` makes it (and its -wal, -shm) owner-only",
                path.display()
            );
        }
    }
}

/// Sets an open file's mode to 0600 (on Unix; elsewhere nothing).
pub fn make_owner_only(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Options that create a file with mode 0600 (on Unix; elsewhere the platform's default).
pub fn owner_only_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// A pool for `url`; connections are made lazily, so an unreachable database fails at first use.
pub fn connect(url: &str, size: u32) -> Result<Pool, DbError> {
    let manager = Manager(DbTarget::parse(url)?);
    Ok(r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(3))
        .test_on_check_out(true)
        // The callers log a failure once, in a sentence naming what waits; r2d2's own logging
        // would repeat it several times a second while the database is away.
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build_unchecked(manager))
}

/// Runs the pending embedded migrations of the connection's backend; returns their names.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(names),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.into_iter().map(|v| v.to_string()).collect()
}
