//! The smallest end-to-end path: a target answering 200 is shown up with its response time
//! and recorded in the database.

use crate::support;

use std::time::Duration;
use support::{column, eventually, FakeServer, Reply, TestApp};

#[actix_web::test]
async fn up_target_is_up_with_response_time_and_recorded() {
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set(
        "/health",
        Reply::status(200).delayed(Duration::from_millis(30)),
    );
    let db = support::sqlite_url(dir.path());
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\n[[services]]\nname = \"api\"\nurl = \"{}\"\n",
        target.url("/health")
    );
    let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
    assert_eq!(app.status().await["overall_status"], "unknown");
    assert!(
        eventually(Duration::from_secs(5), || async {
            app.status().await["services"][0]["status"] == "up"
        })
        .await
    );
    let status = app.status().await;
    assert_eq!(status["overall_status"], "operational");
    assert_eq!(status["status_label"], "All Systems Operational");
    assert!(
        status["services"][0]["response_time_ms"]
            .as_u64()
            .expect("ms")
            >= 30
    );
    let sql = "SELECT status AS v FROM health_checks WHERE service_name = 'api'";
    assert!(
        eventually(Duration::from_secs(5), || async {
            !column(&db, sql).is_empty()
        })
        .await
    );
    assert!(column(&db, sql).iter().all(|s| s.as_deref() == Some("up")));
    assert_eq!(app.get("/healthz").await, (200, "ok".to_string()));
    app.stop().await;
}
