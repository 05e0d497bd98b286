//! `/api/openapi.json` through the app: it is OpenAPI 3.0 JSON, it names every GET route of
//! `src/web/routes.rs`, and what the app actually answers on the read API (one target up, one
//! answering 503, incidents posted) and the admin API carries every property its documented
//! schema requires, of the documented type.

use crate::support;

use chrono::DateTime;
use serde_json::{json, Value};
use std::time::Duration;
use support::{eventually, settings, FakeServer, Reply, TestApp};

const WAIT: Duration = Duration::from_secs(10);
const ROUTES: &str = include_str!("../../src/web/routes.rs");
const TOKEN: &str = "openapi-test-token";

/// Status, headers and body of a GET.
async fn get(app: &TestApp, path: &str) -> (u16, String, String, String) {
    let mut resp = awc::Client::default()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, cache) = (header("content-type"), header("cache-control"));
    let body = resp.body().limit(1 << 20).await.expect("body");
    let body = String::from_utf8_lossy(&body).to_string();
    (resp.status().as_u16(), content_type, cache, body)
}

/// The literal paths of the GET routes registered in `routes.rs`.
fn get_routes(source: &str) -> Vec<String> {
    source
        .split(".route(")
        .skip(1)
        .filter(|chunk| chunk.contains("web::get()"))
        .filter_map(|chunk| chunk.split('"').nth(1).map(str::to_string))
        .filter(|path| path.starts_with('/'))
        .collect()
}

/// Follows a local `$ref` (`#/components/schemas/X`).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => schema,
    }
}

