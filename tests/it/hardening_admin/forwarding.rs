//! Follow-up to item 5: behind a trusted proxy only the configured forwarding header
//! (`server.forwarded_header`) names the client, so a header the proxy passes through from the
//! client cannot choose the address the lockout counts.

use super::harness::{TOKEN, WRONG};
use super::{audit, lockout_config};
use crate::support::TestApp;

/// An app behind a trusted proxy (127.0.0.1), with `extra` lines in `[server]`.
async fn behind_proxy(dir: &std::path::Path, extra: &str) -> TestApp {
    let server = format!("[server]\ntrusted_proxies = [\"127.0.0.1\"]\n{extra}");
    TestApp::spawn(lockout_config(dir, &server)).await
}

/// By default the proxy's `X-Forwarded-For` names the client: a client's own `Forwarded`,
/// passed through, neither avoids its lockout when rotated nor locks out the address it names.
#[actix_web::test]
async fn a_spoofed_forwarded_header_is_ignored_by_default() {
    let dir = tempfile::tempdir().expect("dir");
    let app = behind_proxy(dir.path(), "").await;
    let attacker = "203.0.113.5";
    for n in 1..=3 {
        let spoofed = format!("for=198.51.100.{n}");
        let via = [
            ("X-Forwarded-For", attacker),
            ("Forwarded", spoofed.as_str()),
        ];
        assert_eq!(audit(&app, Some(WRONG), &via).await, 401);
    }
    let fresh = [
        ("X-Forwarded-For", attacker),
        ("Forwarded", "for=198.51.100.4"),
    ];
    let rotated = audit(&app, Some(TOKEN), &fresh).await;
    assert_eq!(rotated, 429, "rotating Forwarded avoided the lockout");

    let (other, operator) = ("203.0.113.9", "203.0.113.7");
    let naming = format!("for={operator}");
    for _ in 0..3 {
        let via = [("X-Forwarded-For", other), ("Forwarded", naming.as_str())];
        assert_eq!(audit(&app, Some(WRONG), &via).await, 401);
    }
    let own = [("X-Forwarded-For", operator)];
    let named = audit(&app, Some(TOKEN), &own).await;
    assert_eq!(
        named, 200,
        "a spoofed Forwarded locked out the address it named"
    );
    app.stop().await;
}

/// With `forwarded_header = "forwarded"` the `Forwarded` header names the client and
/// `X-Forwarded-For` is ignored.
#[actix_web::test]
async fn forwarded_is_read_only_when_configured() {
    let dir = tempfile::tempdir().expect("dir");
    let app = behind_proxy(dir.path(), "forwarded_header = \"forwarded\"\n").await;
    let client = "for=\"203.0.113.5:4711\";proto=https";
    for n in 1..=3 {
        let spoofed = format!("198.51.100.{n}");
        let via = [("Forwarded", client), ("X-Forwarded-For", spoofed.as_str())];
        assert_eq!(audit(&app, Some(WRONG), &via).await, 401);
    }
    let fresh = [("Forwarded", client), ("X-Forwarded-For", "198.51.100.4")];
    assert_eq!(
        audit(&app, Some(TOKEN), &fresh).await,
        429,
        "X-Forwarded-For believed"
    );
    let other = [
        ("Forwarded", "for=203.0.113.6"),
        ("X-Forwarded-For", "203.0.113.5"),
    ];
    assert_eq!(
        audit(&app, Some(TOKEN), &other).await,
        200,
        "X-Forwarded-For believed"
    );
    app.stop().await;
}
