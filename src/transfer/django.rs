//! `watchpost import --from-django URL`: reads the original monitor's tables (SQLite file or
//! PostgreSQL, opened read-only) into a [`Document`], deriving `service_states` from them.

use super::rows::{micros, CheckRow, IncidentRow, OutageRow, StateRow, WindowRow};
use super::Document;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::query_builder::SqlQuery;
use diesel::query_dsl::LoadQuery;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use std::collections::BTreeMap;

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    service_name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    response_time_ms: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    status_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error_message: Option<String>,
    #[diesel(sql_type = Text)]
    checked_at: String,
}

#[derive(QueryableByName)]
struct Outage {
    #[diesel(sql_type = Text)]
    service_name: String,
    #[diesel(sql_type = Text)]
    start_time: String,
    #[diesel(sql_type = Nullable<Text>)]
    end_time: Option<String>,
    #[diesel(sql_type = Text)]
    resolved: String,
}

#[derive(QueryableByName)]
struct Message {
    #[diesel(sql_type = Text)]
    severity: String,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Text)]
    active: String,
    #[diesel(sql_type = Text)]
    created_at: String,
    #[diesel(sql_type = Text)]
    updated_at: String,
}

#[derive(QueryableByName)]
struct Window {
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Nullable<Text>)]
    description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    affected_services: Option<String>,
    #[diesel(sql_type = Text)]
    start_time: String,
    #[diesel(sql_type = Text)]
    end_time: String,
    #[diesel(sql_type = Text)]
    active: String,
    #[diesel(sql_type = Text)]
    created_at: String,
    #[diesel(sql_type = Text)]
    updated_at: String,
}

const CHECKS: &str = "SELECT service_name, status, CAST(response_time_ms AS TEXT) AS response_time_ms, CAST(status_code AS TEXT) AS status_code, error_message, CAST(checked_at AS TEXT) AS checked_at FROM monitoring_healthcheck ORDER BY checked_at, id";
const OUTAGES: &str = "SELECT service_name, CAST(start_time AS TEXT) AS start_time, CAST(end_time AS TEXT) AS end_time, CAST(resolved AS TEXT) AS resolved FROM monitoring_outage ORDER BY start_time, id";
const MESSAGES: &str = "SELECT severity, text, CAST(active AS TEXT) AS active, CAST(created_at AS TEXT) AS created_at, CAST(updated_at AS TEXT) AS updated_at FROM monitoring_message ORDER BY created_at, id";
const WINDOWS: &str = "SELECT title, description, affected_services, CAST(start_time AS TEXT) AS start_time, CAST(end_time AS TEXT) AS end_time, CAST(active AS TEXT) AS active, CAST(created_at AS TEXT) AS created_at, CAST(updated_at AS TEXT) AS updated_at FROM monitoring_maintenance ORDER BY start_time, id";

/// A time as Django stored it (naive UTC text in SQLite, `+00` in PostgreSQL).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(t) {
        return Some(micros(t.with_timezone(&Utc)));
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(t, f) {
            return Some(micros(t.with_timezone(&Utc)));
        }
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .map(|t| micros(t.and_utc()))
}

fn flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" => Some(true),
        "0" | "false" | "f" => Some(false),
        _ => None,
    }
}

type Read<T> = Result<T, String>;

fn time(table: &str, row: usize, field: &str, text: &str) -> Read<DateTime<Utc>> {
    parse_time(text)
        .ok_or_else(|| format!("{table} row {row}: field {field}: {text:?} is not a time"))
}

fn int(table: &str, row: usize, field: &str, text: Option<String>) -> Read<Option<i32>> {
    text.map(|t| {
        let trimmed = t.trim().trim_end_matches(".0").to_string();
        trimmed
            .parse::<i32>()
            .map_err(|_| format!("{table} row {row}: field {field}: {t:?} is not an integer"))
    })
    .transpose()
}

fn boolean(table: &str, row: usize, field: &str, text: &str) -> Read<bool> {
    flag(text).ok_or_else(|| format!("{table} row {row}: field {field}: {text:?} is not a boolean"))
}

fn load<C, R>(conn: &mut C, sql: &str) -> Read<Vec<R>>
where
    C: Connection,
    SqlQuery: for<'a> LoadQuery<'a, C, R>,
{
    diesel::sql_query(sql)
        .load(conn)
        .map_err(|e| format!("reading the original database: {e}"))
}

