//! Read-side queries of the status page: monitored-since, recent outages and the newest
//! response times of each service (incidents and maintenance are in [`super::notices`]). Run
//! at start and on a slow refresh, never per page view.

use super::connection::AnyConnection;
use super::schema::{health_checks, monitored_services, outages};
use crate::domain::uptime::Span;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Timestamp};
use std::collections::HashMap;

/// Newest response times kept per service for the sparkline.
pub const SAMPLES: usize = 40;
/// How far back the page looks.
pub const HISTORY_DAYS: i64 = 90;
/// Resolved incidents shown under Recent History.
pub const RECENT_INCIDENTS: i64 = 10;

/// What the page needs to know about one service's past.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// First monitored.
    pub monitored_since: Option<DateTime<Utc>>,
    /// Outages of the last 90 days and any still open, oldest first.
    pub outages: Vec<Span>,
    /// Newest response times of the last 24 h: (checked at, ms), oldest first.
    pub samples: Vec<(DateTime<Utc>, u64)>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Records `now` as "monitored since" for each service that has none yet (or the time of its
/// oldest stored check, for a database that predates this table).
pub fn ensure_monitored(
    conn: &mut AnyConnection,
    names: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let known: std::collections::HashSet<String> = monitored_services::table
        .select(monitored_services::service_name)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let new: Vec<&String> = names.iter().filter(|n| !known.contains(*n)).collect();
    if new.is_empty() {
        return Ok(());
    }
    // One transaction for all of them: thousands of new services start in one commit.
    conn.transaction(|conn| record_monitored(conn, &new, now))
}

#[derive(Insertable)]
#[diesel(table_name = monitored_services)]
struct NewMonitored<'a> {
    service_name: &'a str,
    monitored_since: NaiveDateTime,
}

/// Names per multi-row statement.
const NAME_CHUNK: usize = 500;

/// Inserts `now` for each new service, then moves it back to the service's oldest stored check
/// where there is an older one: two statements per 500 names, not two round trips per service.
fn record_monitored(
    conn: &mut AnyConnection,
    new: &[&String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in new.chunks(NAME_CHUNK) {
        let rows: Vec<NewMonitored> = chunk
            .iter()
            .map(|name| NewMonitored {
                service_name: name.as_str(),
                monitored_since: now,
            })
            .collect();
        let insert = diesel::insert_into(monitored_services::table).values(&rows);
        match conn {
            AnyConnection::Postgresql(c) => insert.execute(c)?,
            AnyConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    // Only this call's rows hold exactly `now`; a database older than the table has checks.
    let backdate = diesel::sql_query(
        "UPDATE monitored_services SET monitored_since = (SELECT MIN(h.checked_at) \
         FROM health_checks h WHERE h.service_name = monitored_services.service_name) \
         WHERE monitored_since = $1 AND EXISTS (SELECT 1 FROM health_checks h \
         WHERE h.service_name = monitored_services.service_name AND h.checked_at < $1)",
    );
    match conn {
        AnyConnection::Postgresql(c) => backdate.bind::<Timestamp, _>(now).execute(c)?,
        AnyConnection::Sqlite(c) => backdate.bind::<Timestamp, _>(now).execute(c)?,
    };
    Ok(())
}

/// The history of every service in `names`.
pub fn load_history(
    conn: &mut AnyConnection,
    names: &[String],
    now: DateTime<Utc>,
) -> QueryResult<HashMap<String, History>> {
    let mut all: HashMap<String, History> = names
        .iter()
        .map(|n| (n.clone(), History::default()))
        .collect();
    let since: Vec<(String, NaiveDateTime)> = monitored_services::table.load(conn)?;
    for (name, at) in since {
        if let Some(h) = all.get_mut(&name) {
            h.monitored_since = Some(utc(at));
        }
    }
    let horizon = (now - Duration::days(HISTORY_DAYS + 1)).naive_utc();
    let rows: Vec<(String, NaiveDateTime, Option<NaiveDateTime>)> = outages::table
        .filter(
            outages::end_time
                .is_null()
                .or(outages::end_time.ge(horizon)),
        )
        .order(outages::start_time.asc())
        .select((
            outages::service_name,
            outages::start_time,
            outages::end_time,
        ))
        .load(conn)?;
    for (name, start, end) in rows {
        if let Some(h) = all.get_mut(&name) {
            h.outages.push(Span {
                start: utc(start),
                end: end.map(utc),
            });
        }
    }
    let day_ago = (now - Duration::hours(24)).naive_utc();
    match conn {
        AnyConnection::Postgresql(c) => {
            for (name, at, ms) in all_samples(c, names, day_ago)? {
                if let (Some(h), Ok(ms)) = (all.get_mut(&name), u64::try_from(ms)) {
                    h.samples.push((utc(at), ms));
                }
            }
            all.values_mut().for_each(|h| h.samples.reverse());
        }
        conn => {
            for (name, h) in all.iter_mut() {
                h.samples = samples(conn, name, day_ago)?;
            }
        }
    }
    Ok(all)
}

#[derive(QueryableByName)]
struct SampleRow {
    #[diesel(sql_type = Text)]
    service_name: String,
    #[diesel(sql_type = Timestamp)]
    checked_at: NaiveDateTime,
    #[diesel(sql_type = Integer)]
    response_time_ms: i32,
}

/// Every service's newest response times since `after`, newest first per service, in one
/// PostgreSQL round trip (one index scan per service inside the server) instead of one query
/// per service.
fn all_samples(
    conn: &mut diesel::PgConnection,
    names: &[String],
    after: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime, i32)>> {
    let rows: Vec<SampleRow> = diesel::sql_query(format!(
        "SELECT s.name AS service_name, h.checked_at, h.response_time_ms \
         FROM unnest($1::text[]) AS s(name) CROSS JOIN LATERAL ( \
           SELECT checked_at, response_time_ms FROM health_checks \
           WHERE service_name = s.name AND checked_at >= $2 \
             AND response_time_ms IS NOT NULL \
           ORDER BY checked_at DESC LIMIT {SAMPLES}) h"
    ))
    .bind::<Array<Text>, _>(names)
    .bind::<Timestamp, _>(after)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.service_name, r.checked_at, r.response_time_ms))
        .collect())
}

fn samples(
    conn: &mut AnyConnection,
    name: &str,
    after: NaiveDateTime,
) -> QueryResult<Vec<(DateTime<Utc>, u64)>> {
    let rows: Vec<(NaiveDateTime, Option<i32>)> = health_checks::table
        .filter(health_checks::service_name.eq(name))
        .filter(health_checks::checked_at.ge(after))
        .filter(health_checks::response_time_ms.is_not_null())
        .order(health_checks::checked_at.desc())
        .limit(SAMPLES as i64)
        .select((health_checks::checked_at, health_checks::response_time_ms))
        .load(conn)?;
    let mut out: Vec<(DateTime<Utc>, u64)> = rows
        .into_iter()
        .filter_map(|(at, ms)| Some((utc(at), u64::try_from(ms?).ok()?)))
        .collect();
    out.reverse();
    Ok(out)
}
