//! shields.io-style flat SVG badges: `/badge/{name}/status.svg` and
//! `/badge/{name}/uptime/{24h|7d|30d|90d}.svg`. Pure builders (text, colour, width) and two
//! thin handlers; every text is escaped by maud.

use super::feeds::xml_safe;
use super::pages::serve;
use crate::domain::status::ServiceStatus;
use crate::snapshot::{Rendered, ServiceView};
use crate::web::{Status, WebError};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

const CACHE: &str = "public, max-age=60";
const CONTENT_TYPE: &str = "image/svg+xml";
/// Approximate width of one character of the badge font, px.
pub const CHAR_WIDTH: usize = 7;
/// Horizontal padding of each half, px (both sides together).
pub const PADDING: usize = 10;

/// Label grey.
pub const GREY_LABEL: &str = "#555";
/// Green.
pub const GREEN: &str = "#4c1";
/// Yellow-green.
pub const YELLOW_GREEN: &str = "#a4a61d";
/// Orange.
pub const ORANGE: &str = "#fe7d37";
/// Red.
pub const RED: &str = "#e05d44";
/// Blue-grey.
pub const BLUE_GREY: &str = "#607d8b";
/// Light grey.
pub const GREY: &str = "#9f9f9f";

/// One badge: a label on grey, a value on a colour, and the accessible title.
#[derive(Clone, Debug, PartialEq)]
pub struct Badge {
    /// Left text.
    pub label: String,
    /// Right text.
    pub value: String,
    /// Right background.
    pub colour: &'static str,
    /// `<title>` and `aria-label`.
    pub title: String,
}

/// An uptime window of the badge URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// 24 hours.
    H24,
    /// 7 days.
    D7,
    /// 30 days.
    D30,
    /// 90 days.
    D90,
}

impl Window {
    /// From the file name of the URL (`30d.svg`).
    pub fn parse(file: &str) -> Option<Window> {
        match file.strip_suffix(".svg")? {
            "24h" => Some(Window::H24),
            "7d" => Some(Window::D7),
            "30d" => Some(Window::D30),
            "90d" => Some(Window::D90),
            _ => None,
        }
    }

    /// `24h`, `7d`, ...
    pub fn name(self) -> &'static str {
        match self {
            Window::H24 => "24h",
            Window::D7 => "7d",
            Window::D30 => "30d",
            Window::D90 => "90d",
        }
    }

    /// The service's uptime over this window.
    pub fn of(self, view: &ServiceView) -> Option<f64> {
        match self {
            Window::H24 => view.uptime_24h,
            Window::D7 => view.uptime_7d,
            Window::D30 => view.uptime_30d,
            Window::D90 => view.uptime_90d,
        }
    }
}

/// Width of a badge half holding `text`, px.
pub fn text_width(text: &str) -> usize {
    text.chars().count() * CHAR_WIDTH + PADDING
}

/// Value and colour of a service status.
pub fn status_value(status: ServiceStatus) -> (&'static str, &'static str) {
    match status {
        ServiceStatus::Up => ("up", GREEN),
        ServiceStatus::Degraded => ("degraded", ORANGE),
        ServiceStatus::Down => ("down", RED),
        ServiceStatus::Maintenance => ("maintenance", BLUE_GREY),
        ServiceStatus::Unknown => ("unknown", GREY),
    }
}

