//! HTML pages.

use super::{snapshot, views, WebError};
use crate::actors::status_cache::StatusCache;
use actix::Addr;
use actix_web::{web, HttpResponse};

/// Page settings handlers need.
#[derive(Clone, Debug)]
pub struct PageInfo {
    /// Page title.
    pub title: String,
}

/// `GET /`: the status page.
pub async fn index(
    cache: web::Data<Addr<StatusCache>>,
    info: web::Data<PageInfo>,
) -> Result<HttpResponse, WebError> {
    let snap = snapshot(&cache).await?;
    let html = views::status_page(&info.title, &snap);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=15"))
        .body(html.into_string()))
}
