//! A programmable HTTP server on 127.0.0.1:0: per path, a scripted sequence of replies (the
//! last one sticks), and a record of every request.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One scripted reply.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: String,
    /// Wait before answering.
    pub delay: Duration,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A reply with `status` and an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            body: String::new(),
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }

    /// A 200 (or other status) with a JSON body.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::status(status)
            .with_header("Content-Type", "application/json")
            .with_body(body.to_string())
    }

    /// Same reply with a body.
    pub fn with_body(mut self, body: impl Into<String>) -> Reply {
        self.body = body.into();
        self
    }

    /// Same reply after a delay.
    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Same reply with a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Lower-cased header names with values.
    pub headers: HashMap<String, String>,
    /// Body text.
    pub body: String,
    /// When it arrived.
    pub at: Instant,
    /// The client's address (its port tells connections apart).
    pub peer: Option<std::net::SocketAddr>,
}

impl Recorded {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

#[derive(Default)]
struct State {
    scripts: HashMap<String, VecDeque<Reply>>,
    requests: Vec<Recorded>,
}

/// The server.
#[derive(Clone)]
pub struct FakeServer {
    /// `http://127.0.0.1:{port}`
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl FakeServer {
    /// Starts a server; unknown paths answer 404.
    pub fn start() -> FakeServer {
        FakeServer::start_on(0)
    }

    /// Starts a server on `port` of 127.0.0.1 (0: any free port).
    pub fn start_on(port: u16) -> FakeServer {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(shared.clone()))
                .default_service(web::to(answer))
        })
        .listen(listener)
        .expect("listen")
        .workers(2)
        .disable_signals()
        .shutdown_timeout(0)
        .run();
        actix_web::rt::spawn(server);
        FakeServer { base, state }
    }

    /// Full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// From now on `path` answers with `reply`.
    pub fn set(&self, path: &str, reply: Reply) {
        self.script(path, vec![reply]);
    }

    /// `path` answers with these replies in turn, the last one repeating.
    pub fn script(&self, path: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .expect("lock")
            .scripts
            .insert(path.to_string(), replies.into());
    }

    /// Requests received on `path`, oldest first.
    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.state
            .lock()
            .expect("lock")
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> usize {
        self.requests(path).len()
    }
}

async fn answer(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let path = req.path().to_string();
    let reply = {
        let mut state = state.lock().expect("lock");
        state.requests.push(Recorded {
            method: req.method().to_string(),
            path: path.clone(),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_lowercase(),
                        v.to_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).to_string(),
            at: Instant::now(),
            peer: req.peer_addr(),
        });
        match state.scripts.get_mut(&path) {
            Some(script) if script.len() > 1 => script.pop_front(),
            Some(script) => script.front().cloned(),
            None => None,
        }
    };
    let Some(reply) = reply else {
        return HttpResponse::NotFound().finish();
    };
    if !reply.delay.is_zero() {
        actix_web::rt::time::sleep(reply.delay).await;
    }
    let status = actix_web::http::StatusCode::from_u16(reply.status).expect("status");
    let mut resp = HttpResponse::build(status);
    for (k, v) in &reply.headers {
        resp.insert_header((k.as_str(), v.as_str()));
    }
    resp.body(reply.body)
}