fn read_all<C>(conn: &mut C) -> Read<Document>
where
    C: Connection,
    SqlQuery: for<'a> LoadQuery<'a, C, Check>
        + for<'a> LoadQuery<'a, C, Outage>
        + for<'a> LoadQuery<'a, C, Message>
        + for<'a> LoadQuery<'a, C, Window>,
{
    let mut doc = Document::default();
    for (i, c) in load::<C, Check>(conn, CHECKS)?.into_iter().enumerate() {
        let (t, n) = ("monitoring_healthcheck", i + 1);
        if c.status != "up" && c.status != "down" {
            return Err(format!(
                "{t} row {n}: field status: {} is not up or down",
                super::fields::shown(&c.status)
            ));
        }
        doc.checks.push(CheckRow {
            response_time_ms: int(t, n, "response_time_ms", c.response_time_ms)?,
            status_code: int(t, n, "status_code", c.status_code)?,
            checked_at: time(t, n, "checked_at", &c.checked_at)?,
            service_name: c.service_name,
            status: c.status,
            error_message: c.error_message.filter(|e| !e.is_empty()),
        });
    }
    for (i, o) in load::<C, Outage>(conn, OUTAGES)?.into_iter().enumerate() {
        let (t, n) = ("monitoring_outage", i + 1);
        let end = o
            .end_time
            .as_deref()
            .map(|e| time(t, n, "end_time", e))
            .transpose()?;
        let resolved = boolean(t, n, "resolved", &o.resolved)? && end.is_some();
        doc.outages.push(OutageRow {
            start_time: time(t, n, "start_time", &o.start_time)?,
            end_time: if resolved { end } else { None },
            resolved,
            resolved_by: None,
            service_name: o.service_name,
        });
    }
    for (i, m) in load::<C, Message>(conn, MESSAGES)?.into_iter().enumerate() {
        let (t, n) = ("monitoring_message", i + 1);
        doc.incidents.push(IncidentRow {
            active: boolean(t, n, "active", &m.active)?,
            created_at: time(t, n, "created_at", &m.created_at)?,
            updated_at: time(t, n, "updated_at", &m.updated_at)?,
            severity: m.severity,
            text: m.text,
        });
    }
    for (i, w) in load::<C, Window>(conn, WINDOWS)?.into_iter().enumerate() {
        let (t, n) = ("monitoring_maintenance", i + 1);
        let services = w.affected_services.unwrap_or_default();
        doc.windows.push(WindowRow {
            start_time: time(t, n, "start_time", &w.start_time)?,
            end_time: time(t, n, "end_time", &w.end_time)?,
            active: boolean(t, n, "active", &w.active)?,
            created_at: time(t, n, "created_at", &w.created_at)?,
            updated_at: time(t, n, "updated_at", &w.updated_at)?,
            title: w.title,
            description: w.description.unwrap_or_default(),
            affected_services: services
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    doc.states = derive_states(&doc.checks, &doc.outages);
    Ok(doc)
}

/// Each service's state: confirmed down from the start of its unresolved outage (its down
/// alert counted as sent: the original sent it), otherwise the run of `down` checks since its
/// last `up` one.
pub fn derive_states(checks: &[CheckRow], outages: &[OutageRow]) -> Vec<StateRow> {
    let mut by_service: BTreeMap<&str, Vec<&CheckRow>> = BTreeMap::new();
    for c in checks {
        by_service.entry(&c.service_name).or_default().push(c);
    }
    for o in outages.iter().filter(|o| o.end_time.is_none()) {
        by_service.entry(&o.service_name).or_default();
    }
    by_service
        .into_iter()
        .map(|(service, rows)| {
            let run: Vec<&&CheckRow> = rows
                .iter()
                .rev()
                .take_while(|c| c.status == "down")
                .collect();
            let open = outages
                .iter()
                .find(|o| o.service_name == service && o.end_time.is_none());
            let streak_start = run.last().map(|c| c.checked_at);
            StateRow {
                service_name: service.to_string(),
                consecutive_failures: i32::try_from(run.len())
                    .unwrap_or(i32::MAX)
                    .max(i32::from(open.is_some())),
                streak_start: open.map(|o| o.start_time).or(streak_start),
                outage_start: open.map(|o| o.start_time),
                down_alert_sent: open.is_some(),
                last_checked_at: rows.last().map(|c| c.checked_at),
            }
        })
        .collect()
}

/// Reads the original database at `url` (`sqlite:///path/db.sqlite3` or `postgres://...`)
/// without changing it.
pub fn read(url: &str) -> Read<Document> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            return Err(format!("{path}: no such file"));
        }
        // Read-only: nothing (not even a journal mode) is written to the source.
        let uri = format!("file:{path}?mode=ro");
        let mut conn = SqliteConnection::establish(&uri).map_err(|e| format!("{path}: {e}"))?;
        read_all(&mut conn)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut conn = PgConnection::establish(url).map_err(|e| format!("cannot connect: {e}"))?;
        conn.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .map_err(|e| format!("cannot make the session read-only: {e}"))?;
        read_all(&mut conn)
    } else {
        Err(format!(
            "{url:?}: expected sqlite:///path/to/db.sqlite3 or postgres://..."
        ))
    }
}
