//! The admin page's changes: the forms that post an incident or schedule maintenance, and
//! the buttons on listed incidents, windows and outages. Each checks the session and its CSRF
//! token, runs the service layer with the session's token name as the audit actor, and
//! redirects to the dashboard with a flash, or shows it again with the problems.

use super::admin_body::authorize;
use super::admin_page::{page, render, see_other, unavailable, Admin, Fields};
use super::admin_views::{self, FormKind, Problem};
use crate::actors::status_cache::RefreshNotices;
use crate::db::{self, AnyConnection};
use crate::store::changes::{self, incidents, maintenance, outages, ChangeError, FieldError};
use actix_web::http::StatusCode;
use actix_web::web::Payload;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

/// What a change reports for the flash: its code and the row id.
type Done = (&'static str, i64);

/// Runs a change for the signed-in operator: 303 to the dashboard with a flash when it is
/// done; the dashboard again with the problems (422, or 404 for a missing row) when not.
async fn change<F>(
    req: HttpRequest,
    body: Payload,
    admin: Admin,
    form: FormKind,
    op: F,
) -> HttpResponse
where
    F: FnOnce(&mut AnyConnection, &str, &Fields, DateTime<Utc>) -> Result<Done, ChangeError>
        + Send
        + 'static,
{
    let (session, fields) = match authorize(&req, &admin, body).await {
        Ok(signed_in) => signed_in,
        Err(resp) => return *resp,
    };
    let (actor, input) = (session.name.clone(), fields.clone());
    let pool = admin.pool.get_ref().clone();
    let result = db::blocking(pool, move |c| Ok(op(c, &actor, &input, changes::now()))).await;
    let (status, errors) = match result {
        Ok(Ok((done, id))) => {
            // The page and the monitors see the change now, not at the next reread.
            admin.cache.do_send(RefreshNotices);
            return see_other(&format!("/admin?done={done}&id={id}"));
        }
        Ok(Err(ChangeError::Invalid(errors))) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Ok(Err(ChangeError::NotFound(what))) => (
            StatusCode::NOT_FOUND,
            vec![FieldError::new("id", format!("{what} not found"))],
        ),
        Ok(Err(ChangeError::Db(e))) => return unavailable(&e.to_string()),
        Err(e) => return unavailable(&e.to_string()),
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
    change(req, body, admin, FormKind::Incident, |c, actor, f, now| {
        let input = incidents::NewIncident {
            severity: f.get("severity").to_string(),
            text: f.get("text").to_string(),
        };
        incidents::create(c, actor, &input, now).map(|i| ("incident-posted", i.id))
    })
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
        move |c, actor, f, now| {
            let input = maintenance::NewWindow {
                title: f.get("title").to_string(),
                description: f.get("description").to_string(),
                services: f.all("services"),
                start: f.get("start").to_string(),
                end: f.get("end").to_string(),
            };
            maintenance::create(c, actor, &input, &known, now)
                .map(|w| ("maintenance-scheduled", w.window.id))
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

fn press(
    button: Button,
    c: &mut AnyConnection,
    actor: &str,
    id: i64,
    known: &[String],
    now: DateTime<Utc>,
) -> Result<Done, ChangeError> {
    match button {
        Button::ResolveIncident => {
            incidents::resolve(c, actor, id, now).map(|_| ("incident-resolved", id))
        }
        Button::DeleteIncident => {
            incidents::delete(c, actor, id, now).map(|_| ("incident-deleted", id))
        }
        Button::CancelWindow => {
            maintenance::cancel(c, actor, id, known, now).map(|_| ("maintenance-cancelled", id))
        }
        Button::DeleteWindow => {
            maintenance::delete(c, actor, id, now).map(|_| ("maintenance-deleted", id))
        }
        Button::ResolveOutage => {
            outages::resolve(c, actor, id, now).map(|_| ("outage-resolved", id))
        }
    }
}

async fn pressed(req: HttpRequest, body: Payload, admin: Admin, button: Button) -> HttpResponse {
    let Some(id) = req
        .match_info()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return page(
            StatusCode::NOT_FOUND,
            admin_views::message("Not found", "There is no such item."),
        );
    };
    let known = admin.names.0.clone();
    change(
        req,
        body,
        admin,
        FormKind::Action,
        move |c, actor, _, now| press(button, c, actor, id, &known, now),
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
    let Some(id) = req
        .match_info()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return page(
            StatusCode::NOT_FOUND,
            admin_views::message("Not found", "There is no such item."),
        );
    };
    change(
        req,
        body,
        admin,
        FormKind::Action,
        move |c, actor, f, now| {
            let patch = incidents::IncidentPatch {
                severity: Some(f.get("severity").to_string()),
                text: Some(f.get("text").to_string()),
                active: None,
            };
            incidents::update(c, actor, id, &patch, now).map(|_| ("incident-updated", id))
        },
    )
    .await
}
