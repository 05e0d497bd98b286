//! Export: the document written as a stream, table by table, check rows read in chunks so
//! millions of them never sit in memory at once.

use super::rows::{micros, CheckRow, IncidentRow, OutageRow, StateRow, WindowRow};
use crate::db::schema::{
    health_checks as hc, incidents, maintenance_windows as mw, outages, service_states as ss,
};
use crate::db::{AnyConnection, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use std::io::Write;

/// Check rows read per query.
const CHUNK: i64 = 5_000;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the database failed.
    #[error("{0}")]
    Db(#[from] DbError),
    /// Writing the output failed.
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

impl From<diesel::result::Error> for ExportError {
    fn from(e: diesel::result::Error) -> Self {
        ExportError::Db(DbError::Query(e))
    }
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    micros(t.and_utc())
}

/// Writes a JSON array of `rows` as the value of `table`.
struct Table<'w, W: Write> {
    out: &'w mut W,
    first: bool,
}

impl<'w, W: Write> Table<'w, W> {
    fn open(out: &'w mut W, table: &str, first_table: bool) -> std::io::Result<Self> {
        let sep = if first_table { "" } else { "," };
        write!(out, "{sep}\n\"{table}\":[")?;
        Ok(Table { out, first: true })
    }

    fn row<T: Serialize>(&mut self, row: &T) -> std::io::Result<()> {
        let sep = if self.first { "\n" } else { ",\n" };
        self.first = false;
        self.out.write_all(sep.as_bytes())?;
        serde_json::to_writer(&mut *self.out, row).map_err(std::io::Error::other)
    }

    fn close(self) -> std::io::Result<()> {
        self.out.write_all(b"]")
    }
}

type CheckTuple = (
    i64,
    String,
    String,
    Option<i32>,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
);

fn checks<W: Write>(
    c: &mut AnyConnection,
    out: &mut W,
    since: Option<NaiveDateTime>,
) -> Result<(), ExportError> {
    let mut table = Table::open(out, "health_checks", true)?;
    let mut after: Option<(NaiveDateTime, i64)> = None;
    loop {
        let mut q = hc::table
            .select((
                hc::id,
                hc::service_name,
                hc::status,
                hc::status_code,
                hc::response_time_ms,
                hc::error_message,
                hc::checked_at,
            ))
            .order((hc::checked_at.asc(), hc::id.asc()))
            .limit(CHUNK)
            .into_boxed();
        if let Some(since) = since {
            q = q.filter(hc::checked_at.ge(since));
        }
        if let Some((t, id)) = after {
            q = q.filter(
                hc::checked_at
                    .gt(t)
                    .or(hc::checked_at.eq(t).and(hc::id.gt(id))),
            );
        }
        let rows: Vec<CheckTuple> = q.load(c)?;
        for r in &rows {
            table.row(&CheckRow {
                service_name: r.1.clone(),
                status: r.2.clone(),
                status_code: r.3,
                response_time_ms: r.4,
                error_message: r.5.clone(),
                checked_at: utc(r.6),
            })?;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == CHUNK => after = Some((last.6, last.0)),
            _ => break,
        }
    }
    Ok(table.close()?)
}

type OutageTuple = (
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    bool,
    Option<String>,
);
type Opt = Option<NaiveDateTime>;
type StateTuple = (String, i32, Opt, Opt, bool, Opt);

fn small_tables<W: Write>(
    c: &mut AnyConnection,
    out: &mut W,
    since: Option<NaiveDateTime>,
) -> Result<(), ExportError> {
    // Year 1: older than anything stored, and within both databases' range.
    let floor = since.unwrap_or_else(|| {
        chrono::NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default()
    });
    let rows: Vec<OutageTuple> = outages::table
        .filter(
            outages::start_time
                .ge(floor)
                .or(outages::end_time.is_null()),
        )
        .order((outages::start_time.asc(), outages::id.asc()))
        .select((
            outages::service_name,
            outages::start_time,
            outages::end_time,
            outages::resolved,
            outages::resolved_by,
        ))
        .load(c)?;
    let mut t = Table::open(out, "outages", false)?;
    for r in rows {
        t.row(&OutageRow {
            service_name: r.0,
            start_time: utc(r.1),
            end_time: r.2.map(utc),
            resolved: r.3,
            resolved_by: r.4,
        })?;
    }
    t.close()?;
    let rows: Vec<StateTuple> = ss::table
        .order(ss::service_name.asc())
        .select((
            ss::service_name,
            ss::consecutive_failures,
            ss::streak_start,
            ss::outage_start,
            ss::down_alert_sent,
            ss::last_checked_at,
        ))
        .load(c)?;
    let mut t = Table::open(out, "service_states", false)?;
    for r in rows {
        t.row(&StateRow {
            service_name: r.0,
            consecutive_failures: r.1,
            streak_start: r.2.map(utc),
            outage_start: r.3.map(utc),
            down_alert_sent: r.4,
            last_checked_at: r.5.map(utc),
        })?;
    }
    t.close()?;
    notices(c, out, floor)
}

fn notices<W: Write>(
    c: &mut AnyConnection,
    out: &mut W,
    floor: NaiveDateTime,
) -> Result<(), ExportError> {
    let rows: Vec<(String, String, bool, NaiveDateTime, NaiveDateTime)> = incidents::table
        .filter(incidents::created_at.ge(floor))
        .order((incidents::created_at.asc(), incidents::id.asc()))
        .select((
            incidents::severity,
            incidents::text,
            incidents::active,
            incidents::created_at,
            incidents::updated_at,
        ))
        .load(c)?;
    let mut t = Table::open(out, "incidents", false)?;
    for r in rows {
        t.row(&IncidentRow {
            severity: r.0,
            text: r.1,
            active: r.2,
            created_at: utc(r.3),
            updated_at: utc(r.4),
        })?;
    }
    t.close()?;
    type Window = (
        String,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
        bool,
        NaiveDateTime,
        NaiveDateTime,
    );
    let rows: Vec<Window> = mw::table
        .filter(mw::end_time.ge(floor))
        .order((mw::start_time.asc(), mw::id.asc()))
        .select((
            mw::title,
            mw::description,
            mw::affected_services,
            mw::start_time,
            mw::end_time,
            mw::active,
            mw::created_at,
            mw::updated_at,
        ))
        .load(c)?;
    let mut t = Table::open(out, "maintenance_windows", false)?;
    for r in rows {
        t.row(&WindowRow {
            title: r.0,
            description: r.1,
            affected_services: serde_json::from_str(&r.2).unwrap_or_default(),
            start_time: utc(r.3),
            end_time: utc(r.4),
            active: r.5,
            created_at: utc(r.6),
            updated_at: utc(r.7),
        })?;
    }
    Ok(t.close()?)
}

/// Writes the whole document to `out` (rows from `since` on, when given; states always).
pub fn export<W: Write>(
    c: &mut AnyConnection,
    out: &mut W,
    since: Option<DateTime<Utc>>,
) -> Result<(), ExportError> {
    let since = since.map(|t| t.naive_utc());
    out.write_all(b"{")?;
    checks(c, out, since)?;
    small_tables(c, out, since)?;
    out.write_all(b"\n}\n")?;
    Ok(out.flush()?)
}
