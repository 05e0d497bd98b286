//! Every route, in one place.

use super::{api, metrics, pages};
use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::index))
        .route("/api/status", web::get().to(api::status))
        .route("/api/status/", web::get().to(api::status))
        .route("/healthz", web::get().to(api::healthz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/favicon.svg", web::get().to(pages::favicon))
        .route("/static/status.js", web::get().to(pages::script))
        .route("/static/status.css", web::get().to(pages::style));
}
