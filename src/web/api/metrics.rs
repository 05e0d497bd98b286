//! `GET /metrics`: Prometheus text exposition of the counters and the current snapshot.

use super::exposition::render;
use crate::metrics::Metrics;
use crate::web::admin::auth::Gate;
use crate::web::{Status, WebError};
use actix_web::{web, HttpResponse};

/// The exposition format's content type (text format 0.0.4).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`: counters, queue gauges and per-service gauges; never cached.
pub async fn metrics(
    status: web::Data<Status>,
    metrics: web::Data<Metrics>,
    gate: web::Data<Gate>,
) -> Result<HttpResponse, WebError> {
    metrics.admin_lockout_addresses.set(gate.tracked());
    let snap = status.read().await;
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header(("Cache-Control", "no-store"))
        .body(render(&metrics, &snap)))
}
