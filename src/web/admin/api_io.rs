//! The admin API's plumbing: its errors and their HTTP answers, the operator check every
//! request passes first, the body limit, ids and query parameters.
//!
//! The client address that counts towards the lockout is the TCP peer's, or, when the peer is
//! one of `server.trusted_proxies`, the client its forwarding headers name.

use super::auth::{bearer, Gate, Verdict};
use crate::store::{FieldError, StoreError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::time::Instant;

/// Largest request body, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Why an admin request failed; every answer is JSON `{"error": ...}` and `no-store`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No token, a wrong one, or none configured (401, `WWW-Authenticate: Bearer`).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Too many failures from this address (429, `Retry-After` in seconds).
    #[error("too many failed attempts; try again in {0} seconds")]
    LockedOut(u64),
    /// Invalid input (422), every field named.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// No such row or endpoint (404); the text says what.
    #[error("{0}")]
    NotFound(String),
    /// The route exists, not with this method (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is over [`BODY_LIMIT`] (413).
    #[error("request body is larger than 65536 bytes")]
    TooLarge,
    /// The body is not declared as JSON (415).
    #[error("request body must be JSON (Content-Type: application/json)")]
    NotJson,
    /// The body could not be read (400).
    #[error("could not read the request body")]
    Unreadable,
    /// The database failed (503); the cause is logged, not shown.
    #[error("the database is temporarily unavailable")]
    Unavailable(String),
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            AdminError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AdminError::LockedOut(_) => StatusCode::TOO_MANY_REQUESTS,
            AdminError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AdminError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AdminError::Unreadable => StatusCode::BAD_REQUEST,
            AdminError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            AdminError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"watchpost\""));
            }
            AdminError::LockedOut(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            AdminError::Unavailable(cause) => log::warn!("An admin API request failed: {cause}"),
            _ => {}
        }
        let body = match self {
            AdminError::Invalid(fields) => {
                serde_json::json!({ "error": self.to_string(), "fields": fields })
            }
            _ => serde_json::json!({ "error": self.to_string() }),
        };
        response.json(body)
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(fields) => AdminError::Invalid(fields),
            StoreError::NotFound(_) => AdminError::NotFound(e.to_string()),
            StoreError::Unavailable(cause) => AdminError::Unavailable(cause),
        }
    }
}

impl From<Vec<FieldError>> for AdminError {
    fn from(fields: Vec<FieldError>) -> Self {
        AdminError::Invalid(fields)
    }
}

/// The operator a request authenticated as: the token's name, recorded as the audit actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator(pub String);

/// Checks the request's bearer token with the [`Gate`] (once per request: the verdict is kept
/// in the request's extensions).
pub fn authenticate(req: &HttpRequest) -> Result<Operator, AdminError> {
    let known = req.extensions().get::<Operator>().cloned();
    if let Some(operator) = known {
        return Ok(operator);
    }
    let closed = AdminError::Unauthorized("no admin tokens configured");
    let gate = req.app_data::<web::Data<Gate>>().ok_or(closed)?;
    if gate.closed() {
        return Err(AdminError::Unauthorized("no admin tokens configured"));
    }
    let client = gate.client(req);
    let presented = bearer(
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    match gate.check(client, presented, Instant::now()) {
        Verdict::Allowed(name) => {
            let operator = Operator(name);
            req.extensions_mut().insert(operator.clone());
            Ok(operator)
        }
        Verdict::Denied if presented.is_none() => Err(AdminError::Unauthorized(
            "missing bearer token (Authorization: Bearer <token>)",
        )),
        Verdict::Denied => Err(AdminError::Unauthorized("invalid token")),
        Verdict::LockedOut(left) => Err(AdminError::LockedOut(
            left.as_secs() + u64::from(left.subsec_nanos() > 0),
        )),
    }
}

impl FromRequest for Operator {
    type Error = AdminError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// Middleware of the admin scope: every request (even to an unknown admin path) is
/// authenticated before anything else is looked at.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match authenticate(req.request()) {
        Ok(_) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => Ok(req.error_response(e)),
    }
}

/// JSON bodies of the admin API: at most [`BODY_LIMIT`] bytes, errors as [`AdminError`].
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|e, _| body_error(e).into())
}

/// What a body that could not be read as JSON answers.
pub fn body_error(e: JsonPayloadError) -> AdminError {
    match e {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => AdminError::TooLarge,
        JsonPayloadError::ContentType => AdminError::NotJson,
        JsonPayloadError::Deserialize(e) => AdminError::Invalid(vec![FieldError::new(
            "body",
            format!("is not valid JSON: {e}"),
        )]),
        _ => AdminError::Unreadable,
    }
}

/// A row id from the path; anything but a number names no row (`incident abc not found`).
pub fn id(kind: &str, raw: &str) -> Result<i64, AdminError> {
    raw.parse()
        .map_err(|_| AdminError::NotFound(format!("{kind} {raw} not found")))
}

/// The query parameters.
pub fn query(req: &HttpRequest) -> Result<HashMap<String, String>, AdminError> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|_| AdminError::Invalid(vec![FieldError::new("query", "is malformed")]))
}

/// A `true`/`false` parameter (absent: false).
pub fn flag(query: &HashMap<String, String>, name: &str) -> Result<bool, AdminError> {
    match query.get(name).map(String::as_str) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1" | "") => Ok(true),
        Some(other) => Err(AdminError::Invalid(vec![FieldError::new(
            name,
            format!("{other:?} is not true or false"),
        )])),
    }
}

/// A count between 1 and `max` (absent: `default`).
pub fn count(
    query: &HashMap<String, String>,
    name: &str,
    default: i64,
    max: i64,
) -> Result<i64, AdminError> {
    let Some(raw) = query.get(name) else {
        return Ok(default);
    };
    raw.parse::<i64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            AdminError::Invalid(vec![FieldError::new(
                name,
                format!("{raw:?} is not a number from 1 to {max}"),
            )])
        })
}

/// `405` for a method an admin route does not take.
pub async fn not_allowed() -> Result<HttpResponse, AdminError> {
    Err(AdminError::MethodNotAllowed)
}

/// `404` for an unknown admin path.
pub async fn no_such_endpoint() -> Result<HttpResponse, AdminError> {
    Err(AdminError::NotFound("no such admin endpoint".into()))
}
