//! Who may use the admin API, and what bodies it takes: bearer tokens (configured or from
//! `ADMIN_TOKEN`), the lockout, the 64 KiB limit, content types and field checks.

use super::*;

#[actix_web::test]
async fn tokens_are_required() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, target) = (support::sqlite_url(dir.path()), target());
    let app = start(dir.path(), &db, &target).await;
    let none = call(&app, None, Method::GET, "/api/admin/incidents", None).await;
    assert_eq!(none.status, 401);
    assert!(none.header("www-authenticate").starts_with("Bearer"));
    assert!(none.json["error"].is_string());
    let body = Some(json!({"severity": "high", "text": "x"}));
    let wrong = call(
        &app,
        Some("guess"),
        Method::POST,
        "/api/admin/incidents",
        body,
    )
    .await;
    assert_eq!(
        (wrong.status, &wrong.json["error"]),
        (401, &json!("invalid token"))
    );
    let hidden = call(&app, None, Method::GET, "/api/admin/nothing-here", None).await;
    assert_eq!(
        hidden.status, 401,
        "unknown admin paths are authenticated first"
    );
    assert_eq!(
        ops(&app, Method::GET, "/api/admin/nothing-here", None)
            .await
            .status,
        404
    );
    assert_eq!(
        ops(&app, Method::PUT, "/api/admin/incidents", None)
            .await
            .status,
        405
    );
    assert!(
        actions(&app, "ops").await.is_empty(),
        "refused requests change nothing"
    );
    app.stop().await;
}

#[actix_web::test]
async fn guessing_locks_the_address_out() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, target) = (support::sqlite_url(dir.path()), target());
    let app = start(dir.path(), &db, &target).await;
    for attempt in 1..=5 {
        let wrong = call(&app, Some("guess"), Method::GET, "/api/admin/audit", None).await;
        assert_eq!(wrong.status, 401, "attempt {attempt}");
    }
    let locked = ops(&app, Method::GET, "/api/admin/audit", None).await;
    assert_eq!(locked.status, 429, "even the right token is refused");
    let retry: u64 = locked
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((3500..=3600).contains(&retry), "{retry}");
    assert!(locked.json["error"].is_string());
    app.stop().await;
}

#[actix_web::test]
async fn the_environment_token_works_and_no_token_closes_the_door() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, target) = (support::sqlite_url(dir.path()), target());
    let env = [("ADMIN_TOKEN", "from-the-environment")];
    let app = TestApp::spawn(settings(dir.path(), &config(&db, &target, false), &env)).await;
    let body = Some(json!({"severity": "medium", "text": "Slow"}));
    let created = call(
        &app,
        Some("from-the-environment"),
        Method::POST,
        "/api/admin/incidents",
        body,
    )
    .await;
    assert_eq!(created.status, 201);
    let audit = call(
        &app,
        Some("from-the-environment"),
        Method::GET,
        "/api/admin/audit",
        None,
    )
    .await;
    assert_eq!(audit.json["audit"][0]["actor"], "ADMIN_TOKEN");
    app.stop().await;

    let closed = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(closed.path());
    let app = TestApp::spawn(settings(closed.path(), &config(&db, &target, false), &[])).await;
    let refused = call(
        &app,
        Some("anything"),
        Method::GET,
        "/api/admin/incidents",
        None,
    )
    .await;
    assert_eq!(
        (refused.status, &refused.json["error"]),
        (401, &json!("no admin tokens configured"))
    );
    app.stop().await;
}

#[actix_web::test]
async fn bodies_are_limited_and_checked() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, target) = (support::sqlite_url(dir.path()), target());
    let app = start(dir.path(), &db, &target).await;
    let huge = json!({"severity": "high", "text": "x".repeat(70 * 1024)});
    let large = ops(&app, Method::POST, "/api/admin/incidents", Some(huge)).await;
    assert_eq!(large.status, 413);
    assert!(large.json["error"].is_string());
    let plain = awc::Client::default()
        .post(format!("{}/api/admin/incidents", app.base))
        .insert_header(("Authorization", format!("Bearer {TOKEN}")))
        .insert_header(("Content-Type", "text/plain"))
        .send_body("severity=high")
        .await
        .expect("request");
    assert_eq!(plain.status().as_u16(), 415);
    let cases = [
        (
            json!({"severity": "high", "text": "x", "colour": "red"}),
            vec!["colour"],
        ),
        (json!({"severity": 1}), vec!["severity", "text"]),
        (json!(["high"]), vec!["body"]),
    ];
    for (body, fields) in cases {
        let bad = ops(&app, Method::POST, "/api/admin/incidents", Some(body)).await;
        assert_eq!(
            (bad.status, bad.fields()),
            (422, fields.iter().map(|f| f.to_string()).collect())
        );
    }
    let limit = ops(&app, Method::GET, "/api/admin/audit?limit=0", None).await;
    assert_eq!(
        (limit.status, limit.fields()),
        (422, vec!["limit".to_string()])
    );
    app.stop().await;
}
