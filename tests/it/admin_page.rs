//! The admin page's door through the app on port 0: sign-in with the lockout, the session
//! cookie's flags, sessions that cannot be forged, CSRF on every form, and public pages that
//! never set a cookie. SQLite, and PostgreSQL when TEST_DATABASE_URL is set.

use crate::admin_harness as harness;

use harness::{count, setup, signed_in, TOKEN};

#[actix_web::test]
async fn visitors_are_sent_to_sign_in_and_wrong_tokens_are_refused_then_locked_out() {
    let Some(mut s) = setup(false).await else {
        return;
    };
    let anonymous = s.browser.get("/admin").await;
    assert_eq!(anonymous.status, 303);
    assert_eq!(anonymous.header("location"), Some("/admin/login"));
    assert_eq!(anonymous.header("cache-control"), Some("no-store"));
    let form = s.browser.get("/admin/login").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"token\""));
    assert_eq!(form.header("cache-control"), Some("no-store"));

    let wrong = s.browser.sign_in("not the token").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong token") && wrong.body.contains("name=\"token\""));
    assert_eq!(wrong.header("set-cookie"), None);
    assert_eq!(
        s.browser.sign_in("").await.status,
        401,
        "refused, but not counted"
    );
    assert_eq!(s.browser.sign_in("still wrong").await.status, 401);
    let third = s.browser.sign_in("wrong again").await;
    assert!(matches!(third.status, 401 | 429), "{}", third.status);
    let locked = s.browser.sign_in(TOKEN).await;
    assert_eq!(locked.status, 429, "three failures lock the address");
    assert!(locked.header("retry-after").is_some());
    assert!(locked.body.contains("Too many failed sign-ins"));
    assert_eq!(s.browser.cookie, None);
    s.app.stop().await;
}

#[actix_web::test]
async fn signing_in_sets_a_strict_cookie_secure_behind_https_and_signing_out_clears_it() {
    let Some(mut s) = setup(false).await else {
        return;
    };
    let right = s.browser.sign_in(TOKEN).await;
    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/admin"));
    let cookie = right.header("set-cookie").expect("a cookie").to_string();
    assert!(cookie.starts_with("watchpost_admin="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "Secure over plain HTTP: {cookie}"
    );
    let https = s.browser.sign_in_over_https(TOKEN).await;
    assert!(https
        .header("set-cookie")
        .expect("cookie")
        .ends_with("; Secure"));

    let dashboard = s.browser.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    assert_eq!(dashboard.header("cache-control"), Some("no-store"));
    assert!(dashboard.body.contains("Signed in as <strong>ops</strong>"));
    for service in ["api", "broken"] {
        assert!(dashboard
            .body
            .contains(&format!("data-service=\"{service}\"")));
    }
    let csrf = dashboard.csrf();
    assert_eq!(s.browser.post("/admin/logout", &[]).await.status, 403);
    let out = s
        .browser
        .post("/admin/logout", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(out.status, 303);
    assert!(out
        .header("set-cookie")
        .expect("cleared")
        .contains("Max-Age=0"));
    s.app.stop().await;
}

#[actix_web::test]
async fn forged_or_tampered_cookies_count_as_signed_out_and_public_pages_set_none() {
    let Some((mut s, _)) = signed_in(false).await else {
        return;
    };
    let good = s.browser.cookie.clone().expect("signed in");
    let (payload, signature) = good.split_once('.').expect("payload.signature");
    let flipped = if payload.starts_with('A') { "B" } else { "A" };
    for forged in [
        format!("{flipped}{}.{signature}", &payload[1..]),
        format!("{payload}.{}", "A".repeat(43)),
        payload.to_string(),
        "garbage".to_string(),
    ] {
        s.browser.cookie = Some(forged.clone());
        let page = s.browser.get("/admin").await;
        assert_eq!(page.status, 303, "{forged} was let in");
        assert_eq!(page.header("location"), Some("/admin/login"));
    }
    for cookie in [None, Some(good)] {
        s.browser.cookie = cookie;
        for path in ["/", "/api/status", "/healthz", "/static/admin.css"] {
            let page = s.browser.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            assert_eq!(page.header("set-cookie"), None, "{path} set a cookie");
        }
    }
    s.app.stop().await;
}

async fn posts_without_a_valid_session_and_csrf_token_change_nothing(postgres: bool) {
    let Some((mut s, csrf)) = signed_in(postgres).await else {
        return;
    };
    let text = ("text", "Database slow");
    let no_csrf = [("severity", "high"), text];
    assert_eq!(
        s.browser.post("/admin/incidents", &no_csrf).await.status,
        403
    );
    let bad_csrf = [("severity", "high"), text, ("csrf", "AAAA")];
    assert_eq!(
        s.browser.post("/admin/incidents", &bad_csrf).await.status,
        403
    );
    let refused = s.browser.post("/admin/incidents", &bad_csrf).await;
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    s.browser.cookie = None;
    let good = [("severity", "high"), text, ("csrf", csrf.as_str())];
    let signed_out = s.browser.post("/admin/incidents", &good).await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(signed_out.header("location"), Some("/admin/login"));
    assert_eq!(
        count(&s.db, "SELECT CAST(id AS TEXT) AS v FROM incidents"),
        0
    );
    assert_eq!(count(&s.db, "SELECT action AS v FROM audit_log"), 0);
    s.app.stop().await;
}

#[actix_web::test]
async fn posts_without_a_valid_session_and_csrf_token_change_nothing_sqlite() {
    posts_without_a_valid_session_and_csrf_token_change_nothing(false).await;
}

#[actix_web::test]
async fn posts_without_a_valid_session_and_csrf_token_change_nothing_postgres() {
    posts_without_a_valid_session_and_csrf_token_change_nothing(true).await;
}
