//! Every route, in one place.

use super::{api, pages};
use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::index))
        .route("/api/status", web::get().to(api::status))
        .route("/api/status/", web::get().to(api::status))
        .route("/healthz", web::get().to(api::healthz));
}
