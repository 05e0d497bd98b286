//! The admin JSON API under `/api/admin/`: incidents, maintenance windows, outage
//! force-resolve and the audit log. Every request must carry `Authorization: Bearer <token>`
//! (checked first, see [`super::api_io::guard`]); the token's name is the audit actor. Thin
//! handlers: read the body against its shape, call the [`Store`]'s operation (it runs on a
//! blocking thread), answer with the row (201 created, 200 changed, 204 deleted) or a JSON error.

use super::api_body::{self as body, Field};
use super::api_io::{self as io, count, flag, guard, id, json_config, query, AdminError, Operator};
use super::auth::ServiceNames;
use crate::store::changes::{audit, incidents, maintenance};
use crate::store::Store;
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Audit entries listed when no `limit` is given.
pub const AUDIT_DEFAULT: i64 = 100;
/// Most audit entries one request lists.
pub const AUDIT_MAX: i64 = 1000;

type Stored = web::Data<Store>;
type Reply = Result<HttpResponse, AdminError>;

/// Registers the admin API: one scope, authenticated, `no-store`, bodies up to 64 KiB.
/// Routes added to the app before this scope (a test hook under `/api/admin/`) win over it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let resource = |path: &str| web::resource(path).default_service(web::to(io::not_allowed));
    cfg.service(
        web::scope("/api/admin")
            .app_data(json_config())
            .wrap(from_fn(crate::web::refresh_after_change))
            .wrap(from_fn(guard))
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .service(
                resource("/incidents")
                    .route(web::get().to(list_incidents))
                    .route(web::post().to(create_incident)),
            )
            .service(
                resource("/incidents/{id}")
                    .route(web::patch().to(update_incident))
                    .route(web::delete().to(delete_incident)),
            )
            .service(resource("/incidents/{id}/resolve").route(web::post().to(resolve_incident)))
            .service(
                resource("/maintenance")
                    .route(web::get().to(list_windows))
                    .route(web::post().to(create_window)),
            )
            .service(
                resource("/maintenance/{id}")
                    .route(web::patch().to(update_window))
                    .route(web::delete().to(delete_window)),
            )
            .service(resource("/maintenance/{id}/cancel").route(web::post().to(cancel_window)))
            .service(resource("/outages").route(web::get().to(list_outages)))
            .service(resource("/outages/{id}/resolve").route(web::post().to(resolve_outage)))
            .service(resource("/audit").route(web::get().to(list_audit)))
            .default_service(web::to(io::no_such_endpoint)),
    );
}

fn read<T: DeserializeOwned>(json: web::Json<Value>, shape: &[Field]) -> Result<T, AdminError> {
    Ok(body::parse(json.into_inner(), shape)?)
}

fn listed<T: Serialize>(key: &str, rows: &T) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ key: rows }))
}

/// `GET /api/admin/incidents`: `{"incidents": [...]}`, newest first.
pub async fn list_incidents(_: Operator, store: Stored) -> Reply {
    let rows = store.incidents().await?;
    Ok(listed("incidents", &rows))
}

/// `POST /api/admin/incidents` `{"severity", "text"}`: 201 with the incident.
pub async fn create_incident(op: Operator, store: Stored, json: web::Json<Value>) -> Reply {
    let input: incidents::NewIncident = read(json, body::NEW_INCIDENT)?;
    let row = store.create_incident(&op.0, input).await?;
    Ok(HttpResponse::Created().json(row))
}

