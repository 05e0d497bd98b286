//! Issue 15, items 3-6 and 8, through the real binary (and the app over HTTP for the
//! lockout): sessions end at sign-out and with their token, slow bodies cannot hold the
//! server, the lockout counts only wrong credentials and believes forwarding headers only from
//! trusted proxies, and failed sign-ins and lockouts are logged.

use crate::support;

mod forwarding;
mod harness;
mod lockout;

use harness::{answer_within, config, drip, incidents, target, timed, unfinished_post};
use harness::{chunked_drip_closed, Binary, Browser};
use harness::{TOKEN, WRONG};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{eventually, settings, TestApp};

/// Item 3: after sign-out the same cookie is refused, for pages and for posts.
#[actix_web::test]
async fn signing_out_ends_the_session_for_good() {
    let dir = tempfile::tempdir().expect("dir");
    let target = target();
    let app = Binary::start(dir.path(), &config(dir.path(), &target, true), None).await;
    let mut browser = Browser::at(&app.base);
    assert_eq!(browser.sign_in(TOKEN).await.status, 303);
    let csrf = browser.get("/admin").await.csrf();
    let out = browser.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);

    let post = [("csrf", csrf.as_str()), ("severity", "high"), ("text", "x")];
    let replayed = browser.post("/admin/incidents", &post).await;
    assert_eq!(replayed.status, 303, "the signed-out cookie still posted");
    assert_eq!(replayed.header("location"), Some("/admin/login"));
    assert_eq!(incidents(dir.path()), 0);
    let page = browser.get("/admin").await;
    assert_eq!(page.header("location"), Some("/admin/login"));
}

/// Item 3: a restart with the token removed (same `session_secret`) refuses its sessions.
#[actix_web::test]
async fn a_session_ends_with_its_token() {
    let dir = tempfile::tempdir().expect("dir");
    let target = target();
    let first = Binary::start(dir.path(), &config(dir.path(), &target, true), None).await;
    let mut browser = Browser::at(&first.base);
    assert_eq!(browser.sign_in(TOKEN).await.status, 303);
    let csrf = browser.get("/admin").await.csrf();
    drop(first);

    let second = Binary::start(dir.path(), &config(dir.path(), &target, false), None).await;
    browser.base = second.base.clone();
    let page = browser.get("/admin").await;
    assert_eq!(page.status, 303, "a removed token's session loaded /admin");
    let post = [("csrf", csrf.as_str()), ("severity", "high"), ("text", "x")];
    assert_eq!(browser.post("/admin/incidents", &post).await.status, 303);
    assert_eq!(incidents(dir.path()), 0);
}

/// Item 4: a post to `/admin/*` without a session is answered before its body arrives, and a
/// body that drips is cut off (408) instead of holding the connection.
#[actix_web::test]
async fn admin_bodies_are_checked_first_and_bounded_in_time() {
    let dir = tempfile::tempdir().expect("dir");
    let target = target();
    let app = Binary::start(dir.path(), &config(dir.path(), &target, true), None).await;
    let addr = app.addr.clone();
    let unsigned = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = unfinished_post(&addr, "/admin/incidents", 100_000, b"csrf=");
        answer_within(&mut stream, Duration::from_secs(5))
    });
    let answer = unsigned.await.expect("thread");
    let answer = answer.expect("no answer before the body: the body was read first");
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");

    let addr = app.addr.clone();
    let dripping = actix_web::rt::task::spawn_blocking(move || {
        let asked = Instant::now();
        let mut stream = unfinished_post(&addr, "/admin/login", 1_000, b"token=");
        let answer = answer_within(&mut stream, Duration::from_secs(30));
        (answer, asked.elapsed())
    });
    let (answer, took) = dripping.await.expect("thread");
    let answer = answer.expect("a body that never ends held the connection for 30 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= Duration::from_secs(5), "cut off after {took:?}");
}

/// Item 4: a chunked body left unread, dripping on after the answer, does not keep its
/// connection: the server closes it (instead of draining the body to its end).
#[actix_web::test]
async fn an_unread_chunked_body_does_not_hold_its_connection() {
    let dir = tempfile::tempdir().expect("dir");
    let target = target();
    let app = Binary::start(dir.path(), &config(dir.path(), &target, true), None).await;
    for path in ["/admin/incidents", "/healthz"] {
        let addr = app.addr.clone();
        let closed = actix_web::rt::task::spawn_blocking(move || {
            chunked_drip_closed(&addr, path, Duration::from_secs(8))
        });
        let closed = closed.await.expect("thread");
        assert!(closed.is_some(), "{path}: still open after 8 s of dripping");
    }
}

