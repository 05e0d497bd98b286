//! Outages through the admin API: a real outage listed, force-resolved by `ops`, once.

use super::*;

async fn outages(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let target = target();
    target.set("/api", Reply::status(503));
    let app = start(dir.path(), &db, &target).await;
    let open = || async {
        let list = ops(&app, Method::GET, "/api/admin/outages?open=true", None).await;
        list.json["outages"].as_array().cloned().unwrap_or_default()
    };
    assert!(eventually(WAIT, || async { !open().await.is_empty() }).await);
    let outage = open().await.remove(0);
    assert_eq!(
        (&outage["service"], &outage["end"]),
        (&json!("api"), &Value::Null)
    );

    let path = format!("/api/admin/outages/{}/resolve", outage["id"]);
    let resolved = ops(&app, Method::POST, &path, None).await;
    assert_eq!(resolved.status, 200, "{}", resolved.json);
    assert_eq!(
        (&resolved.json["resolved_by"], &resolved.json["resolved"]),
        (&json!("ops"), &json!(true))
    );
    assert!(resolved.json["end"].is_string());
    let again = ops(&app, Method::POST, &path, None).await;
    assert_eq!(
        (again.status, again.fields()),
        (422, vec!["id".to_string()])
    );
    let all = ops(&app, Method::GET, "/api/admin/outages", None).await;
    let listed = all.json["outages"].as_array().cloned().unwrap_or_default();
    assert!(listed
        .iter()
        .any(|o| o["id"] == outage["id"] && o["resolved_by"] == "ops"));
    assert_eq!(
        ops(&app, Method::GET, "/api/admin/outages?open=maybe", None)
            .await
            .status,
        422
    );
    assert_eq!(actions(&app, "ops").await, ["outage.resolve"]);
    app.stop().await;
}

#[actix_web::test]
async fn outages_sqlite() {
    outages(false).await;
}

#[actix_web::test]
async fn outages_postgres() {
    outages(true).await;
}
