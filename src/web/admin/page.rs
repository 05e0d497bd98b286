//! `/admin`: the operators' page. Sign-in with a token (the [`Gate`](super::auth::Gate),
//! lockout included) starts a session (kept in [`Sessions`](super::sessions::Sessions), ended
//! by sign-out or when its token goes) named by a signed cookie scoped to `/admin`; every form
//! carries the session's CSRF token and every post checks it (see [`super::body`]); changes go
//! through the [`Store`](crate::store::Store) with the session's token name as the audit
//! actor. Every response is `Cache-Control: no-store`.

use super::auth::{self, Verdict};
use super::body::{authorize, closing, read_form};
use super::context::{page, respond, see_other, session_of, unavailable, Admin, Fields};
use super::session::{self, Session};
use super::views::{self, Dashboard, Problem};
use crate::store::changes;
use actix_web::http::{header, StatusCode};
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;

const STYLE: &str = include_str!("assets/admin.css");
/// Audit entries on the dashboard.
const AUDIT_SHOWN: i64 = 20;

/// True when the request came over HTTPS (directly, or per `Forwarded`/`X-Forwarded-Proto`).
fn https(req: &HttpRequest) -> bool {
    req.connection_info().scheme().eq_ignore_ascii_case("https")
}

/// `GET /static/admin.css`
pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
}

/// `GET /admin/login`: the sign-in form (the dashboard when already signed in).
pub async fn login_form(req: HttpRequest, admin: Admin) -> HttpResponse {
    if session_of(&req, &admin).is_some() {
        return see_other("/admin");
    }
    page(StatusCode::OK, views::login(None, admin.gate.closed()))
}

/// `POST /admin/login`: checks the token; 401 when wrong, 429 while the address is locked out
/// (answered before the body is read).
pub async fn login(req: HttpRequest, body: web::Payload, admin: Admin) -> HttpResponse {
    let (gate, client, now) = (
        &admin.gate,
        admin.gate.client(&req),
        std::time::Instant::now(),
    );
    if let Verdict::LockedOut(left) = gate.check(client, None, now) {
        return closing(locked_out(left, gate.closed()));
    }
    let fields = match read_form(&req, body).await {
        Ok(fields) => fields,
        Err(resp) => return *resp,
    };
    let token = Some(fields.get("token")).filter(|t| !t.is_empty());
    match gate.check(client, token, now) {
        Verdict::Allowed(name) => {
            let session = Session::start(&name, Utc::now());
            let digest = auth::digest(token.unwrap_or_default());
            admin.sessions.begin(&session, digest, Utc::now());
            log::info!("Operator {name} signed in to the admin page");
            respond(StatusCode::SEE_OTHER)
                .insert_header((header::LOCATION, "/admin"))
                .insert_header((
                    header::SET_COOKIE,
                    session::set_cookie(&session.seal(&admin.key), https(&req)),
                ))
                .finish()
        }
        Verdict::Denied => page(
            StatusCode::UNAUTHORIZED,
            views::login(Some("Wrong token."), gate.closed()),
        ),
        Verdict::LockedOut(left) => locked_out(left, gate.closed()),
    }
}

fn locked_out(left: std::time::Duration, closed: bool) -> HttpResponse {
    let text = format!(
        "Too many failed sign-ins from your address; try again in {} minutes.",
        left.as_secs().div_ceil(60)
    );
    let mut resp = page(
        StatusCode::TOO_MANY_REQUESTS,
        views::login(Some(&text), closed),
    );
    if let Ok(v) = header::HeaderValue::from_str(&left.as_secs().max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// `POST /admin/logout`: ends the session and clears its cookie.
pub async fn logout(req: HttpRequest, body: web::Payload, admin: Admin) -> HttpResponse {
    let session = match authorize(&req, &admin, body).await {
        Ok((session, _)) => session,
        Err(resp) => return *resp,
    };
    admin.sessions.end(&session.id);
    respond(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, "/admin/login"))
        .insert_header((header::SET_COOKIE, session::clear_cookie(https(&req))))
        .finish()
}

/// `GET /admin`: the dashboard (303 to the sign-in page when not signed in).
pub async fn dashboard(req: HttpRequest, admin: Admin) -> HttpResponse {
    let Some(session) = session_of(&req, &admin) else {
        return see_other("/admin/login");
    };
    let query = Fields::parse(req.query_string().as_bytes());
    let flash = flash(query.get("done"), query.get("id"));
    render(&admin, &session, flash, None, StatusCode::OK).await
}

/// The text of a `?done=...&id=...` flash; `None` for anything unknown.
fn flash(done: &str, id: &str) -> Option<String> {
    let id: i64 = id.parse().ok()?;
    let what = match done {
        "incident-posted" => "Incident {} posted",
        "incident-resolved" => "Incident {} resolved",
        "incident-updated" => "Incident {} updated",
        "incident-deleted" => "Incident {} deleted",
        "maintenance-scheduled" => "Maintenance window {} scheduled",
        "maintenance-cancelled" => "Maintenance window {} cancelled",
        "maintenance-deleted" => "Maintenance window {} deleted",
        "outage-resolved" => "Outage {} resolved",
        _ => return None,
    };
    Some(format!("{}.", what.replace("{}", &id.to_string())))
}

pub(super) async fn render(
    admin: &Admin,
    session: &Session,
    flash: Option<String>,
    problem: Option<&Problem>,
    status: StatusCode,
) -> HttpResponse {
    let now = changes::now();
    let overview = match admin.store.overview(now, AUDIT_SHOWN).await {
        Ok(overview) => overview,
        Err(e) => return unavailable(&e.to_string()),
    };
    let snapshot = admin.status.read().await;
    let csrf = session.csrf(&admin.key);
    let view = Dashboard {
        who: &session.name,
        csrf: &csrf,
        snapshot: &snapshot,
        overview: &overview,
        services: &admin.names.0,
        flash,
        problem,
        now,
    };
    page(status, views::dashboard(&view))
}
