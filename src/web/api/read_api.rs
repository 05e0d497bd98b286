//! The read API: one service in detail, its checks page by page, its hourly or daily history
//! (from the rollups), outages, incidents. Thin
//! handlers: the snapshot says which services exist, the [`Store`]'s bounded reads fetch rows,
//! [`super::read_views`] builds the bodies.

use super::read_views::{
    parse_limit, parse_resolution, parse_time, ChecksPageView, HistoryView, Latency, OutageView,
    ServiceDetailView,
};
use crate::snapshot::{ServiceView, Snapshot};
use crate::store::{CheckPage, Store, StoreError};
use crate::web::{Status, WebError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// Outages shown in a service's detail.
pub const RECENT_OUTAGES: i64 = 10;
/// Outages `/api/outages` lists at most.
pub const OUTAGES_LIMIT: i64 = 500;
const CACHE: &str = "public, max-age=10";

/// Query of `/api/services/{name}/checks`.
#[derive(Deserialize)]
pub struct ChecksQuery {
    since: Option<String>,
    until: Option<String>,
    limit: Option<String>,
}

/// Query of `/api/services/{name}/history`.
#[derive(Deserialize)]
pub struct HistoryQuery {
    hours: Option<String>,
    days: Option<String>,
}

/// Query of `/api/outages`.
#[derive(Deserialize)]
pub struct OutagesQuery {
    service: Option<String>,
    since: Option<String>,
}

fn json<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, CACHE))
        .json(body)
}

/// The snapshot's view of `name`, or a 404 naming it.
fn find<'a>(snap: &'a Snapshot, name: &str) -> Result<&'a ServiceView, WebError> {
    snap.services
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| WebError::NotFound(format!("unknown service {name:?}")))
}

fn unavailable(e: StoreError) -> WebError {
    WebError::Database(e.to_string())
}

/// `GET /api/services/{name}`: the snapshot's view with uptimes, 24-hour latency
/// percentiles, the open outage and the last outages.
pub async fn service(
    name: web::Path<String>,
    status: web::Data<Status>,
    store: web::Data<Store>,
) -> Result<HttpResponse, WebError> {
    let snap = status.read().await;
    let view = find(&snap, &name)?;
    let now = Utc::now();
    let name = name.into_inner();
    let records = store
        .service_records(name, now, RECENT_OUTAGES)
        .await
        .map_err(unavailable)?;
    let recent = records
        .recent_outages
        .into_iter()
        .map(|o| OutageView::new(o, now, false))
        .collect();
    Ok(json(&ServiceDetailView::new(
        view,
        Latency::of(records.response_times),
        records.open_outage,
        recent,
    )))
}

/// `GET /api/services/{name}/checks?since=&until=&limit=`: stored checks, newest first.
pub async fn checks(
    name: web::Path<String>,
    query: web::Query<ChecksQuery>,
    status: web::Data<Status>,
    store: web::Data<Store>,
) -> Result<HttpResponse, WebError> {
    let page = CheckPage {
        since: parse_time("since", query.since.as_deref()).map_err(WebError::BadRequest)?,
        until: parse_time("until", query.until.as_deref()).map_err(WebError::BadRequest)?,
        limit: parse_limit(query.limit.as_deref()).map_err(WebError::BadRequest)?,
    };
    find(&*status.read().await, &name)?;
    let name = name.into_inner();
    let records = store.checks(name, page).await.map_err(unavailable)?;
    Ok(json(&ChecksPageView::new(records, page.limit)))
}

/// `GET /api/services/{name}/history?hours=|days=`: hourly or daily checks, failures,
/// availability and response times from the hourly rollups (never raw rows).
pub async fn history(
    name: web::Path<String>,
    query: web::Query<HistoryQuery>,
    status: web::Data<Status>,
    store: web::Data<Store>,
) -> Result<HttpResponse, WebError> {
    let resolution = parse_resolution(query.hours.as_deref(), query.days.as_deref())
        .map_err(WebError::BadRequest)?;
    find(&*status.read().await, &name)?;
    let since = resolution.since(Utc::now());
    let name = name.into_inner();
    let hours = store
        .hourly(name.clone(), since)
        .await
        .map_err(unavailable)?;
    Ok(json(&HistoryView::new(name, resolution, since, &hours)))
}

/// `GET /api/outages?service=&since=`: outages newest first, each naming its service.
pub async fn outages(
    query: web::Query<OutagesQuery>,
    status: web::Data<Status>,
    store: web::Data<Store>,
) -> Result<HttpResponse, WebError> {
    let since = parse_time("since", query.since.as_deref()).map_err(WebError::BadRequest)?;
    let service = query.into_inner().service.filter(|s| !s.is_empty());
    if let Some(name) = &service {
        find(&*status.read().await, name)?;
    }
    let records = store
        .outages(service, since, OUTAGES_LIMIT)
        .await
        .map_err(unavailable)?;
    let now = Utc::now();
    let views: Vec<OutageView> = records
        .into_iter()
        .map(|o| OutageView::new(o, now, true))
        .collect();
    Ok(json(&serde_json::json!({ "outages": views })))
}

/// `GET /api/incidents`: `{"active": [...], "recent": [...]}` from the snapshot.
pub async fn incidents(status: web::Data<Status>) -> Result<HttpResponse, WebError> {
    let snap = status.read().await;
    Ok(json(&serde_json::json!({
        "active": snap.notices.active,
        "recent": snap.notices.history,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    #[test]
    fn errors_map_to_statuses_and_hide_database_causes() {
        let db = WebError::Database("connection refused to 10.0.0.5".into());
        assert_eq!(db.status_code().as_u16(), 503);
        assert_eq!(db.to_string(), "history is temporarily unavailable");
        let unknown = WebError::NotFound(format!("unknown service {:?}", "x"));
        assert_eq!(unknown.status_code().as_u16(), 404);
        assert_eq!(unknown.to_string(), "unknown service \"x\"");
        assert_eq!(
            WebError::BadRequest("limit: x".into())
                .status_code()
                .as_u16(),
            400
        );
        let resp = db.error_response();
        assert_eq!(
            resp.headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
    }
}
