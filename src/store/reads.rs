//! The reads of the JSON API (one service's records, its checks, its hourly history,
//! outages) and of the admin dashboard: each bounded by a limit, run per request.

use super::changes::audit::{self, AuditEntry};
use super::changes::outages::{self, Outage};
use super::{Store, StoreError};
use crate::db::read_queries::{self, CheckPage, CheckRecord, OutageFilter, OutageRecord};
use crate::db::{notices, rollups};
use crate::domain::notices::Notices;
use crate::domain::rollup_stats::Tally;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// What the API's detail of one service reads from the database.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRecords {
    /// Response times (ms) of the last 24 hours, in no particular order.
    pub response_times: Vec<u64>,
    /// The start of the open outage, if any.
    pub open_outage: Option<DateTime<Utc>>,
    /// The last outages, newest first.
    pub recent_outages: Vec<OutageRecord>,
}

/// What the admin dashboard lists besides the live status.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overview {
    /// Open outages, newest first.
    pub outages: Vec<Outage>,
    /// Active incidents and maintenance not yet over.
    pub notices: Notices,
    /// The newest audit entries.
    pub audit: Vec<AuditEntry>,
}

impl Store {
    /// `name`'s response times of the 24 hours before `now`, its open outage and its last
    /// `recent` outages.
    pub async fn service_records(
        &self,
        name: String,
        now: DateTime<Utc>,
        recent: i64,
    ) -> Result<ServiceRecords, StoreError> {
        self.run(move |conn| {
            let filter = OutageFilter {
                service: Some(&name),
                since: None,
                limit: recent,
            };
            Ok(ServiceRecords {
                response_times: read_queries::response_times(
                    conn,
                    &name,
                    now - Duration::hours(24),
                )?,
                open_outage: read_queries::open_outage(conn, &name)?,
                recent_outages: read_queries::outages(conn, filter)?,
            })
        })
        .await
    }

    /// A page of `name`'s stored checks, newest first.
    pub async fn checks(
        &self,
        name: String,
        page: CheckPage,
    ) -> Result<Vec<CheckRecord>, StoreError> {
        self.run(move |conn| Ok(read_queries::checks(conn, &name, page)?))
            .await
    }

    /// `name`'s hours from the hour holding `since` on, oldest first: (start, figures).
    pub async fn hourly(
        &self,
        name: String,
        since: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDateTime, Tally)>, StoreError> {
        let rows = self
            .run(move |conn| Ok(rollups::hourly(conn, &name, since.naive_utc())?))
            .await?;
        Ok(rows.iter().map(|r| (r.hour, r.tally())).collect())
    }

    /// Outages newest first, at most `limit`: only `service`'s if given, only those open or
    /// ended at or after `since` if given.
    pub async fn outages(
        &self,
        service: Option<String>,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<OutageRecord>, StoreError> {
        self.run(move |conn| {
            let filter = OutageFilter {
                service: service.as_deref(),
                since,
                limit,
            };
            Ok(read_queries::outages(conn, filter)?)
        })
        .await
    }

    /// The admin dashboard's lists at `now`, with the newest `audit_shown` audit entries.
    pub async fn overview(
        &self,
        now: DateTime<Utc>,
        audit_shown: i64,
    ) -> Result<Overview, StoreError> {
        self.run(move |conn| {
            Ok(Overview {
                outages: outages::list(conn, true, now)?,
                notices: notices::load_notices(conn, now)?,
                audit: audit::recent(conn, audit_shown)?,
            })
        })
        .await
    }
}
