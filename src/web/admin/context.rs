//! What the admin page's handlers share: the app data they take ([`Admin`]), a form's
//! fields, the `no-store` responses, and the live session a request's cookie names. Kept
//! apart from the handlers ([`super::page`]) and the form posts ([`super::body`]) so that
//! both import it and neither imports the other back.

use super::auth::{Gate, ServiceNames, SessionKey};
use super::session::{self, Session};
use super::sessions::Sessions;
use super::views;
use crate::actors::status_cache::StatusCache;
use crate::store::Store;
use actix::Addr;
use actix_web::http::{header, StatusCode};
use actix_web::web::Data;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use maud::Markup;
use std::future::{ready, Ready};

/// What the admin handlers share, taken from the app data.
pub struct Admin {
    pub(super) key: Data<SessionKey>,
    pub(super) store: Data<Store>,
    pub(super) cache: Data<Addr<StatusCache>>,
    pub(super) status: Data<crate::web::Status>,
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
                status: req.app_data::<Data<crate::web::Status>>()?.clone(),
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

/// A response builder that says `Cache-Control: no-store`.
pub(super) fn respond(status: StatusCode) -> actix_web::HttpResponseBuilder {
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
        views::message("Unavailable", text),
    )
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
