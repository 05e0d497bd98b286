//! The standard check: one request (following redirects when asked), success iff the final
//! status is the expected one.

use super::{ms, Failure, Success, MAX_BODY, MAX_REDIRECTS};
use crate::settings::ServiceSettings;
use awc::error::{ConnectError, PayloadError, SendRequestError};
use awc::http::Method;
use awc::Client;
use std::time::Instant;
use url::Url;

/// A response as the probes need it.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Location` header, if any.
    pub location: Option<String>,
    /// The body, up to [`MAX_BODY`].
    pub body: Body,
}

/// A response body read up to the limit, or why it could not be.
pub enum Body {
    /// The whole body.
    Complete(actix_web::web::Bytes),
    /// Larger than the limit; not read further.
    TooLarge,
    /// Reading failed.
    Broken(String),
}

/// One standard attempt.
pub async fn attempt(client: &Client, svc: &ServiceSettings) -> Result<Success, Failure> {
    let started = Instant::now();
    let reply = request_following(
        client,
        svc,
        &svc.method,
        &svc.url,
        svc.request_body.as_ref(),
    )
    .await?;
    if let Body::Broken(e) = reply.body {
        let error = format!("HTTP error: reading the response failed: {e}");
        return Err(Failure::after(error, Some(reply.status)));
    }
    if reply.status == svc.expected_status {
        Ok(Success {
            elapsed_ms: ms(started.elapsed()),
            status_code: reply.status,
        })
    } else {
        let error = format!("Expected {}, got {}", svc.expected_status, reply.status);
        Err(Failure::answered(error, reply.status, started))
    }
}

/// Sends a request and, when the service follows redirects, up to [`MAX_REDIRECTS`] hops.
pub async fn request_following(
    client: &Client,
    svc: &ServiceSettings,
    method: &str,
    url: &Url,
    body: Option<&serde_json::Value>,
) -> Result<Reply, Failure> {
    let (mut method, mut url, mut body) = (method.to_string(), url.clone(), body);
    let mut last_status = None;
    for _ in 0..=MAX_REDIRECTS {
        let reply = send(client, &method, &url, body).await?;
        let location = reply
            .location
            .as_deref()
            .filter(|_| svc.follow_redirects && is_redirect(reply.status));
        let Some(location) = location else {
            return Ok(reply);
        };
        last_status = Some(reply.status);
        url = url.join(location).map_err(|e| {
            let error = format!("HTTP error: bad redirect location {location:?}: {e}");
            Failure::after(error, Some(reply.status))
        })?;
        if reply.status == 303 || (matches!(reply.status, 301 | 302) && method == "POST") {
            method = "GET".to_string();
            body = None;
        }
    }
    let error =
        format!("HTTP error: too many redirects (more than {MAX_REDIRECTS}), last to {url}");
    Err(Failure::after(error, last_status))
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// One request; the body is read up to [`MAX_BODY`].
pub async fn send(
    client: &Client,
    method: &str,
    url: &Url,
    body: Option<&serde_json::Value>,
) -> Result<Reply, Failure> {
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|e| Failure::new(format!("HTTP error: {e}")))?;
    let request = client.request(method, url.as_str());
    let sent = match body {
        Some(json) => request.send_json(json).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| Failure::new(describe(&e)))?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match response.body().limit(MAX_BODY).await {
        Ok(bytes) => Body::Complete(bytes),
        Err(PayloadError::Overflow) => Body::TooLarge,
        Err(e) => Body::Broken(e.to_string()),
    };
    Ok(Reply {
        status,
        location,
        body,
    })
}

/// The error text for a failed request, with its stable prefix.
pub fn describe(e: &SendRequestError) -> String {
    match e {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            format!("Request timed out: {e}")
        }
        SendRequestError::Connect(inner) => format!("Connection error: {inner}"),
        SendRequestError::Send(inner) => format!("Connection error: {inner}"),
        other => format!("HTTP error: {other}"),
    }
}
