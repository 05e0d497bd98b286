//! What operators decided and the monitors must honour between two reads of the database:
//! maintenance windows (alerts held, status `maintenance`) and outages resolved by hand (the
//! monitor forgets them). The StatusCache rereads it every check interval and publishes it;
//! each monitor reads the current one at every cycle.

use crate::db::{notices, AnyConnection};
use crate::domain::notices::Notices;
use crate::published::Published;
use chrono::{DateTime, Duration, Utc};
use diesel::QueryResult;
use std::collections::HashSet;

/// How far back hand-resolved outages are remembered.
pub const RESOLVED_MEMORY_DAYS: i64 = 30;

/// One reading of the operators' decisions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BoardData {
    /// Incidents and maintenance windows.
    pub notices: Notices,
    /// Outages an operator resolved: (service, start).
    pub resolved: HashSet<(String, DateTime<Utc>)>,
}

impl BoardData {
    /// True when an operator resolved `service`'s outage that started at `start`.
    pub fn was_resolved(&self, service: &str, start: DateTime<Utc>) -> bool {
        self.resolved.contains(&(service.to_string(), start))
    }
}

/// Reads the board from the database.
pub fn load(conn: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<BoardData> {
    let since = now - Duration::days(RESOLVED_MEMORY_DAYS);
    Ok(BoardData {
        notices: notices::load_notices(conn, now)?,
        resolved: notices::resolved_by_operators(conn, since)?
            .into_iter()
            .collect(),
    })
}

/// The current board, shared by the StatusCache (writer) and the monitors (readers).
pub type Board = Published<BoardData>;
