//! The status page in a real headless Chromium (Debian's `chromium`; `.ci/run` installs it):
//! a partial outage rendered at 1280 and 390 px, the DOM read after the page's live update
//! from `/api/status` has run. Skipped, with a note, where Chromium is not installed.
//! Screenshots go to `target/screenshots/` (not in git).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{eventually, FakeServer, Reply, TestApp};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs headless Chromium on `url` with `args`; returns its standard output.
fn chromium(profile: &Path, width: u32, args: &[String], url: &str) -> String {
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},1600"))
        .args(args)
        .arg(url)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Width of a PNG file, from its IHDR chunk.
fn png_width(path: &Path) -> u32 {
    let bytes = std::fs::read(path).expect("screenshot");
    assert_eq!(&bytes[1..4], b"PNG", "not a PNG");
    u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]])
}

#[actix_web::test]
async fn the_page_renders_a_partial_outage_at_desktop_and_phone_widths() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} not installed (apt-get install chromium)");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    target.set("/bad", Reply::status(503));
    let db = support::sqlite_url(dir.path());
    let toml = format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.3\nretries = 1\nfailure_threshold = 1\n\
         [[services]]\nname = \"sefaria.org\"\nurl = \"{}\"\n[[services]]\nname = \"Linker\"\nurl = \"{}\"\n",
        target.url("/ok"),
        target.url("/bad")
    );
    let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
    let partial = || async { app.status().await["overall_status"] == "partial" };
    assert!(eventually(Duration::from_secs(10), partial).await);

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let url = format!("{}/", app.base);
    let profile = dir.path().join("chromium");
    for width in [1280u32, 390] {
        let (url, profile, shots) = (url.clone(), profile.clone(), shots.clone());
        let shot = shots.join(format!("status-{width}.png"));
        let dom = actix_web::rt::task::spawn_blocking(move || {
            let dump = chromium(&profile, width, &["--dump-dom".into()], &url);
            let png = format!("--screenshot={}", shot.display());
            chromium(&profile, width, &[png], &url);
            (dump, shot)
        })
        .await
        .expect("chromium thread");
        let (dump, shot) = dom;
        assert!(
            dump.contains("data-updated="),
            "{width}px: the live update did not run:\n{dump}"
        );
        assert!(
            dump.contains("class=\"banner partial\""),
            "{width}px: banner"
        );
        assert!(dump.contains("Partial Outage"));
        let row = |name: &str| {
            dump.split(&format!("data-service=\"{name}\""))
                .nth(1)
                .and_then(|rest| rest.split("</li>").next())
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            row("sefaria.org").contains("Operational ·"),
            "{width}px: up row"
        );
        assert!(
            row("Linker").contains("Down · Unexpected response (HTTP 503)"),
            "{width}px: down row"
        );
        assert_eq!(png_width(&shot), width, "screenshot width");
        eprintln!("screenshot: {}", shot.display());
    }
    app.stop().await;
}
