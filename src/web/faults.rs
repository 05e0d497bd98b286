//! The fault-injection test hook, compiled only with the cargo feature `test-hooks` (never in
//! release builds): `POST /api/admin/faults` `{"service", "cycles", "message", "stop"?}`.
//!
//! The named service's next `cycles` cycles end inconclusive with `message` (not probed, not
//! stored, not counted, never alerted); with `"stop": true` its ServiceMonitor first stops at
//! its next cycle, as a monitor that cannot go on does, and its Supervisor restarts it. A new
//! request replaces whatever is still pending for that service. Like the admin API, it needs an
//! operator token (401 without one), answers JSON and is never cached.

use super::admin::api_io::{self as io, guard, json_config, AdminError, Operator};
use super::admin::auth::ServiceNames;
use crate::actors::service_monitor::{Fault, Faults};
use crate::store::changes::FieldError;
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// The hook's path.
pub const PATH: &str = "/api/admin/faults";

/// Registers the hook. It must come before the admin API's `/api/admin` scope, which would
/// otherwise answer 404 for it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(PATH)
            .app_data(json_config())
            .wrap(from_fn(guard))
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .route(web::post().to(inject))
            .default_service(web::to(io::not_allowed)),
    );
}

/// The request body.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// A configured service's name.
    pub service: String,
    /// How many of its next cycles end inconclusive (0 with `stop` only).
    #[serde(default)]
    pub cycles: u32,
    /// The message those cycles end with.
    #[serde(default)]
    pub message: String,
    /// Stop the monitor at its next cycle, so that its Supervisor restarts it.
    #[serde(default)]
    pub stop: bool,
}

impl FaultRequest {
    /// Every problem of the request, each naming its field (empty: valid).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.cycles == 0 && !self.stop {
            problems.push(FieldError::new(
                "cycles",
                "must be at least 1 unless stop is true",
            ));
        }
        if self.cycles > 0 && self.message.trim().is_empty() {
            problems.push(FieldError::new(
                "message",
                "must not be empty when cycles is at least 1",
            ));
        }
        problems
    }
}

/// `POST /api/admin/faults`: 202 with the fault now pending; 404 for an unknown service, 422
/// for an invalid request.
pub async fn inject(
    op: Operator,
    faults: web::Data<Faults>,
    names: web::Data<ServiceNames>,
    json: web::Json<FaultRequest>,
) -> Result<HttpResponse, AdminError> {
    let request = json.into_inner();
    if !names.0.contains(&request.service) {
        return Err(AdminError::NotFound(format!(
            "service {:?} not found",
            request.service
        )));
    }
    let problems = request.problems();
    if !problems.is_empty() {
        return Err(AdminError::Invalid(problems));
    }
    let fault = Fault {
        cycles: request.cycles,
        message: request.message.clone(),
        stop: request.stop,
    };
    if !faults.inject(&request.service, fault) {
        return Err(AdminError::Unavailable(
            "the faults lock is poisoned".into(),
        ));
    }
    log::warn!(
        "Fault injected into {} by {}: {} inconclusive cycle(s){}",
        request.service,
        op.0,
        request.cycles,
        if request.stop { ", after a stop" } else { "" }
    );
    Ok(HttpResponse::Accepted().json(request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::service_monitor::Injected;

    fn request(cycles: u32, message: &str, stop: bool) -> FaultRequest {
        FaultRequest {
            service: "api".into(),
            cycles,
            message: message.into(),
            stop,
        }
    }

    #[test]
    fn a_request_must_ask_for_something() {
        assert!(request(3, "out of sockets", false).problems().is_empty());
        assert!(request(0, "", true).problems().is_empty());
        let none = request(0, "x", false).problems();
        assert_eq!(
            none,
            vec![FieldError::new(
                "cycles",
                "must be at least 1 unless stop is true"
            )]
        );
        let silent = request(2, " ", false).problems();
        assert_eq!(silent.len(), 1);
    }

    #[test]
    fn a_stop_comes_first_then_the_inconclusive_cycles_then_nothing() {
        let faults = Faults::default();
        assert_eq!(faults.next("api"), None);
        let fault = Fault {
            cycles: 2,
            message: "boom".into(),
            stop: true,
        };
        assert!(faults.inject("api", fault));
        assert_eq!(faults.next("web"), None);
        assert_eq!(faults.next("api"), Some(Injected::Stop));
        let boom = Some(Injected::Inconclusive("boom".into()));
        assert_eq!(faults.next("api"), boom);
        assert_eq!(faults.next("api"), boom);
        assert_eq!(faults.next("api"), None);
    }
}