/// Item 4: 500 connections dripping a body, with the process started at a soft `nofile`
/// limit of 256: all of them connect, and `/healthz` and `/api/status` keep answering (the
/// median of ten fresh connections within 100 ms, each within 5 s).
#[actix_web::test]
async fn dripping_connections_leave_health_checks_answering() {
    let dir = tempfile::tempdir().expect("dir");
    let target = target();
    let app = Binary::start(dir.path(), &config(dir.path(), &target, true), Some(256)).await;
    let (opened, stop) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let (addr, count, flag) = (app.addr.clone(), opened.clone(), stop.clone());
    let dripper = std::thread::spawn(move || drip(addr, 500, count, flag));
    let connected = eventually(Duration::from_secs(120), || async {
        opened.load(Ordering::SeqCst) > 0
    })
    .await;
    assert!(
        connected,
        "the dripping connections did not finish connecting"
    );
    let mut slow = Vec::new();
    for path in ["/healthz", "/api/status"] {
        let mut took = Vec::new();
        for _ in 0..10 {
            let fresh = awc::Client::builder()
                .timeout(Duration::from_secs(5))
                .finish();
            took.push(timed(&fresh, &app.base, path).await);
        }
        slow.push((path, took));
    }
    stop.store(true, Ordering::Relaxed);
    dripper.join().expect("dripper");
    assert_eq!(
        opened.load(Ordering::SeqCst),
        501,
        "not every connection was accepted"
    );
    for (path, took) in slow {
        let mut took: Vec<Duration> = took
            .into_iter()
            .map(|t| t.unwrap_or_else(|| panic!("{path} did not answer within 5 s")))
            .collect();
        took.sort();
        assert!(took[5] <= Duration::from_millis(100), "{path}: {took:?}");
    }
}

fn lockout_config(dir: &std::path::Path, server: &str) -> watchpost::settings::Settings {
    let target = format!("http://127.0.0.1:{}/ok", support::process::free_port());
    let toml = format!(
        "{server}[database]\nurl = \"{}\"\n[checks]\ninterval = 60\n\
         [admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\nlockout_attempts = 3\n\
         [[services]]\nname = \"api\"\nurl = \"{target}\"\ntimeout = 1\n",
        support::sqlite_url(dir),
        watchpost::settings::sha256_hex(TOKEN),
    );
    settings(dir, &toml, &[])
}

/// `GET /api/admin/audit` with `token` and extra headers: the status.
async fn audit(app: &TestApp, token: Option<&str>, headers: &[(&str, &str)]) -> u16 {
    let mut req = awc::Client::default().get(format!("{}/api/admin/audit", app.base));
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    let mut resp = req.send().await.expect("request");
    let _ = resp.body().await;
    resp.status().as_u16()
}

/// Item 5: requests without a credential are not failures, and a success resets the count.
#[actix_web::test]
async fn only_wrong_credentials_count_towards_the_lockout() {
    let dir = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn(lockout_config(dir.path(), "")).await;
    for _ in 0..5 {
        assert_eq!(audit(&app, None, &[]).await, 401);
    }
    let mut browser = Browser::at(&app.base);
    for _ in 0..5 {
        assert_eq!(
            browser.post("/admin/login", &[("token", "")]).await.status,
            401
        );
    }
    assert_eq!(
        audit(&app, Some(TOKEN), &[]).await,
        200,
        "anonymous requests locked"
    );
    for _ in 0..2 {
        assert_eq!(audit(&app, Some(WRONG), &[]).await, 401);
        assert_eq!(browser.sign_in(WRONG).await.status, 401);
        assert_eq!(audit(&app, Some(TOKEN), &[]).await, 200, "a success resets");
    }
    for _ in 0..3 {
        assert_eq!(audit(&app, Some(WRONG), &[]).await, 401);
    }
    assert_eq!(audit(&app, Some(TOKEN), &[]).await, 429);
    app.stop().await;
}

/// Item 5: forwarding headers name the client only when the peer is a trusted proxy.
#[actix_web::test]
async fn forwarding_headers_are_believed_only_from_trusted_proxies() {
    let dir = tempfile::tempdir().expect("dir");
    let server = "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\n";
    let app = TestApp::spawn(lockout_config(dir.path(), server)).await;
    let (a, b) = ("203.0.113.5", "203.0.113.6");
    for _ in 0..3 {
        let chain = format!("{a}, 10.1.2.3");
        assert_eq!(
            audit(&app, Some(WRONG), &[("X-Forwarded-For", &chain)]).await,
            401
        );
    }
    assert_eq!(
        audit(&app, Some(TOKEN), &[("X-Forwarded-For", b)]).await,
        200
    );
    assert_eq!(
        audit(&app, Some(TOKEN), &[("X-Forwarded-For", a)]).await,
        429
    );
    assert_eq!(
        audit(&app, Some(TOKEN), &[]).await,
        200,
        "the proxy itself is not locked"
    );
    app.stop().await;

    let dir = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn(lockout_config(dir.path(), "")).await;
    for spoofed in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(
            audit(&app, Some(WRONG), &[("X-Forwarded-For", spoofed)]).await,
            401
        );
    }
    let fresh = [("X-Forwarded-For", "198.51.100.4")];
    assert_eq!(
        audit(&app, Some(TOKEN), &fresh).await,
        429,
        "untrusted header believed"
    );
    app.stop().await;
}

