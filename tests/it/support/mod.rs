//! Shared test support: fake targets and a fake Slack (real HTTP servers on 127.0.0.1),
//! settings from TOML, the app spawned on port 0, fresh databases (a temporary SQLite file, or
//! a fresh PostgreSQL database when TEST_DATABASE_URL is set).
#![allow(dead_code)]

pub mod fake;
pub mod pg;
pub mod process;
pub mod slack;

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use watchpost::settings::{load, LoadOptions, Settings};
use watchpost::startup::Application;

#[allow(unused_imports)]
pub use fake::{FakeServer, Reply};

/// Settings from a TOML text (written to a file in `dir`), with `env` as the environment.
pub fn settings(dir: &Path, toml: &str, env: &[(&str, &str)]) -> Settings {
    let path = dir.join("watchpost.toml");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(toml.as_bytes()))
        .expect("write config");
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let opts = LoadOptions {
        file: Some(path),
        env,
        base_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    };
    match load(&opts) {
        Ok(settings) => settings,
        Err(e) => panic!("test configuration invalid: {e}"),
    }
}

/// A SQLite URL for a file in `dir`.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("watchpost.db").display())
}

/// The app running in this test's actix System.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`
    pub base: String,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Builds and starts the app on port 0.
    pub async fn spawn(mut settings: Settings) -> TestApp {
        settings.server.bind = "127.0.0.1:0".parse().expect("addr");
        let app = Application::build(settings).await.expect("app builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp { base, handle }
    }

    /// GET a path, returning status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let client = awc::Client::default();
        let mut resp = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        let body = resp.body().await.expect("body");
        (
            resp.status().as_u16(),
            String::from_utf8_lossy(&body).to_string(),
        )
    }

    /// `/api/status` as JSON.
    pub async fn status(&self) -> serde_json::Value {
        let (code, body) = self.get("/api/status").await;
        assert_eq!(code, 200);
        serde_json::from_str(&body).expect("status JSON")
    }

    /// Stops the server (monitors stop with the test's System).
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// Polls `check` every 50 ms until it returns true or `within` passes.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    check().await
}

#[allow(unused_imports)]
pub use pg::{column, fresh_database};

/// The test's database: a fresh PostgreSQL database when `postgres` and TEST_DATABASE_URL is
/// set, otherwise a SQLite file in `dir`. `None` when PostgreSQL was asked for but is not set.
pub fn database(dir: &Path, postgres: bool) -> Option<String> {
    if postgres {
        fresh_database()
    } else {
        Some(sqlite_url(dir))
    }
}
