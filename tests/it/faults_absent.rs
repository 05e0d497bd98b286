//! A build without the cargo feature `test-hooks` (every release build) has no fault hook:
//! `POST /api/admin/faults`, even with a valid operator token, is an unknown admin endpoint.
#![cfg(not(feature = "test-hooks"))]

use crate::support;

use serde_json::json;
use support::{settings, FakeServer, Reply, TestApp};

const TOKEN: &str = "absent-hook-token";

#[actix_web::test]
async fn a_default_build_has_no_fault_hook() {
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/health", Reply::status(200));
    let toml = format!(
        "[database]\nurl = \"{}\"\n[checks]\ninterval = 0.25\nretries = 1\n\
         [admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n",
        support::sqlite_url(dir.path()),
        watchpost::settings::sha256_hex(TOKEN),
        target.url("/health")
    );
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let body = json!({"service": "api", "cycles": 3, "message": "boom", "stop": true});
    let mut resp = awc::Client::default()
        .post(format!("{}/api/admin/faults", app.base))
        .insert_header(("Authorization", format!("Bearer {TOKEN}")))
        .send_json(&body)
        .await
        .expect("request");
    let text = resp.body().await.expect("body");
    let text = String::from_utf8_lossy(&text);
    assert_eq!(resp.status().as_u16(), 404, "{text}");
    assert!(text.contains("no such admin endpoint"), "{text}");
    app.stop().await;
}
