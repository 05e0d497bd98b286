//! HTTP: thin handlers over the StatusCache snapshot, and pure maud views.

pub mod api;
pub mod metrics;
pub mod pages;
pub mod routes;
pub mod views;

use crate::actors::status_cache::{GetSnapshot, Snapshot, StatusCache};
use actix::Addr;
use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use std::sync::Arc;

/// Errors a handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The StatusCache did not answer.
    #[error("status is temporarily unavailable")]
    CacheUnavailable,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::CacheUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
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

/// The current snapshot.
pub async fn snapshot(cache: &Addr<StatusCache>) -> Result<Arc<Snapshot>, WebError> {
    cache
        .send(GetSnapshot)
        .await
        .map_err(|_| WebError::CacheUnavailable)
}
