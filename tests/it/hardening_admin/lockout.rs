//! Follow-up to item 5, over HTTP behind a trusted proxy: an IPv6 client is one identity per
//! /64, and a lockout longer than the clock can represent neither panics nor locks out
//! everyone else.

use super::harness::{TOKEN, WRONG};
use super::{audit, lockout_config};
use crate::support::TestApp;
use std::time::Duration;

/// An app behind a trusted proxy (127.0.0.1) that locks for `duration`.
async fn behind_proxy(dir: &std::path::Path, duration: Duration) -> TestApp {
    let server = "[server]\ntrusted_proxies = [\"127.0.0.1\"]\n";
    let mut settings = lockout_config(dir, server);
    settings.admin.lockout_duration = watchpost::settings::Secs(duration);
    TestApp::spawn(settings).await
}

/// Three wrong tokens from three addresses of one /64 lock the whole /64, not its neighbour.
#[actix_web::test]
async fn ipv6_clients_are_locked_out_by_their_64() {
    let dir = tempfile::tempdir().expect("dir");
    let app = behind_proxy(dir.path(), Duration::from_secs(600)).await;
    for client in [
        "2001:db8:1:2::1",
        "[2001:db8:1:2::2]:443",
        "2001:db8:1:2:ffff:1:2:3",
    ] {
        let via = [("X-Forwarded-For", client)];
        assert_eq!(audit(&app, Some(WRONG), &via).await, 401);
    }
    let same = [("X-Forwarded-For", "2001:db8:1:2::99")];
    assert_eq!(
        audit(&app, Some(TOKEN), &same).await,
        429,
        "a fresh address in the /64"
    );
    let next = [("X-Forwarded-For", "2001:db8:1:3::1")];
    assert_eq!(audit(&app, Some(TOKEN), &next).await, 200);
    app.stop().await;
}

/// A lockout duration past what `Instant` can hold locks the address and nobody else.
#[actix_web::test]
async fn a_huge_lockout_duration_locks_only_its_address() {
    let dir = tempfile::tempdir().expect("dir");
    let app = behind_proxy(dir.path(), Duration::MAX).await;
    let guesser = [("X-Forwarded-For", "203.0.113.5")];
    for _ in 0..3 {
        assert_eq!(audit(&app, Some(WRONG), &guesser).await, 401);
    }
    assert_eq!(audit(&app, Some(TOKEN), &guesser).await, 429);
    let operator = [("X-Forwarded-For", "203.0.113.7")];
    assert_eq!(
        audit(&app, Some(TOKEN), &operator).await,
        200,
        "everyone locked out"
    );
    app.stop().await;
}
