//! `GET /api/openapi.json`: the OpenAPI 3.0 description of the public read API and the admin
//! API. The document is a static file (`openapi.json` beside this module); the served copy
//! lists the configured service names as the enum of `ServiceName`, so clients and fuzzers
//! (`.ci/schemathesis`) know which names exist. `tests/it/openapi.rs` checks it against the app.

use crate::web::admin::auth::ServiceNames;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::Value;

/// The OpenAPI 3.0.3 document, before the service names are filled in.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// How long clients may keep the document.
pub const CACHE: &str = "public, max-age=3600";

/// The document with `names` as the enum of the `ServiceName` schema (left open when there
/// are none: an enum may not be empty).
pub fn with_services(names: &[String]) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(DOCUMENT) else {
        return DOCUMENT.to_string();
    };
    let schema = doc.pointer_mut("/components/schemas/ServiceName");
    if let (Some(Value::Object(schema)), false) = (schema, names.is_empty()) {
        schema.insert("enum".into(), names.into());
    }
    serde_json::to_string(&doc).unwrap_or_else(|_| DOCUMENT.to_string())
}

/// `GET /api/openapi.json`
pub async fn document(names: Option<web::Data<ServiceNames>>) -> HttpResponse {
    let names = names.map(|n| n.0.clone()).unwrap_or_default();
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, CACHE))
        .body(with_services(&names))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("valid JSON")
    }

    #[test]
    fn the_document_is_openapi_3_0_json() {
        let doc = parse(DOCUMENT);
        let version = doc["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3.0."), "{version}");
        assert!(doc["paths"]["/api/status"]["get"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearerAuth"].is_object());
    }

    #[test]
    fn every_reference_resolves() {
        let doc = parse(DOCUMENT);
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
        }
    }

    #[test]
    fn the_served_copy_lists_the_configured_services() {
        let doc = parse(&with_services(&["api".into(), "web".into()]));
        let schema = &doc["components"]["schemas"]["ServiceName"];
        assert_eq!(schema["enum"], serde_json::json!(["api", "web"]));
        let open = parse(&with_services(&[]));
        assert!(open["components"]["schemas"]["ServiceName"]["enum"].is_null());
    }

    fn collect_refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    out.push(r.to_string());
                }
                map.values().for_each(|v| collect_refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