/// `PATCH /api/admin/incidents/{id}` `{"severity"?, "text"?, "active"?}`.
pub async fn update_incident(
    op: Operator,
    store: Stored,
    path: web::Path<String>,
    json: web::Json<Value>,
) -> Reply {
    let id = id("incident", &path)?;
    let patch: incidents::IncidentPatch = read(json, body::INCIDENT_PATCH)?;
    let row = store.update_incident(&op.0, id, patch).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// `POST /api/admin/incidents/{id}/resolve`: inactive, severity `resolved`.
pub async fn resolve_incident(op: Operator, store: Stored, path: web::Path<String>) -> Reply {
    let id = id("incident", &path)?;
    let row = store.resolve_incident(&op.0, id).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// `DELETE /api/admin/incidents/{id}`: 204.
pub async fn delete_incident(op: Operator, store: Stored, path: web::Path<String>) -> Reply {
    let id = id("incident", &path)?;
    store.delete_incident(&op.0, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/admin/maintenance`: `{"maintenance": [...]}`, latest start first.
pub async fn list_windows(_: Operator, store: Stored) -> Reply {
    let rows = store.windows().await?;
    Ok(listed("maintenance", &rows))
}

/// `POST /api/admin/maintenance` `{"title", "description"?, "services"?, "start", "end"}`.
pub async fn create_window(
    op: Operator,
    store: Stored,
    names: web::Data<ServiceNames>,
    json: web::Json<Value>,
) -> Reply {
    let input: maintenance::NewWindow = read(json, body::NEW_WINDOW)?;
    let known = names.0.clone();
    let row = store.create_window(&op.0, input, known).await?;
    Ok(HttpResponse::Created().json(row))
}

/// `PATCH /api/admin/maintenance/{id}`: any of the fields, plus `active`.
pub async fn update_window(
    op: Operator,
    store: Stored,
    names: web::Data<ServiceNames>,
    path: web::Path<String>,
    json: web::Json<Value>,
) -> Reply {
    let id = id("maintenance window", &path)?;
    let patch: maintenance::WindowPatch = read(json, body::WINDOW_PATCH)?;
    let known = names.0.clone();
    let row = store.update_window(&op.0, id, patch, known).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// `POST /api/admin/maintenance/{id}/cancel`: kept, inactive.
pub async fn cancel_window(op: Operator, store: Stored, path: web::Path<String>) -> Reply {
    let id = id("maintenance window", &path)?;
    let row = store.cancel_window(&op.0, id).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// `DELETE /api/admin/maintenance/{id}`: 204.
pub async fn delete_window(op: Operator, store: Stored, path: web::Path<String>) -> Reply {
    let id = id("maintenance window", &path)?;
    store.delete_window(&op.0, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/admin/outages[?open=true]`: `{"outages": [...]}`, newest first.
pub async fn list_outages(_: Operator, store: Stored, req: HttpRequest) -> Reply {
    let open = flag(&query(&req)?, "open")?;
    let rows = store.operator_outages(open, Utc::now()).await?;
    Ok(listed("outages", &rows))
}

/// `POST /api/admin/outages/{id}/resolve`: ends it now, `resolved_by` the operator; 422 when
/// it is already resolved.
pub async fn resolve_outage(op: Operator, store: Stored, path: web::Path<String>) -> Reply {
    let id = id("outage", &path)?;
    let row = store.resolve_outage(&op.0, id).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// One audit entry, its before/after as JSON values.
#[derive(Debug, Serialize)]
pub struct AuditView {
    /// Row id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The token name (or `cli`).
    pub actor: String,
    /// `incident.create`, ...
    pub action: String,
    /// `incident 3`, ...
    pub subject: String,
    /// The row before the change.
    pub before: Option<Value>,
    /// The row after the change.
    pub after: Option<Value>,
}

impl From<audit::AuditEntry> for AuditView {
    fn from(e: audit::AuditEntry) -> Self {
        let json = |text: Option<String>| {
            text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
        };
        AuditView {
            id: e.id,
            at: e.at.and_utc(),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            before: json(e.before),
            after: json(e.after),
        }
    }
}

/// `GET /api/admin/audit[?limit=N]`: `{"audit": [...]}`, newest first.
pub async fn list_audit(_: Operator, store: Stored, req: HttpRequest) -> Reply {
    let limit = count(&query(&req)?, "limit", AUDIT_DEFAULT, AUDIT_MAX)?;
    let rows = store.audit(limit).await?;
    let views: Vec<AuditView> = rows.into_iter().map(AuditView::from).collect();
    Ok(listed("audit", &views))
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