/// Checks `value` against the OpenAPI 3.0 `schema` (type, nullable, enum, date-time, required,
/// properties, items); every mismatch is pushed to `errors` with its JSON path.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() {
        if schema["nullable"] != true {
            errors.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    let ty = schema["type"].as_str().unwrap_or("");
    let fits = match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !fits {
        errors.push(format!("{at}: {value} is not {ty}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} not in {allowed:?}"));
        }
    }
    if schema["format"] == "date-time" {
        let text = value.as_str().unwrap_or_default();
        if DateTime::parse_from_rfc3339(text).is_err() {
            errors.push(format!("{at}: {text:?} is not a date-time"));
        }
    }
    for key in schema["required"].as_array().into_iter().flatten() {
        let key = key.as_str().unwrap_or_default();
        if value.get(key).is_none() {
            errors.push(format!("{at}: required property {key:?} missing"));
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (key, sub) in props {
            if let Some(v) = value.get(key) {
                check(doc, sub, v, &format!("{at}.{key}"), errors);
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, v) in values.iter().enumerate() {
            check(doc, items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

/// The schema of the JSON answer `code` of `method path` in the document.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, code: u16) -> &'a Value {
    let answer = &doc["paths"][path][method]["responses"][code.to_string()];
    let schema = &resolve(doc, answer)["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "no {code} JSON schema for {method} {path}"
    );
    schema
}

/// An admin request with the test's token; status and JSON body.
async fn admin(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let request = awc::Client::default()
        .request(method, format!("{}{path}", app.base))
        .insert_header(("Authorization", format!("Bearer {TOKEN}")));
    let mut resp = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .expect("request");
    let body = resp.body().limit(1 << 20).await.expect("body");
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (resp.status().as_u16(), json)
}

async fn start(dir: &std::path::Path) -> (TestApp, FakeServer) {
    let target = FakeServer::start();
    target.set("/up", Reply::status(200));
    target.set("/down", Reply::status(503));
    let db = support::sqlite_url(dir);
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
         [admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n\
         [[services]]\nname = \"broken\"\nurl = \"{}\"\ntimeout = 1\n",
        watchpost::settings::sha256_hex(TOKEN),
        target.url("/up"),
        target.url("/down")
    );
    let app = TestApp::spawn(settings(dir, &toml, &[])).await;
    for severity in ["high", "resolved"] {
        let incident = json!({"severity": severity, "text": "Search is slow"});
        let (code, _) = admin(&app, "POST", "/api/admin/incidents", Some(incident)).await;
        assert_eq!(code, 201);
    }
    let ready = || async {
        let status = app.status().await;
        let incidents = get(&app, "/api/incidents").await.3;
        status["services"][0]["status"] == "up"
            && status["services"][1]["status"] == "down"
            && incidents.contains("Search is slow")
    };
    assert!(eventually(WAIT, ready).await, "the app never settled");
    (app, target)
}

#[actix_web::test]
async fn the_document_is_served_and_names_every_get_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, _target) = start(dir.path()).await;
    let (code, content_type, cache, body) = get(&app, "/api/openapi.json").await;
    assert_eq!(code, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(cache, "public, max-age=3600");
    let doc: Value = serde_json::from_str(&body).expect("the document is JSON");
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.0."), "openapi {version}");
    let routes = get_routes(ROUTES);
    for path in ["/api/status", "/api/services/{name}/checks", "/healthz"] {
        assert!(
            routes.iter().any(|r| r == path),
            "routes.rs parsed: {routes:?}"
        );
    }
    let missing: Vec<&String> = routes
        .iter()
        .filter(|path| !path.starts_with("/admin"))
        .filter(|path| !doc["paths"][path.as_str()]["get"].is_object())
        .collect();
    assert!(missing.is_empty(), "GET routes not documented: {missing:?}");
    assert!(doc["paths"]["/api/admin/incidents"]["post"]["security"].is_array());
    let names = &doc["components"]["schemas"]["ServiceName"]["enum"];
    assert_eq!(names, &json!(["api", "broken"]));
    app.stop().await;
}

#[actix_web::test]
async fn the_read_api_answers_as_documented() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, _target) = start(dir.path()).await;
    let doc: Value = serde_json::from_str(&get(&app, "/api/openapi.json").await.3).expect("JSON");
    let cases = [
        ("/api/status", "/api/status"),
        ("/api/services/{name}", "/api/services/api"),
        ("/api/services/{name}", "/api/services/broken"),
        ("/api/services/{name}/checks", "/api/services/broken/checks"),
        ("/api/outages", "/api/outages"),
        ("/api/incidents", "/api/incidents"),
    ];
    let mut errors = Vec::new();
    for (documented, actual) in cases {
        let (code, _, _, body) = get(&app, actual).await;
        assert_eq!(code, 200, "{actual}: {body}");
        let value: Value = serde_json::from_str(&body).expect("JSON body");
        let schema = response_schema(&doc, "get", documented, 200);
        check(&doc, schema, &value, actual, &mut errors);
    }
    assert!(errors.is_empty(), "{errors:#?}");

    let (code, _, _, body) = get(&app, "/api/services/nope").await;
    assert_eq!(code, 404);
    let not_found = &doc["components"]["responses"]["NotFound"]["content"]["application/json"];
    let value: Value = serde_json::from_str(&body).expect("JSON error");
    check(&doc, &not_found["schema"], &value, "404", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");
    app.stop().await;
}

/// Admin requests in order: method, path, expected status, JSON body.
const ADMIN_CASES: &str = r#"
POST /api/admin/incidents 201 {"severity": "medium", "text": "Slow"}
PATCH /api/admin/incidents/1 200 {"text": null, "active": true}
POST /api/admin/incidents/1/resolve 200
POST /api/admin/maintenance 201 {"title": "Up", "services": ["api"], "start": "2030-01-01T02:00Z", "end": "2030-01-01T04:00:00Z"}
POST /api/admin/maintenance/1/cancel 200
POST /api/admin/outages/1/resolve 200
GET /api/admin/incidents 200
GET /api/admin/maintenance 200
GET /api/admin/outages 200
GET /api/admin/audit 200
POST /api/admin/incidents 422 {"text": 1}
DELETE /api/admin/incidents/99 404
"#;

#[actix_web::test]
async fn the_admin_api_answers_as_documented() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, _target) = start(dir.path()).await;
    let doc: Value = serde_json::from_str(&get(&app, "/api/openapi.json").await.3).expect("JSON");
    let open = || async {
        let (_, body) = admin(&app, "GET", "/api/admin/outages?open=true", None).await;
        body["outages"][0]["id"] == 1
    };
    assert!(eventually(WAIT, open).await, "the outage was never stored");
    let mut errors = Vec::new();
    for line in ADMIN_CASES.lines().filter(|l| !l.is_empty()) {
        let mut parts = line.splitn(4, ' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let code: u16 = parts.next().and_then(|c| c.parse().ok()).expect("status");
        let body = parts
            .next()
            .map(|b| serde_json::from_str(b).expect("case JSON"));
        let (got, value) = admin(&app, method, path, body).await;
        assert_eq!(got, code, "{line}: {value}");
        let documented: Vec<&str> = path
            .split('/')
            .map(|s| if s.parse::<i64>().is_ok() { "{id}" } else { s })
            .collect();
        let method = method.to_lowercase();
        let schema = response_schema(&doc, &method, &documented.join("/"), code);
        check(&doc, schema, &value, line, &mut errors);
    }
    assert!(errors.is_empty(), "{errors:#?}");
    app.stop().await;
}

#[test]
fn the_checker_finds_missing_and_mistyped_properties() {
    let doc: Value = serde_json::from_str(watchpost::web::api::openapi::DOCUMENT).expect("JSON");
    let schema = response_schema(&doc, "get", "/api/status", 200);
    let bad = json!({
        "overall_status": "fine",
        "status_label": "All Systems Operational",
        "last_checked": "yesterday",
        "services": [{ "name": "api", "status": "up" }],
    });
    let mut errors = Vec::new();
    check(&doc, schema, &bad, "status", &mut errors);
    let text = errors.join("\n");
    for expected in [
        "status.overall_status",
        "status.last_checked",
        "required property \"uptime_90d\"",
        "status.services[0]: required property \"response_time_ms\"",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}