/// `99.95%`: truncated (never rounded up) to two decimals, trailing zeros dropped.
pub fn format_uptime(percent: f64) -> String {
    let hundredths = (percent.clamp(0.0, 100.0) * 100.0 + 1e-6).floor() / 100.0;
    let text = format!("{hundredths:.2}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Colour of an uptime: ≥ 99.9 green, ≥ 99 yellow-green, ≥ 95 orange, else red.
pub fn uptime_colour(percent: f64) -> &'static str {
    match percent {
        p if p >= 99.9 => GREEN,
        p if p >= 99.0 => YELLOW_GREEN,
        p if p >= 95.0 => ORANGE,
        _ => RED,
    }
}

fn badge(name: &str, label: String, value: String, colour: &'static str) -> Badge {
    Badge {
        title: format!("{name} {label}: {value}"),
        label,
        value,
        colour,
    }
}

/// The status badge of `view` (`None`: unknown service, "not found").
pub fn status_badge(name: &str, view: Option<&ServiceView>) -> Badge {
    let (value, colour) = view.map_or(("not found", GREY), |v| status_value(v.status));
    badge(name, "status".into(), value.into(), colour)
}

/// The uptime badge of `view` over `window` (`None` service: "not found"; no data: "no data").
pub fn uptime_badge(name: &str, window: Window, view: Option<&ServiceView>) -> Badge {
    let label = format!("uptime {}", window.name());
    let (value, colour) = match view.map(|v| window.of(v)) {
        None => ("not found".to_string(), GREY),
        Some(None) => ("no data".to_string(), GREY),
        Some(Some(p)) => (format_uptime(p), uptime_colour(p)),
    };
    badge(name, label, value, colour)
}

/// The SVG document of `badge`.
pub fn render(badge: &Badge) -> String {
    let (label, value) = (xml_safe(&badge.label), xml_safe(&badge.value));
    let (lw, vw) = (text_width(&label), text_width(&value));
    let w = lw + vw;
    let (lx, vx) = (lw as f64 / 2.0, lw as f64 + vw as f64 / 2.0);
    let title = xml_safe(&badge.title);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(w) height="20" role="img"
            aria-label=(title) {
            title { (title) }
            linearGradient id="s" x2="0" y2="100%" {
                stop offset="0" stop-color="#bbb" stop-opacity=".1" {}
                stop offset="1" stop-opacity=".1" {}
            }
            clipPath id="r" { rect width=(w) height="20" rx="3" fill="#fff" {} }
            g clip-path="url(#r)" {
                rect width=(lw) height="20" fill=(GREY_LABEL) {}
                rect x=(lw) width=(vw) height="20" fill=(badge.colour) {}
                rect width=(w) height="20" fill="url(#s)" {}
            }
            g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif"
                font-size="11" aria-hidden="true" {
                text x=(lx) y="15" fill="#010101" fill-opacity=".3" { (label) }
                text x=(lx) y="14" { (label) }
                text x=(vx) y="15" fill="#010101" fill-opacity=".3" { (value) }
                text x=(vx) y="14" { (value) }
            }
        }
    }
    .into_string()
}

fn respond(req: &HttpRequest, badge: &Badge, found: bool) -> HttpResponse {
    let body = render(badge);
    if found {
        serve(req, &Rendered::new(body.into_bytes()), CONTENT_TYPE, CACHE)
    } else {
        HttpResponse::NotFound()
            .content_type(CONTENT_TYPE)
            .insert_header((actix_web::http::header::CACHE_CONTROL, CACHE))
            .body(body)
    }
}

/// `GET /badge/{name}/status.svg`
pub async fn status(
    req: HttpRequest,
    name: web::Path<String>,
    status: web::Data<Status>,
) -> Result<HttpResponse, WebError> {
    let snap = status.read().await;
    let view = snap.services.iter().find(|s| s.name == *name);
    Ok(respond(&req, &status_badge(&name, view), view.is_some()))
}

/// `GET /badge/{name}/uptime/{window}.svg`; an unknown window is a 404 badge.
pub async fn uptime(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    status: web::Data<Status>,
) -> Result<HttpResponse, WebError> {
    let (name, file) = path.into_inner();
    let Some(window) = Window::parse(&file) else {
        let badge = badge(&name, "uptime".into(), "not found".into(), GREY);
        return Ok(respond(&req, &badge, false));
    };
    let snap = status.read().await;
    let view = snap.services.iter().find(|s| s.name == name);
    Ok(respond(
        &req,
        &uptime_badge(&name, window, view),
        view.is_some(),
    ))
}

#[cfg(test)]
#[path = "badges_tests.rs"]
mod tests;
