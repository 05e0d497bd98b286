//! The fake target: an actix-web server of the harness on 127.0.0.1, on its own thread and
//! System, answering 200 `ok` on any path with long keep-alive (so a reused connection is
//! never closed between two checks 10 s apart). `/ceiling` on it is the trivial handler wrk is
//! measured against.

use crate::Result;
use actix_web::{dev::ServerHandle, http::KeepAlive, web, App, HttpResponse, HttpServer};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The running server; stopped when dropped.
pub struct Target {
    /// Its port on 127.0.0.1.
    pub port: u16,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

async fn ok() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

impl Target {
    /// Starts the server with as many workers as Watchpost's own (2), so the wrk ceiling is
    /// measured on the same footing.
    pub fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("fake target: binding 127.0.0.1:0: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("fake target: local address: {e}"))?
            .port();
        let (sent, received) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("fake-target".into())
            .spawn(move || serve(listener, sent))
            .map_err(|e| format!("fake target: spawning its thread: {e}"))?;
        let handle = received
            .recv_timeout(Duration::from_secs(10))
            .map_err(|e| format!("fake target did not start: {e}"))??;
        Ok(Target {
            port,
            handle,
            thread: Some(thread),
        })
    }
}

fn serve(listener: TcpListener, started: mpsc::Sender<Result<ServerHandle>>) {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let server = HttpServer::new(|| App::new().default_service(web::to(ok)))
            .workers(2)
            .backlog(4096)
            .keep_alive(KeepAlive::Timeout(Duration::from_secs(300)))
            .disable_signals()
            .listen(listener);
        let server = match server {
            Ok(server) => server.run(),
            Err(e) => {
                let _ = started.send(Err(format!("fake target: listening: {e}")));
                return;
            }
        };
        let _ = started.send(Ok(server.handle()));
        if let Err(e) = server.await {
            eprintln!("fake target stopped with an error: {e}");
        }
    });
}

impl Drop for Target {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only reports completion.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
