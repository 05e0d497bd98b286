//! Every route, in one place.

use super::{api, badges, feeds, metrics, pages, read_api, site};
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
        .route("/static/status.css", web::get().to(pages::style))
        .route("/api/services/{name}", web::get().to(read_api::service))
        .route(
            "/api/services/{name}/checks",
            web::get().to(read_api::checks),
        )
        .route("/api/outages", web::get().to(read_api::outages))
        .route("/api/incidents", web::get().to(read_api::incidents))
        .route("/history.rss", web::get().to(feeds::history_rss))
        .route("/history.atom", web::get().to(feeds::history_atom))
        .route("/robots.txt", web::get().to(site::robots))
        .route("/sitemap.xml", web::get().to(site::sitemap))
        .route("/badge/{name}/status.svg", web::get().to(badges::status))
        .route(
            "/badge/{name}/uptime/{window}",
            web::get().to(badges::uptime),
        )
        .default_service(web::to(site::not_found));
}
