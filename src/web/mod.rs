//! HTTP: thin handlers over the published status snapshot, and pure maud views. Handlers
//! read the current snapshot from its [`Status`] cell and never message an actor to read.

pub mod admin;
pub mod api;
#[cfg(feature = "test-hooks")]
pub mod faults;
pub mod limits;
pub mod public;
pub mod routes;

use crate::actors::status_cache::StatusCache;
use actix::Addr;
use actix_web::{http::StatusCode, HttpResponse, ResponseError};

/// The snapshot the StatusCache publishes, as the app data every public handler reads.
pub type Status = crate::snapshot::Current;

/// Errors a handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// What was asked for does not exist (the text says what).
    #[error("{0}")]
    NotFound(String),
    /// A request parameter is invalid (the text names it).
    #[error("{0}")]
    BadRequest(String),
    /// A read query failed; the cause is logged, not shown.
    #[error("history is temporarily unavailable")]
    Database(String),
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let WebError::Database(cause) = self {
            log::warn!("A read query failed: {cause}");
        }
        HttpResponse::build(self.status_code())
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({ "error": self.to_string() }))
    }
}

/// Content-Security-Policy of every response: no inline script, scripts and styles from this
/// origin only, images from anywhere over HTTPS (the configured logo), no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The security headers every response carries.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
}

/// Middleware of the operators' doors: after a change that succeeded (any method but GET
/// and HEAD, answered 2xx or 3xx), the StatusCache rereads incidents, maintenance and
/// resolved outages at once instead of at its next timer.
pub async fn refresh_after_change(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let changes = !matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    let cache = req
        .app_data::<actix_web::web::Data<Addr<StatusCache>>>()
        .cloned();
    let resp = next.call(req).await?;
    let ok = resp.status().is_success() || resp.status().is_redirection();
    if let (true, true, Some(cache)) = (changes, ok, cache) {
        cache.do_send(crate::actors::status_cache::RefreshNotices);
    }
    Ok(resp)
}

/// Query strings that do not parse (a repeated parameter, a wrong type) answer 400 with the
/// JSON error body of every other bad request.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default()
        .error_handler(|err, _| WebError::BadRequest(format!("query: {err}")).into())
}
