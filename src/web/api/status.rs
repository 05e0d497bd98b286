//! JSON and plain-text endpoints.

use crate::domain::status::ServiceStatus;
use crate::snapshot::{Rendered, ServiceView};
use crate::web::public::pages::serve;
use crate::web::{Status, WebError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

const CACHE: &str = "public, max-age=10";

/// Query of `/api/status`.
#[derive(Deserialize)]
pub struct StatusQuery {
    status: Option<String>,
    group: Option<String>,
}

/// `GET /api/status[?status=down,degraded][&group=NAME]`: without a filter, the snapshot's
/// JSON (encoded once per snapshot); with one, the same summary and only the matching services, rendered from
/// the snapshot (no database).
pub async fn status(
    req: HttpRequest,
    query: web::Query<StatusQuery>,
    current: web::Data<Status>,
) -> Result<HttpResponse, WebError> {
    let filter = StatusFilter::parse(query.status.as_deref(), query.group.as_deref())
        .map_err(WebError::BadRequest)?;
    let snap = current.read().await;
    let body = match filter {
        None => return Ok(serve(&req, snap.json(), "application/json", CACHE)),
        Some(filter) => Rendered::uncompressed(snap.json_where(|s| filter.keeps(s))),
    };
    Ok(serve(&req, &body, "application/json", CACHE))
}

/// `GET /healthz`: `ok`, touching nothing.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body("ok")
}

/// The public statuses `?status=` accepts, in the order error messages list them.
pub const STATUSES: [(&str, ServiceStatus); 5] = [
    ("up", ServiceStatus::Up),
    ("degraded", ServiceStatus::Degraded),
    ("down", ServiceStatus::Down),
    ("maintenance", ServiceStatus::Maintenance),
    ("unknown", ServiceStatus::Unknown),
];

/// Which services `/api/status?status=&group=` lists.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusFilter {
    /// Only services in one of these statuses (`None`: any).
    pub statuses: Option<Vec<ServiceStatus>>,
    /// Only services in this group (`None`: any); a group no service is in lists none.
    pub group: Option<String>,
}

impl StatusFilter {
    /// The filter of the `status` (one status or a comma-separated list, any case) and `group`
    /// (exact name) parameters; `None` when neither says anything (absent or empty), so the
    /// stored body is served. An unknown status is an error naming the parameter and the
    /// allowed values.
    pub fn parse(status: Option<&str>, group: Option<&str>) -> Result<Option<Self>, String> {
        let statuses = match status {
            Some(list) => Some(parse_statuses(list)?).filter(|s| !s.is_empty()),
            None => None,
        };
        let group = group.filter(|g| !g.is_empty()).map(str::to_string);
        Ok((statuses.is_some() || group.is_some()).then_some(StatusFilter { statuses, group }))
    }

    /// True when `view` passes the filter.
    pub fn keeps(&self, view: &ServiceView) -> bool {
        let status_ok = self
            .statuses
            .as_ref()
            .is_none_or(|wanted| wanted.contains(&view.status));
        let group_ok = self
            .group
            .as_ref()
            .is_none_or(|wanted| view.group.as_ref() == Some(wanted));
        status_ok && group_ok
    }
}

/// The statuses of a comma-separated list (blank items skipped).
fn parse_statuses(list: &str) -> Result<Vec<ServiceStatus>, String> {
    let mut statuses = Vec::new();
    for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let found = STATUSES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word));
        match found {
            Some((_, status)) => statuses.push(*status),
            None => {
                let allowed: Vec<&str> = STATUSES.iter().map(|(name, _)| *name).collect();
                return Err(format!(
                    "status: {word:?} is not one of {}",
                    allowed.join(", ")
                ));
            }
        }
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: ServiceStatus, group: Option<&str>) -> ServiceView {
        ServiceView {
            status,
            group: group.map(str::to_string),
            ..ServiceView::unknown("api")
        }
    }

    #[test]
    fn no_filter_when_nothing_is_asked() {
        assert_eq!(StatusFilter::parse(None, None), Ok(None));
        assert_eq!(StatusFilter::parse(Some(""), Some("")), Ok(None));
        assert_eq!(StatusFilter::parse(Some(" , "), None), Ok(None));
    }

    #[test]
    fn statuses_are_a_list_in_any_case() {
        let filter = StatusFilter::parse(Some("down, Degraded,,"), None)
            .expect("valid")
            .expect("a filter");
        assert_eq!(
            filter.statuses,
            Some(vec![ServiceStatus::Down, ServiceStatus::Degraded])
        );
        assert!(filter.keeps(&view(ServiceStatus::Down, None)));
        assert!(filter.keeps(&view(ServiceStatus::Degraded, Some("g"))));
        assert!(!filter.keeps(&view(ServiceStatus::Up, None)));
        for (word, status) in STATUSES {
            let only = StatusFilter::parse(Some(word), None).expect("valid");
            assert_eq!(only.and_then(|f| f.statuses), Some(vec![status]));
        }
    }

    #[test]
    fn an_unknown_status_names_the_parameter_and_the_allowed_values() {
        let err = StatusFilter::parse(Some("down,broken"), None).expect_err("invalid");
        assert_eq!(
            err,
            "status: \"broken\" is not one of up, degraded, down, maintenance, unknown"
        );
    }

    #[test]
    fn group_is_matched_exactly_and_combines_with_status() {
        let filter = StatusFilter::parse(Some("down"), Some("Core"))
            .expect("valid")
            .expect("a filter");
        assert!(filter.keeps(&view(ServiceStatus::Down, Some("Core"))));
        assert!(!filter.keeps(&view(ServiceStatus::Up, Some("Core"))));
        assert!(!filter.keeps(&view(ServiceStatus::Down, Some("core"))));
        assert!(!filter.keeps(&view(ServiceStatus::Down, None)));
    }
}
