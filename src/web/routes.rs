//! Every route, in one place.

use super::admin::api as admin_api;
use super::api::{metrics, openapi, read_api, status as api};
use super::public::{badges, feeds, pages, site};
use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    admin_page_routes(cfg);
    // The fault-injection test hook (`test-hooks` builds only), before the admin scope.
    #[cfg(feature = "test-hooks")]
    cfg.configure(super::faults::configure);
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
        .route(
            "/api/services/{name}/history",
            web::get().to(read_api::history),
        )
        .route("/api/outages", web::get().to(read_api::outages))
        .route("/api/incidents", web::get().to(read_api::incidents))
        .route("/api/openapi.json", web::get().to(openapi::document))
        .route("/history.rss", web::get().to(feeds::history_rss))
        .route("/history.atom", web::get().to(feeds::history_atom))
        .route("/robots.txt", web::get().to(site::robots))
        .route("/sitemap.xml", web::get().to(site::sitemap))
        .route("/badge/{name}/status.svg", web::get().to(badges::status))
        .route(
            "/badge/{name}/uptime/{window}",
            web::get().to(badges::uptime),
        )
        .configure(admin_api::configure)
        .default_service(web::to(site::not_found));
}

/// The admin page (`/admin`, server-rendered forms) and its stylesheet.
fn admin_page_routes(cfg: &mut web::ServiceConfig) {
    use super::admin::{changes as change, page as admin};
    cfg.route("/static/admin.css", web::get().to(admin::style))
        .route("/admin", web::get().to(admin::dashboard))
        .route("/admin/login", web::get().to(admin::login_form))
        .route("/admin/login", web::post().to(admin::login))
        .route("/admin/logout", web::post().to(admin::logout))
        .route("/admin/incidents", web::post().to(change::create_incident))
        .route(
            "/admin/incidents/{id}/update",
            web::post().to(change::update_incident),
        )
        .route(
            "/admin/incidents/{id}/resolve",
            web::post().to(change::resolve_incident),
        )
        .route(
            "/admin/incidents/{id}/delete",
            web::post().to(change::delete_incident),
        )
        .route(
            "/admin/maintenance",
            web::post().to(change::create_maintenance),
        )
        .route(
            "/admin/maintenance/{id}/cancel",
            web::post().to(change::cancel_maintenance),
        )
        .route(
            "/admin/maintenance/{id}/delete",
            web::post().to(change::delete_maintenance),
        )
        .route(
            "/admin/outages/{id}/resolve",
            web::post().to(change::resolve_outage),
        );
}
