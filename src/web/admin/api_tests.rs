use super::*;
use crate::store::changes::FieldError;
use actix_web::error::JsonPayloadError;
use actix_web::ResponseError;
use serde_json::json;
use std::collections::HashMap;

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn every_shape_accepts_what_its_type_reads() {
    let incident: incidents::NewIncident = body::parse(
        json!({"severity": "high", "text": "down"}),
        body::NEW_INCIDENT,
    )
    .expect("new incident");
    assert_eq!(incident.severity, "high");
    let patch: incidents::IncidentPatch = body::parse(
        json!({"severity": null, "text": "x", "active": false}),
        body::INCIDENT_PATCH,
    )
    .expect("incident patch");
    assert_eq!((patch.severity, patch.active), (None, Some(false)));
    let window: maintenance::NewWindow = body::parse(
        json!({"title": "t", "description": "d", "services": ["a"], "start": "s", "end": "e"}),
        body::NEW_WINDOW,
    )
    .expect("new window");
    assert_eq!(window.services, ["a"]);
    let all = json!({"title": "t", "description": "d", "services": [], "start": "s",
        "end": "e", "active": true});
    let patch: maintenance::WindowPatch = body::parse(all, body::WINDOW_PATCH).expect("patch");
    assert_eq!(patch.active, Some(true));
}

#[test]
fn every_bad_field_is_named_at_once() {
    let bad = json!({"severity": 3, "colour": "red", "title": "x"});
    let Err(errors) = body::parse::<incidents::NewIncident>(bad, body::NEW_INCIDENT) else {
        panic!("expected invalid");
    };
    assert_eq!(fields(&errors), ["severity", "text", "colour", "title"]);
    assert_eq!(errors[0].message, "must be a string");
    assert_eq!(errors[1].message, "is required");
    assert!(errors[2].message.contains("expected one of severity, text"));
    let names = json!({"title": "t", "start": "s", "end": "e", "services": ["a", 1]});
    let Err(errors) = body::parse::<maintenance::NewWindow>(names, body::NEW_WINDOW) else {
        panic!("expected invalid");
    };
    assert_eq!(
        errors,
        [FieldError::new("services", "must be a list of strings")]
    );
    let Err(errors) = body::parse::<maintenance::NewWindow>(json!([1]), body::NEW_WINDOW) else {
        panic!("expected invalid");
    };
    assert_eq!(fields(&errors), ["body"]);
}

#[test]
fn serde_messages_name_their_field_when_they_can() {
    let unknown =
        serde_json::from_str::<incidents::NewIncident>(r#"{"x": 1}"#).expect_err("unknown field");
    assert_eq!(body::from_serde(&unknown).field, "x");
    let missing =
        serde_json::from_str::<incidents::NewIncident>(r#"{"severity": "high"}"#).expect_err("");
    assert_eq!(body::from_serde(&missing).field, "text");
    let syntax = serde_json::from_str::<Value>("{").expect_err("syntax");
    assert_eq!(body::from_serde(&syntax).field, "body");
}

#[test]
fn query_parameters_are_checked() {
    let q: HashMap<String, String> = [("open".into(), "true".into())].into();
    assert_eq!(flag(&q, "open").ok(), Some(true));
    assert_eq!(flag(&HashMap::new(), "open").ok(), Some(false));
    let q: HashMap<String, String> = [("open".into(), "maybe".into())].into();
    assert!(matches!(flag(&q, "open"), Err(AdminError::Invalid(_))));
    assert_eq!(count(&HashMap::new(), "limit", 100, 1000).ok(), Some(100));
    for bad in ["0", "1001", "ten"] {
        let q: HashMap<String, String> = [("limit".into(), bad.into())].into();
        assert!(matches!(
            count(&q, "limit", 100, 1000),
            Err(AdminError::Invalid(_))
        ));
    }
    assert_eq!(id("incident", "7").ok(), Some(7));
    let Err(e) = id("incident", "abc") else {
        panic!("expected not found");
    };
    assert_eq!(e.to_string(), "incident abc not found");
}

fn value(response: &HttpResponse, name: header::HeaderName) -> String {
    let found = response.headers().get(name).and_then(|v| v.to_str().ok());
    found.unwrap_or_default().to_string()
}

#[test]
fn errors_answer_with_their_status_and_headers() {
    let cases = [
        (io::body_error(JsonPayloadError::Overflow { limit: 1 }), 413),
        (io::body_error(JsonPayloadError::ContentType), 415),
        (AdminError::Unauthorized("invalid token"), 401),
        (AdminError::LockedOut(3600), 429),
        (AdminError::Unavailable("secret detail".into()), 503),
        (
            AdminError::from(crate::store::StoreError::NotFound("incident 7".into())),
            404,
        ),
    ];
    for (error, status) in cases {
        let response = error.error_response();
        assert_eq!(response.status().as_u16(), status, "{error}");
        assert_eq!(value(&response, header::CACHE_CONTROL), "no-store");
    }
    let locked = AdminError::LockedOut(3600).error_response();
    assert_eq!(value(&locked, header::RETRY_AFTER), "3600");
    let denied = AdminError::Unauthorized("x").error_response();
    assert!(value(&denied, header::WWW_AUTHENTICATE).starts_with("Bearer"));
    let hidden = AdminError::Unavailable("secret detail".into());
    assert!(!hidden.to_string().contains("secret"));
}

#[test]
fn audit_entries_show_their_rows_as_json() {
    let entry = audit::AuditEntry {
        id: 1,
        at: Utc::now().naive_utc(),
        actor: "ops".into(),
        action: "incident.create".into(),
        subject: "incident 1".into(),
        before: None,
        after: Some(r#"{"id":1}"#.into()),
    };
    let view = AuditView::from(entry);
    assert_eq!(view.after, Some(json!({"id": 1})));
    assert_eq!(view.before, None);
}
