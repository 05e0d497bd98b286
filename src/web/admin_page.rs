//! `/admin`: the operators' page. Sign-in with a token (the [`Gate`], lockout included) starts
//! a session (kept in [`Sessions`], ended by sign-out or when its token goes) named by a signed
//! cookie scoped to `/admin`; every form carries the session's CSRF token and every post
//! checks it (see [`super::admin_body`]); changes go through the [`Store`] with the session's token name as the
//! audit actor. Every response is `Cache-Control: no-store`.

use super::admin_body::{authorize, closing, read_form};
use super::admin_sessions::Sessions;
use super::admin_views::{self, Dashboard, Problem};
use super::auth::{self, Gate, ServiceNames, SessionKey, Verdict};
use super::session::{self, Session};
use crate::actors::status_cache::StatusCache;
use crate::store::{changes, Store};
use actix::Addr;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data};
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use maud::Markup;
use std::future::{ready, Ready};

const STYLE: &str = include_str!("assets/admin.css");
/// Audit entries on the dashboard.
const AUDIT_SHOWN: i64 = 20;

/// What the admin handlers share, taken from the app data.
pub struct Admin {
    pub(super) key: Data<SessionKey>,
    pub(super) store: Data<Store>,
    pub(super) cache: Data<Addr<StatusCache>>,
    pub(super) status: Data<super::Status>,
    pub(super) names: Data<ServiceNames>,
    pub(super) gate: Data<Gate>,
    pub(super) sessions: Data<Sessions>,
}

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let admin = (|| {
            Some(Admin {
                key: req.app_data::<Data<SessionKey>>()?.clone(),
                store: req.app_data::<Data<Store>>()?.clone(),
                cache: req.app_data::<Data<Addr<StatusCache>>>()?.clone(),
                status: req.app_data::<Data<super::Status>>()?.clone(),
                names: req.app_data::<Data<ServiceNames>>()?.clone(),
                gate: req.app_data::<Data<Gate>>()?.clone(),
                sessions: req.app_data::<Data<Sessions>>()?.clone(),
            })
        })();
        ready(admin.ok_or_else(|| {
            actix_web::error::ErrorInternalServerError("the admin page is not configured")
        }))
    }
}

/// A form body or query string: every pair, in order (checkboxes repeat their name).
#[derive(Clone, Debug, Default)]
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn parse(bytes: &[u8]) -> Self {
        Fields(url::form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        let values = self.0.iter().filter(|(k, _)| k == name);
        values.map(|(_, v)| v.clone()).collect()
    }
}

fn respond(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

pub(super) fn page(status: StatusCode, markup: Markup) -> HttpResponse {
    respond(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

pub(super) fn see_other(location: &str) -> HttpResponse {
    respond(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, location))
        .finish()
}

pub(super) fn unavailable(cause: &str) -> HttpResponse {
    log::warn!("The admin page could not reach the database or the status: {cause}");
    let text = "The database or the live status is unavailable; try again shortly.";
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        admin_views::message("Unavailable", text),
    )
}

/// True when the request came over HTTPS (directly, or per `Forwarded`/`X-Forwarded-Proto`).
fn https(req: &HttpRequest) -> bool {
    req.connection_info().scheme().eq_ignore_ascii_case("https")
}

/// The live session the request's cookie names: signed with our key, not expired, not signed
/// out, and its token still configured (a session whose token went is ended here).
pub(super) fn session_of(req: &HttpRequest, admin: &Admin) -> Option<Session> {
    let cookie = req.headers().get(header::COOKIE)?.to_str().ok();
    let now = Utc::now();
    let session = Session::open(&admin.key, session::from_header(cookie)?, now)?;
    let digest = admin.sessions.digest(&session, now)?;
    if !admin.gate.knows(&digest) {
        admin.sessions.end(&session.id);
        log::info!(
            "Ended a session of {}: its token is no longer configured",
            session.name
        );
        return None;
    }
    Some(session)
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
    page(
        StatusCode::OK,
        admin_views::login(None, admin.gate.closed()),
    )
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
            admin_views::login(Some("Wrong token."), gate.closed()),
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
        admin_views::login(Some(&text), closed),
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
    page(status, admin_views::dashboard(&view))
}
