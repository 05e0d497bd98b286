//! Shared by the admin page tests: the app with two services and one operator token, and a
//! small browser (no redirects followed, a session cookie kept, responses read whole).
#![allow(dead_code)]

use crate::support::{self, column, settings, FakeServer, Reply, TestApp};
use std::time::Duration;
use tempfile::TempDir;

pub const WAIT: Duration = Duration::from_secs(10);
pub const TOKEN: &str = "correct horse battery staple";

/// Services `api` (up) and `broken` (503, an outage at the first failure), checked every 0.2 s;
/// one operator token `ops`; three failed sign-ins lock an address out.
pub fn config(db: &str, target: &FakeServer) -> String {
    format!(
        "[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.2\nretries = 1\nfailure_threshold = 1\n\
         [admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\nlockout_attempts = 3\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n\
         [[services]]\nname = \"broken\"\nurl = \"{}\"\ntimeout = 1\n",
        watchpost::settings::sha256_hex(TOKEN),
        target.url("/ok"),
        target.url("/bad"),
    )
}

pub fn count(db: &str, sql: &str) -> usize {
    column(db, sql).len()
}

/// A running app with its database URL, its fake target and a browser (not signed in).
pub struct Setup {
    pub app: TestApp,
    pub db: String,
    pub browser: Browser,
    _target: FakeServer,
    _dir: TempDir,
}

/// Starts the app on SQLite, or on a fresh PostgreSQL database (`None` when not configured).
pub async fn setup(postgres: bool) -> Option<Setup> {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return None;
    };
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    target.set("/bad", Reply::status(503));
    let app = TestApp::spawn(settings(dir.path(), &config(&db, &target), &[])).await;
    let browser = Browser::new(&app);
    Some(Setup {
        app,
        db,
        browser,
        _target: target,
        _dir: dir,
    })
}

/// Signed in, with the CSRF token of the dashboard's forms.
pub async fn signed_in(postgres: bool) -> Option<(Setup, String)> {
    let mut s = setup(postgres).await?;
    assert_eq!(s.browser.sign_in(TOKEN).await.status, 303);
    let csrf = s.browser.get("/admin").await.csrf();
    Some((s, csrf))
}

/// A response: status, headers (lower-case name, value; repeated names kept), body.
pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, v)| v.as_str())
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a csrf field") + marker.len();
        let len = self.body[start..].find('"').expect("end of value");
        self.body[start..start + len].to_string()
    }
}

/// An HTTP client that does not follow redirects, with an optional session cookie.
pub struct Browser {
    pub base: String,
    client: awc::Client,
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser::at(&app.base)
    }

    /// A browser for the server at `base` (`http://127.0.0.1:PORT`), the app or the binary.
    pub fn at(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
            cookie: None,
        }
    }

    async fn read<S>(mut resp: awc::ClientResponse<S>) -> Page
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    {
        let body = resp.body().limit(1 << 20).await.expect("body");
        let headers = resp.headers().iter();
        Page {
            status: resp.status().as_u16(),
            headers: headers
                .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            body: String::from_utf8_lossy(&body).to_string(),
        }
    }

    fn request(&self, method: awc::http::Method, path: &str) -> awc::ClientRequest {
        let req = self.client.request(method, format!("{}{path}", self.base));
        match &self.cookie {
            Some(c) => req.insert_header(("Cookie", format!("watchpost_admin={c}"))),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let req = self.request(awc::http::Method::GET, path);
        Browser::read(req.send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.request(awc::http::Method::POST, path);
        Browser::read(req.send_form(&form).await.expect("POST")).await
    }

    /// Signs in with `token` as if behind a proxy that terminated HTTPS; keeps no cookie.
    pub async fn sign_in_over_https(&self, token: &str) -> Page {
        let req = self.request(awc::http::Method::POST, "/admin/login");
        let req = req.insert_header(("X-Forwarded-Proto", "https"));
        Browser::read(req.send_form(&[("token", token)]).await.expect("POST")).await
    }

    /// Signs in with `token`; keeps the cookie on success.
    pub async fn sign_in(&mut self, token: &str) -> Page {
        let page = self.post("/admin/login", &[("token", token)]).await;
        if let Some(set) = page.header("set-cookie") {
            let value = set.split(';').next().expect("pair");
            self.cookie = Some(value.trim_start_matches("watchpost_admin=").to_string());
        }
        page
    }
}
