//! The admin page's changes: the forms that post an incident or schedule maintenance, and
//! the buttons on listed incidents, windows and outages. Each checks the session and its CSRF
//! token, calls the [`Store`] with the session's token name as the audit actor, and
//! redirects to the dashboard with a flash, or shows it again with the problems.

use super::body::authorize;
use super::context::{page, see_other, unavailable, Admin, Fields};
use super::page::render;
use super::views::{self, FormKind, Problem};
use crate::actors::status_cache::RefreshNotices;
use crate::store::changes::{incidents, maintenance};
use crate::store::{FieldError, Store, StoreError};
use actix_web::http::StatusCode;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use std::future::Future;

/// What a change reports for the flash: its code and the row id.
type Done = (&'static str, i64);

/// Runs a change for the signed-in operator: 303 to the dashboard with a flash when it is
/// done; the dashboard again with the problems (422, or 404 for a missing row) when not.
async fn change<F, Fut>(
    req: HttpRequest,
    body: Payload,
    admin: Admin,
    form: FormKind,
    op: F,
) -> HttpResponse
where
    F: FnOnce(Data<Store>, String, Fields) -> Fut,
    Fut: Future<Output = Result<Done, StoreError>>,
{
    let (session, fields) = match authorize(&req, &admin, body).await {
        Ok(signed_in) => signed_in,
        Err(resp) => return *resp,
    };
    let result = op(admin.store.clone(), session.name.clone(), fields.clone()).await;
    let (status, errors) = match result {
        Ok((done, id)) => {
            // The page and the monitors see the change now, not at the next reread.
            admin.cache.do_send(RefreshNotices);
            return see_other(&format!("/admin?done={done}&id={id}"));
        }
        Err(StoreError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(e @ StoreError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            vec![FieldError::new("id", e.to_string())],
        ),
        Err(StoreError::Unavailable(cause)) => return unavailable(&cause),
    };
    let problem = refused(form, status, errors, fields);
    render(&admin, &session, None, Some(&problem), status).await
}

/// A refused submission of `form` (without its CSRF token); a missing row is shown at the
/// top of the page, not next to a field.
fn refused(form: FormKind, status: StatusCode, errors: Vec<FieldError>, fields: Fields) -> Problem {
    let values = fields.0.into_iter().filter(|(k, _)| k != "csrf").collect();
    let form = if status == StatusCode::NOT_FOUND {
        FormKind::Action
    } else {
        form
    };
    Problem {
        form,
        errors,
        values,
    }
}

/// `POST /admin/incidents`: posts an incident.
pub async fn create_incident(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    change(
        req,
        body,
        admin,
        FormKind::Incident,
        |store, actor, f| async move {
            let input = incidents::NewIncident {
                severity: f.get("severity").to_string(),
                text: f.get("text").to_string(),
            };
            let created = store.create_incident(&actor, input).await?;
            Ok(("incident-posted", created.id))
        },
    )
    .await
}

/// `POST /admin/maintenance`: schedules a window (no service checked: all).
pub async fn create_maintenance(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    let known = admin.names.0.clone();
    change(
        req,
        body,
        admin,
        FormKind::Maintenance,
        move |store, actor, f| async move {
            let input = maintenance::NewWindow {
                title: f.get("title").to_string(),
                description: f.get("description").to_string(),
                services: f.all("services"),
                start: f.get("start").to_string(),
                end: f.get("end").to_string(),
            };
            let created = store.create_window(&actor, input, known).await?;
            Ok(("maintenance-scheduled", created.window.id))
        },
    )
    .await
}

/// The buttons of listed items.
#[derive(Clone, Copy, Debug)]
enum Button {
    ResolveIncident,
    DeleteIncident,
    CancelWindow,
    DeleteWindow,
    ResolveOutage,
}

async fn press(button: Button, store: &Store, actor: &str, id: i64) -> Result<Done, StoreError> {
    let done = match button {
        Button::ResolveIncident => store.resolve_incident(actor, id).await.map(drop),
        Button::DeleteIncident => store.delete_incident(actor, id).await,
        Button::CancelWindow => store.cancel_window(actor, id).await.map(drop),
        Button::DeleteWindow => store.delete_window(actor, id).await,
        Button::ResolveOutage => store.resolve_outage(actor, id).await.map(drop),
    };
    let flash = match button {
        Button::ResolveIncident => "incident-resolved",
        Button::DeleteIncident => "incident-deleted",
        Button::CancelWindow => "maintenance-cancelled",
        Button::DeleteWindow => "maintenance-deleted",
        Button::ResolveOutage => "outage-resolved",
    };
    done.map(|()| (flash, id))
}

/// The `{id}` of an item's route.
fn item_id(req: &HttpRequest) -> Option<i64> {
    req.match_info()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
}

/// The page for an item that does not exist.
fn no_such_item() -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        views::message("Not found", "There is no such item."),
    )
}

async fn pressed(req: HttpRequest, body: Payload, admin: Admin, button: Button) -> HttpResponse {
    let Some(id) = item_id(&req) else {
        return no_such_item();
    };
    change(
        req,
        body,
        admin,
        FormKind::Action,
        move |store, actor, _| async move { press(button, &store, &actor, id).await },
    )
    .await
}

/// `POST /admin/incidents/{id}/resolve`
pub async fn resolve_incident(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    pressed(req, body, admin, Button::ResolveIncident).await
}

/// `POST /admin/incidents/{id}/delete`
pub async fn delete_incident(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    pressed(req, body, admin, Button::DeleteIncident).await
}

/// `POST /admin/maintenance/{id}/cancel`
pub async fn cancel_maintenance(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    pressed(req, body, admin, Button::CancelWindow).await
}

/// `POST /admin/maintenance/{id}/delete`
pub async fn delete_maintenance(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    pressed(req, body, admin, Button::DeleteWindow).await
}

/// `POST /admin/outages/{id}/resolve`
pub async fn resolve_outage(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    pressed(req, body, admin, Button::ResolveOutage).await
}

/// `POST /admin/incidents/{id}/update`: a new severity or text for an incident in progress.
pub async fn update_incident(req: HttpRequest, body: Payload, admin: Admin) -> HttpResponse {
    let Some(id) = item_id(&req) else {
        return no_such_item();
    };
    change(
        req,
        body,
        admin,
        FormKind::Action,
        move |store, actor, f| async move {
            let patch = incidents::IncidentPatch {
                severity: Some(f.get("severity").to_string()),
                text: Some(f.get("text").to_string()),
                active: None,
            };
            store.update_incident(&actor, id, patch).await?;
            Ok(("incident-updated", id))
        },
    )
    .await
}
