//! The admin page's forms through the app on port 0: incidents, maintenance windows (scope
//! from checkboxes of the configured services) and outage force-resolve, with validation
//! messages next to their fields and the audit entries on the dashboard. SQLite, and
//! PostgreSQL when TEST_DATABASE_URL is set.

use crate::support;

use crate::admin_harness as harness;

use harness::{count, signed_in, WAIT};
use support::{column, eventually};

async fn incidents_are_posted_resolved_and_deleted_through_the_forms(postgres: bool) {
    let Some((s, csrf)) = signed_in(postgres).await else {
        return;
    };
    let incidents = "SELECT CAST(id AS TEXT) AS v FROM incidents";
    let empty = [
        ("severity", "high"),
        ("text", "  "),
        ("csrf", csrf.as_str()),
    ];
    let invalid = s.browser.post("/admin/incidents", &empty).await;
    assert_eq!(invalid.status, 422);
    assert!(invalid
        .body
        .contains("id=\"text-error\">must not be empty<"));
    assert_eq!(count(&s.db, incidents), 0);

    let text = "Database <b>slow</b> & failing";
    let good = [
        ("severity", "high"),
        ("text", text),
        ("csrf", csrf.as_str()),
    ];
    let posted = s.browser.post("/admin/incidents", &good).await;
    assert_eq!(posted.status, 303);
    let location = posted.header("location").expect("location").to_string();
    let id = column(&s.db, incidents)[0].clone().expect("id");
    assert_eq!(location, format!("/admin?done=incident-posted&id={id}"));
    let shown = s.browser.get(&location).await.body;
    assert!(shown.contains(&format!("Incident {id} posted.")));
    assert!(shown.contains("Database &lt;b&gt;slow&lt;/b&gt; &amp; failing"));
    let major = || async { s.app.status().await["overall_status"] == "major" };
    assert!(
        eventually(WAIT, major).await,
        "a high incident did not raise the banner"
    );

    // Update it: milder and with news; the banner follows.
    assert!(shown.contains(&format!("action=\"/admin/incidents/{id}/update\"")));
    let update = format!("/admin/incidents/{id}/update");
    let news = [
        ("severity", "medium"),
        ("text", "Recovering"),
        ("csrf", csrf.as_str()),
    ];
    let updated = s.browser.post(&update, &news).await;
    assert_eq!(updated.status, 303);
    let row = format!("SELECT severity || ':' || text AS v FROM incidents WHERE id = {id}");
    assert_eq!(column(&s.db, &row), [Some("medium:Recovering".to_string())]);
    // "broken" is down: without the high incident the banner is a partial outage again.
    let partial = || async { s.app.status().await["overall_status"] == "partial" };
    assert!(
        eventually(WAIT, partial).await,
        "the banner kept the high incident"
    );
    let blank = [
        ("severity", "medium"),
        ("text", " "),
        ("csrf", csrf.as_str()),
    ];
    assert_eq!(s.browser.post(&update, &blank).await.status, 422);
    let unsigned = [("severity", "high"), ("text", "x")];
    assert_eq!(s.browser.post(&update, &unsigned).await.status, 403);
    assert_eq!(column(&s.db, &row), [Some("medium:Recovering".to_string())]);

    let resolve = format!("/admin/incidents/{id}/resolve");
    assert_eq!(
        s.browser
            .post(&resolve, &[("csrf", csrf.as_str())])
            .await
            .status,
        303
    );
    let severity = format!("SELECT severity AS v FROM incidents WHERE id = {id}");
    assert_eq!(column(&s.db, &severity), [Some("resolved".to_string())]);
    let delete = format!("/admin/incidents/{id}/delete");
    assert_eq!(
        s.browser
            .post(&delete, &[("csrf", csrf.as_str())])
            .await
            .status,
        303
    );
    assert_eq!(count(&s.db, incidents), 0);
    assert_eq!(
        s.browser
            .post(&delete, &[("csrf", csrf.as_str())])
            .await
            .status,
        404
    );
    let audit = s.browser.get("/admin").await.body;
    for action in ["incident.create", "incident.update", "incident.delete"] {
        // (incident.update: the edit and the resolve)
        let row = format!("<td>ops</td><td>{action}</td><td>incident {id}</td>");
        assert!(audit.contains(&row), "{action} not in the audit list");
    }
    s.app.stop().await;
}

#[actix_web::test]
async fn incidents_are_posted_resolved_and_deleted_through_the_forms_sqlite() {
    incidents_are_posted_resolved_and_deleted_through_the_forms(false).await;
}

#[actix_web::test]
async fn incidents_are_posted_resolved_and_deleted_through_the_forms_postgres() {
    incidents_are_posted_resolved_and_deleted_through_the_forms(true).await;
}

