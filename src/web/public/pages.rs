//! HTML and static files: the status page (rendered once per snapshot) with its ETag, the
//! favicon that follows the overall status, and the page's stylesheet and script.

use super::views;
use crate::domain::status::OverallStatus;
use crate::settings::StatusPageSettings;
use crate::snapshot::{Rendered, Snapshot};
use crate::web::{Status, WebError};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

const SCRIPT: &str = include_str!("assets/status.js");
const STYLE: &str = include_str!("assets/status.css");

/// Serves `rendered` with its ETag, or 304 when the client already has it.
pub fn serve(
    req: &HttpRequest,
    rendered: &Rendered,
    content_type: &str,
    cache: &str,
) -> HttpResponse {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == rendered.etag || t.trim() == "*")
        });
    let mut resp = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, rendered.etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"));
    if fresh {
        return resp.finish();
    }
    resp.content_type(content_type);
    if accepts_gzip(req) && !rendered.gzip.is_empty() {
        // Already encoded: the Compress middleware leaves a response with Content-Encoding be.
        resp.insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(rendered.gzip.clone())
    } else {
        resp.body(rendered.body.clone())
    }
}

/// True when the request's `Accept-Encoding` lists gzip (with a non-zero weight).
fn accepts_gzip(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(header::ACCEPT_ENCODING) else {
        return false;
    };
    accept.to_str().unwrap_or("").split(',').any(|part| {
        let mut pieces = part.trim().split(';');
        let coding = pieces.next().unwrap_or("").trim();
        let zero = pieces.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero
    })
}

/// The status page of `snap`: rendered and gzipped by the first request for this snapshot,
/// then served as is until the next snapshot.
pub fn page<'a>(snap: &'a Snapshot, settings: &StatusPageSettings) -> &'a Rendered {
    snap.html_with(|snap| {
        views::status_page(settings, snap)
            .into_string()
            .into_bytes()
    })
}

/// `GET /`: the status page, rendered once per snapshot.
pub async fn index(
    req: HttpRequest,
    status: web::Data<Status>,
    settings: web::Data<StatusPageSettings>,
) -> Result<HttpResponse, WebError> {
    let snap = status.read().await;
    Ok(serve(
        &req,
        page(&snap, &settings),
        "text/html; charset=utf-8",
        "public, max-age=15",
    ))
}

/// Query of `/favicon.svg`.
#[derive(serde::Deserialize)]
pub struct FaviconQuery {
    status: Option<String>,
}

/// `GET /favicon.svg[?status=...]`: a dot in the colour of the given (or current) status.
pub async fn favicon(
    query: web::Query<FaviconQuery>,
    current: web::Data<Status>,
) -> Result<HttpResponse, WebError> {
    let asked = query
        .status
        .as_deref()
        .and_then(|s| serde_json::from_value::<OverallStatus>(serde_json::Value::from(s)).ok());
    let status = match asked {
        Some(status) => status,
        None => current.read().await.overall_status,
    };
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(views::favicon(status)))
}

/// `GET /static/status.js`
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SCRIPT)
}

/// `GET /static/status.css`
pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
}
