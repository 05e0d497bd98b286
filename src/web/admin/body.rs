//! The admin page's form posts: the session is checked before the body is read (a post
//! without one is answered at once and its connection closed), and the body is read whole only
//! up to [`FORM_LIMIT`] bytes and within [`crate::web::limits::BODY_TIMEOUT`].

use super::context::{page, see_other, session_of, Admin, Fields};
use super::session::Session;
use super::views;
use crate::web::limits::timed_out;
use actix_web::http::{header, ConnectionType, StatusCode};
use actix_web::web::{BytesMut, Payload};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;

/// Largest form body, in bytes.
pub const FORM_LIMIT: usize = 256 * 1024;

/// `resp` with `Connection: close`: its request's body was not read to the end.
pub fn closing(mut resp: HttpResponse) -> HttpResponse {
    resp.head_mut().set_connection_type(ConnectionType::Close);
    resp
}

fn refused(status: StatusCode, title: &str, text: &str) -> Box<HttpResponse> {
    Box::new(closing(page(status, views::message(title, text))))
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    let value = req.headers().get(header::CONTENT_LENGTH)?;
    value.to_str().ok()?.trim().parse().ok()
}

/// The form in the body: 413 over [`FORM_LIMIT`], 408 when it is too slow, 400 when it
/// breaks off.
pub(super) async fn read_form(
    req: &HttpRequest,
    mut payload: Payload,
) -> Result<Fields, Box<HttpResponse>> {
    let too_large = || {
        let text = "The form is larger than the server accepts.";
        refused(StatusCode::PAYLOAD_TOO_LARGE, "Too large", text)
    };
    if declared_length(req).is_some_and(|n| n > FORM_LIMIT) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() > FORM_LIMIT => return Err(too_large()),
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(e) if timed_out(&e) => {
                let text = "The form took too long to arrive; try again.";
                return Err(refused(
                    StatusCode::REQUEST_TIMEOUT,
                    "Request timeout",
                    text,
                ));
            }
            Err(_) => {
                let text = "The form could not be read; try again.";
                return Err(refused(StatusCode::BAD_REQUEST, "Bad request", text));
            }
        }
    }
    Ok(Fields::parse(&body))
}

/// The signed-in session of a post and its form, the CSRF token checked: otherwise the
/// response (303 to the sign-in page without a live session, before the body is read; 403
/// without the right token).
pub(super) async fn authorize(
    req: &HttpRequest,
    admin: &Admin,
    payload: Payload,
) -> Result<(Session, Fields), Box<HttpResponse>> {
    let Some(session) = session_of(req, admin) else {
        return Err(Box::new(closing(see_other("/admin/login"))));
    };
    let fields = read_form(req, payload).await?;
    if !session.csrf_ok(&admin.key, Some(fields.get("csrf"))) {
        let text = "This form is missing its security token or it has expired. \
                    Reload the dashboard and try again.";
        let markup = views::message("Forbidden", text);
        return Err(Box::new(page(StatusCode::FORBIDDEN, markup)));
    }
    Ok((session, fields))
}
