//! The admin JSON API through the app on port 0: incidents, maintenance windows and outage
//! force-resolve with their validation, the audit log, bearer tokens and the lockout, body
//! limits; an incident raising the banner. SQLite, and PostgreSQL when TEST_DATABASE_URL is set.

use crate::support;

use awc::http::Method;
use serde_json::{json, Value};
use std::time::Duration;
use support::{eventually, settings, FakeServer, Reply, TestApp};
use watchpost::settings::sha256_hex;

const WAIT: Duration = Duration::from_secs(10);
const TOKEN: &str = "correct horse battery staple";

/// Config with an `ops` token and the services `api` and `web` of `target`, checked every
/// 0.2 s, threshold 1.
fn config(db: &str, target: &FakeServer, tokens: bool) -> String {
    let admin = if tokens {
        format!(
            "[admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\nlockout_attempts = 5\n",
            sha256_hex(TOKEN)
        )
    } else {
        String::new()
    };
    format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
         {admin}[[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n\
         [[services]]\nname = \"web\"\nurl = \"{}\"\ntimeout = 1\n",
        target.url("/api"),
        target.url("/web")
    )
}

/// One answer: status, a header, the JSON body (`null` when empty).
struct Answer {
    status: u16,
    headers: awc::http::header::HeaderMap,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The fields a 422 names.
    fn fields(&self) -> Vec<String> {
        let list = self.json["fields"].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|f| f["field"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// Sends `method path` with `token` (if any) and a JSON `body` (if any).
async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = awc::Client::default().request(method, format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let sent = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    let mut response = sent.expect("request");
    let bytes = response.body().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let answer = Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        json,
    };
    assert_eq!(answer.header("cache-control"), "no-store", "{path}");
    answer
}

async fn ops(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Answer {
    call(app, Some(TOKEN), method, path, body).await
}

async fn start(dir: &std::path::Path, db: &str, target: &FakeServer) -> TestApp {
    TestApp::spawn(settings(dir, &config(db, target, true), &[])).await
}

fn target() -> FakeServer {
    let target = FakeServer::start();
    target.set("/api", Reply::status(200));
    target.set("/web", Reply::status(200));
    target
}

/// The audit log's actions, oldest first; asserts every entry is by `actor`.
async fn actions(app: &TestApp, actor: &str) -> Vec<String> {
    let audit = ops(app, Method::GET, "/api/admin/audit?limit=50", None).await;
    assert_eq!(audit.status, 200);
    let entries = audit.json["audit"].as_array().cloned().expect("audit list");
    let mut names: Vec<String> = entries
        .iter()
        .map(|e| {
            assert_eq!(e["actor"], actor, "{e}");
            e["action"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    names.reverse();
    names
}

async fn incidents(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let target = target();
    let app = start(dir.path(), &db, &target).await;
    let banner = |want: &'static str| {
        let app = &app;
        eventually(WAIT, move || async move {
            app.status().await["overall_status"] == want
        })
    };
    assert!(banner("operational").await);

    let body = json!({"severity": "high", "text": "Search is down"});
    let created = ops(&app, Method::POST, "/api/admin/incidents", Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(
        (&created.json["severity"], &created.json["active"]),
        (&json!("high"), &json!(true))
    );
    let id = created.json["id"].as_i64().expect("id");
    assert!(
        banner("major").await,
        "an active high incident raises the banner"
    );

    let path = format!("/api/admin/incidents/{id}");
    let patch = json!({"severity": "medium", "text": "Search is slow"});
    let updated = ops(&app, Method::PATCH, &path, Some(patch)).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json["text"], "Search is slow");
    let listed = ops(&app, Method::GET, "/api/admin/incidents", None).await;
    assert_eq!(listed.json["incidents"][0]["id"], id);

    let bad = ops(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"severity": "dire", "text": ""})),
    )
    .await;
    assert_eq!(
        (bad.status, bad.fields()),
        (422, vec!["severity".into(), "text".into()])
    );
    assert_eq!(bad.json["error"], "invalid input");

    let resolved = ops(&app, Method::POST, &format!("{path}/resolve"), None).await;
    assert_eq!(resolved.status, 200);
    assert_eq!(
        (&resolved.json["severity"], &resolved.json["active"]),
        (&json!("resolved"), &json!(false))
    );
    assert!(banner("operational").await);

    assert_eq!(ops(&app, Method::DELETE, &path, None).await.status, 204);
    let gone = ops(&app, Method::DELETE, &path, None).await;
    assert_eq!(
        (gone.status, &gone.json["error"]),
        (404, &json!(format!("incident {id} not found")))
    );
    let word = ops(
        &app,
        Method::POST,
        "/api/admin/incidents/seven/resolve",
        None,
    )
    .await;
    assert_eq!(word.status, 404);

    let expected = [
        "incident.create",
        "incident.update",
        "incident.update",
        "incident.delete",
    ];
    assert_eq!(actions(&app, "ops").await, expected);
    app.stop().await;
}

#[actix_web::test]
async fn incidents_sqlite() {
    incidents(false).await;
}

#[actix_web::test]
async fn incidents_postgres() {
    incidents(true).await;
}

async fn maintenance(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let target = target();
    let app = start(dir.path(), &db, &target).await;
    let window = json!({"title": "DB upgrade", "services": ["api"],
        "start": "2030-12-01T02:00Z", "end": "2030-12-01T04:00Z"});
    let created = ops(&app, Method::POST, "/api/admin/maintenance", Some(window)).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["services"], json!(["api"]));
    let path = format!("/api/admin/maintenance/{}", created.json["id"]);

    let backwards = json!({"title": "x", "start": "2030-12-01T04:00Z", "end": "2030-12-01T02:00Z"});
    let bad = ops(
        &app,
        Method::POST,
        "/api/admin/maintenance",
        Some(backwards),
    )
    .await;
    assert_eq!((bad.status, bad.fields()), (422, vec!["end".to_string()]));
    let unknown = ops(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"services": ["api", "db"]})),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.fields()),
        (422, vec!["services".to_string()])
    );
    let message = unknown.json["fields"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("\"db\"") && message.contains("\"api\", \"web\""),
        "{message}"
    );

    let updated = ops(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"title": "Postgres 17"})),
    )
    .await;
    assert_eq!(
        (updated.status, &updated.json["title"]),
        (200, &json!("Postgres 17"))
    );
    let cancelled = ops(&app, Method::POST, &format!("{path}/cancel"), None).await;
    assert_eq!(
        (cancelled.status, &cancelled.json["active"]),
        (200, &json!(false))
    );
    let listed = ops(&app, Method::GET, "/api/admin/maintenance", None).await;
    assert_eq!(listed.json["maintenance"].as_array().map(Vec::len), Some(1));
    assert_eq!(ops(&app, Method::DELETE, &path, None).await.status, 204);
    assert_eq!(
        ops(&app, Method::POST, &format!("{path}/cancel"), None)
            .await
            .status,
        404
    );

    let expected = [
        "maintenance.create",
        "maintenance.update",
        "maintenance.update",
        "maintenance.delete",
    ];
    assert_eq!(actions(&app, "ops").await, expected);
    app.stop().await;
}

#[actix_web::test]
async fn maintenance_sqlite() {
    maintenance(false).await;
}

#[actix_web::test]
async fn maintenance_postgres() {
    maintenance(true).await;
}

mod access;
mod outages;