async fn an_open_outage_is_resolved_by_the_signed_in_operator(postgres: bool) {
    let Some((s, csrf)) = signed_in(postgres).await else {
        return;
    };
    let open = "SELECT CAST(id AS TEXT) AS v FROM outages WHERE end_time IS NULL";
    assert!(
        eventually(WAIT, || async { count(&s.db, open) == 1 }).await,
        "no outage"
    );
    let outage = column(&s.db, open)[0].clone().expect("id");
    let dashboard = s.browser.get("/admin").await;
    let action = format!("action=\"/admin/outages/{outage}/resolve\"");
    assert!(
        dashboard.body.contains(&action),
        "outage {outage} not listed"
    );

    let path = format!("/admin/outages/{outage}/resolve");
    assert_eq!(s.browser.post(&path, &[]).await.status, 403);
    let done = s.browser.post(&path, &[("csrf", csrf.as_str())]).await;
    assert_eq!(done.status, 303);
    let by = format!("SELECT resolved_by AS v FROM outages WHERE id = {outage}");
    assert_eq!(column(&s.db, &by), [Some("ops".to_string())]);
    let shown = s
        .browser
        .get(done.header("location").expect("location"))
        .await;
    assert!(shown.body.contains(&format!("Outage {outage} resolved.")));
    let row = format!("<td>ops</td><td>outage.resolve</td><td>outage {outage}</td>");
    assert!(shown.body.contains(&row), "not in the audit list");

    let again = s.browser.post(&path, &[("csrf", csrf.as_str())]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("is already resolved"));
    let missing = "/admin/outages/999999/resolve";
    assert_eq!(
        s.browser
            .post(missing, &[("csrf", csrf.as_str())])
            .await
            .status,
        404
    );
    s.app.stop().await;
}

#[actix_web::test]
async fn an_open_outage_is_resolved_by_the_signed_in_operator_sqlite() {
    an_open_outage_is_resolved_by_the_signed_in_operator(false).await;
}

#[actix_web::test]
async fn an_open_outage_is_resolved_by_the_signed_in_operator_postgres() {
    an_open_outage_is_resolved_by_the_signed_in_operator(true).await;
}

#[actix_web::test]
async fn a_maintenance_form_naming_an_unknown_service_is_refused_with_every_problem() {
    let Some((s, csrf)) = signed_in(false).await else {
        return;
    };
    let dashboard = s.browser.get("/admin").await.body;
    for name in ["api", "broken"] {
        let checkbox = format!("type=\"checkbox\" name=\"services\" value=\"{name}\"");
        assert!(dashboard.contains(&checkbox), "no checkbox for {name}");
    }
    let form = [
        ("title", "Upgrade"),
        ("start", "2026-12-01T02:00Z"),
        ("end", "yesterday"),
        ("services", "api"),
        ("services", "nope"),
        ("csrf", csrf.as_str()),
    ];
    let refused = s.browser.post("/admin/maintenance", &form).await;
    assert_eq!(refused.status, 422);
    let body = refused.body;
    assert!(body.contains(
        "id=\"services-error\">unknown service(s) &quot;nope&quot;; configured: &quot;api&quot;, &quot;broken&quot;<"
    ));
    assert!(body.contains("id=\"end-error\">&quot;yesterday&quot; is not a time"));
    assert!(body.contains("value=\"api\" checked"), "choice not kept");
    assert!(body.contains("value=\"Upgrade\""), "title not kept");
    assert_eq!(
        count(&s.db, "SELECT title AS v FROM maintenance_windows"),
        0
    );
    s.app.stop().await;
}

#[actix_web::test]
async fn maintenance_is_scheduled_for_the_checked_services_then_cancelled_and_deleted() {
    let Some((s, csrf)) = signed_in(false).await else {
        return;
    };
    let now = chrono::Utc::now();
    let at = |hours| (now + chrono::Duration::hours(hours)).format("%Y-%m-%dT%H:%MZ");
    let (start, end) = (at(-1).to_string(), at(1).to_string());
    let form = [
        ("title", "Upgrade"),
        ("start", start.as_str()),
        ("end", end.as_str()),
        ("services", "api"),
        ("csrf", csrf.as_str()),
    ];
    assert_eq!(
        s.browser.post("/admin/maintenance", &form).await.status,
        303
    );
    let windows = "SELECT CAST(id AS TEXT) AS v FROM maintenance_windows WHERE active";
    let id = column(&s.db, windows)[0].clone().expect("id");
    let page = s.browser.get("/admin").await.body;
    assert!(page.contains("In progress") && page.contains("Upgrade"));
    let api_in_maintenance = || async {
        let status = s.app.status().await;
        status["services"][0]["status"] == "maintenance"
            && status["services"][1]["status"] == "down"
    };
    assert!(
        eventually(WAIT, api_in_maintenance).await,
        "only api is in maintenance"
    );

    let cancel = format!("/admin/maintenance/{id}/cancel");
    assert_eq!(
        s.browser
            .post(&cancel, &[("csrf", csrf.as_str())])
            .await
            .status,
        303
    );
    assert_eq!(count(&s.db, windows), 0, "still active after cancel");
    let delete = format!("/admin/maintenance/{id}/delete");
    assert_eq!(
        s.browser
            .post(&delete, &[("csrf", csrf.as_str())])
            .await
            .status,
        303
    );
    assert_eq!(
        count(&s.db, "SELECT title AS v FROM maintenance_windows"),
        0
    );
    let audit = s.browser.get("/admin").await.body;
    for action in [
        "maintenance.create",
        "maintenance.update",
        "maintenance.delete",
    ] {
        assert!(
            audit.contains(&format!("<td>{action}</td>")),
            "{action} missing"
        );
    }
    s.app.stop().await;
}
