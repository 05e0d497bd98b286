//! JSON and plain-text endpoints.

use super::pages::serve;
use super::{snapshot, WebError};
use crate::actors::status_cache::StatusCache;
use actix::Addr;
use actix_web::{web, HttpRequest, HttpResponse};

/// `GET /api/status`: the pre-encoded snapshot JSON.
pub async fn status(
    req: HttpRequest,
    cache: web::Data<Addr<StatusCache>>,
) -> Result<HttpResponse, WebError> {
    let snap = snapshot(&cache).await?;
    Ok(serve(
        &req,
        &snap.json,
        "application/json",
        "public, max-age=10",
    ))
}

/// `GET /healthz`: `ok`, touching nothing.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body("ok")
}
