//! The JSON API and machine-read text: `/api/status` and `/healthz`, the read API, its
//! OpenAPI document, and the Prometheus exposition at `/metrics`.

pub mod exposition;
pub mod metrics;
pub mod openapi;
pub mod read_api;
pub mod read_views;
pub mod status;
