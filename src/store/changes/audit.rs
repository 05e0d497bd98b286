//! The audit log: one row per change, written in the change's transaction.

use crate::db::schema::audit_log;
use crate::db::AnyConnection;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Serialize, Queryable)]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// When.
    #[serde(serialize_with = "utc")]
    pub at: NaiveDateTime,
    /// Token name, `cli`, or the admin page's signed-in token name.
    pub actor: String,
    /// `incident.create`, `maintenance.update`, `outage.resolve`, ...
    pub action: String,
    /// `incident 3`, ...
    pub subject: String,
    /// JSON before the change.
    pub before: Option<String>,
    /// JSON after the change.
    pub after: Option<String>,
}

fn utc<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    t.and_utc().serialize(s)
}

/// Records `action` on `subject` by `actor`.
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<&B>,
    after: Option<&A>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(at.naive_utc()),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::before.eq(before.and_then(|b| serde_json::to_string(b).ok())),
            audit_log::after.eq(after.and_then(|a| serde_json::to_string(a).ok())),
        ))
        .execute(conn)
        .map(drop)
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .load(conn)
}