/// Item 8: failed sign-ins and the lockout are logged at WARN with the address, never the token.
#[actix_web::test]
async fn failed_sign_ins_and_lockouts_are_logged_without_the_token() {
    let dir = tempfile::tempdir().expect("dir");
    let target = target();
    let app = Binary::start(dir.path(), &config(dir.path(), &target, true), None).await;
    let mut browser = Browser::at(&app.base);
    for _ in 0..3 {
        assert_eq!(browser.sign_in(WRONG).await.status, 401);
    }
    assert_eq!(browser.sign_in(TOKEN).await.status, 429);
    let logged = eventually(Duration::from_secs(10), || async {
        let log = app.logged();
        let warn = |what: &str| {
            log.lines()
                .filter(|l| l.contains("WARN") && l.contains("127.0.0.1") && l.contains(what))
                .count()
        };
        warn("Failed admin sign-in") >= 3 && warn("locked out") >= 1
    })
    .await;
    let log = app.logged();
    assert!(
        logged,
        "no WARN lines for the failures and the lockout:\n{log}"
    );
    assert!(
        !log.contains(WRONG) && !log.contains(TOKEN),
        "a token was logged:\n{log}"
    );
}

/// `watchpost_admin_lockout_addresses` from `/metrics`.
async fn tracked(app: &TestApp) -> u64 {
    let (status, text) = app.get("/metrics").await;
    assert_eq!(status, 200);
    text.lines()
        .find_map(|l| l.strip_prefix("watchpost_admin_lockout_addresses "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no lockout gauge in /metrics"))
}

/// A lockout app behind a trusted proxy (127.0.0.1) whose failures lapse after `window`.
async fn proxied_lockout(dir: &std::path::Path, window: Duration) -> TestApp {
    let server = "[server]\ntrusted_proxies = [\"127.0.0.1\"]\n";
    let mut settings = lockout_config(dir, server);
    settings.admin.lockout_window = watchpost::settings::Secs(window);
    TestApp::spawn(settings).await
}

/// Item 6: the lockout table holds an address only after a wrong token, lets it go on a
/// success, and never holds more than 10,000. The addresses come through a trusted proxy's
/// `X-Forwarded-For`, as a reverse proxy would send them.
#[actix_web::test]
async fn the_lockout_table_holds_only_failures_and_is_capped() {
    let dir = tempfile::tempdir().expect("dir");
    let app = proxied_lockout(dir.path(), Duration::from_secs(3600)).await;
    for _ in 0..10 {
        assert_eq!(audit(&app, None, &[]).await, 401);
        assert_eq!(audit(&app, Some(TOKEN), &[]).await, 200);
    }
    assert_eq!(tracked(&app).await, 0, "an entry without a wrong token");
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let via = [("X-Forwarded-For", client)];
        assert_eq!(audit(&app, Some(WRONG), &via).await, 401);
    }
    assert_eq!(tracked(&app).await, 3);
    let one = [("X-Forwarded-For", "198.51.100.1")];
    assert_eq!(audit(&app, Some(TOKEN), &one).await, 200);
    assert_eq!(tracked(&app).await, 2, "a success keeps an entry");

    // 10,100 more addresses, eight at a time: the table stops at its capacity.
    let client = awc::Client::default();
    let base = app.base.clone();
    let wrong = |i: u32| {
        let addr = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
        client
            .get(format!("{base}/api/admin/audit"))
            .insert_header(("Authorization", format!("Bearer {WRONG}")))
            .insert_header(("X-Forwarded-For", addr))
            .send()
    };
    for batch in (0..10_100u32).collect::<Vec<_>>().chunks(8) {
        let answers = futures_util::future::join_all(batch.iter().map(|i| wrong(*i))).await;
        assert!(answers
            .iter()
            .all(|a| a.as_ref().is_ok_and(|r| r.status() == 401)));
    }
    assert_eq!(tracked(&app).await, 10_000, "the table's size");
    app.stop().await;
}

/// Item 6: entries whose failures have lapsed are swept out.
#[actix_web::test]
async fn lapsed_lockout_entries_are_pruned() {
    let dir = tempfile::tempdir().expect("dir");
    let app = proxied_lockout(dir.path(), Duration::from_secs(1)).await;
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let via = [("X-Forwarded-For", client)];
        assert_eq!(audit(&app, Some(WRONG), &via).await, 401);
    }
    assert_eq!(tracked(&app).await, 3);
    let failed_at = Instant::now();
    let window_passed = eventually(Duration::from_secs(10), || async {
        failed_at.elapsed() > Duration::from_millis(1100)
    })
    .await;
    assert!(window_passed);
    // The next failure sweeps the lapsed entries out: only its own remains.
    let another = [("X-Forwarded-For", "192.0.2.77")];
    assert_eq!(audit(&app, Some(WRONG), &another).await, 401);
    let pruned = tracked(&app).await == 1;
    assert!(pruned, "lapsed entries were never pruned");
    app.stop().await;
}
