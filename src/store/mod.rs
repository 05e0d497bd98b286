//! The store: everything the web asks of the database, as typed async functions over the one
//! pool it owns. Handlers hold a [`Store`] (never a pool or a connection), call a function,
//! and get typed rows or a [`StoreError`] they map to HTTP; each function runs its queries on
//! a blocking thread, so no handler blocks the server's threads.
//!
//! [`changes`] holds the operators' changes themselves (incidents, maintenance windows, outage
//! force-resolve and the audit log), each validated and audited inside one transaction; the
//! CLI runs them on its own connection, the web through the [`Store`]'s functions in
//! `operators`. The reads of the JSON API and the admin page are in `reads`.

pub mod changes;
mod operators;
mod reads;

pub use changes::FieldError;
pub use reads::{Overview, ServiceRecords};

/// The records the read API answers with, as the database queries return them.
pub use crate::db::read_queries::{CheckPage, CheckRecord, OutageRecord};
/// The start of the UTC hour holding a time, as the hourly rollups count hours.
pub use crate::db::rollups::hour_of;

use crate::db::{self, AnyConnection, DbError, Pool};
use changes::ChangeError;

/// The web's handle on the database: cheap to clone, one per app.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

/// Why a store function did not give its result.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input is invalid; every problem is listed.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// No such row; the text says which (`incident 3`).
    #[error("{0} not found")]
    NotFound(String),
    /// The database failed or could not be reached; the text is the cause, for the log.
    #[error("{0}")]
    Unavailable(String),
}

impl From<ChangeError> for StoreError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Invalid(fields) => StoreError::Invalid(fields),
            ChangeError::NotFound(what) => StoreError::NotFound(what),
            ChangeError::Db(e) => StoreError::Unavailable(e.to_string()),
        }
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: Pool) -> Self {
        Store { pool }
    }

    /// Runs `work` with a pooled connection on a blocking thread.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ChangeError> + Send + 'static,
    {
        db::blocking(self.pool.clone(), move |conn| Ok(work(conn)))
            .await?
            .map_err(StoreError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_errors_keep_their_fields_and_name_what_was_not_found() {
        let missing = StoreError::from(ChangeError::NotFound("incident 7".into()));
        assert_eq!(missing.to_string(), "incident 7 not found");
        let invalid = StoreError::from(ChangeError::Invalid(vec![FieldError::new("text", "x")]));
        assert!(matches!(invalid, StoreError::Invalid(f) if f[0].field == "text"));
        let down = StoreError::from(DbError::Task("gone".into()));
        assert!(matches!(down, StoreError::Unavailable(_)));
    }
}
