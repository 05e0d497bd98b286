//! Shared by the hardening tests of the admin doors: the real binary with an operator token
//! (optionally started with a low soft `nofile` limit), a cookie-keeping client that follows
//! no redirects, and raw sockets for bodies that never finish.
#![allow(dead_code)]

use crate::support::process::{command, free_port};
use crate::support::{column, eventually, FakeServer, Reply};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const TOKEN: &str = "correct horse battery staple";
pub const WRONG: &str = "hunter2-wrong-token";

/// One service on `target`, the SQLite file in `dir`, and `[admin]` with the `ops` token
/// when `token` is set; three failures lock an address out.
pub fn config(dir: &Path, target: &FakeServer, token: bool) -> PathBuf {
    let tokens = if token {
        format!(
            "tokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\n",
            watchpost::settings::sha256_hex(TOKEN)
        )
    } else {
        String::new()
    };
    let toml = format!(
        "[database]\nurl = \"{}\"\n[checks]\ninterval = 1\nretries = 1\n\
         [admin]\n{tokens}lockout_attempts = 3\nsession_secret = \"the same secret every start\"\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n",
        db(dir),
        target.url("/ok"),
    );
    let path = dir.join(if token {
        "with-token.toml"
    } else {
        "no-token.toml"
    });
    std::fs::write(&path, toml).expect("write config");
    path
}

/// The SQLite URL of the test's database.
pub fn db(dir: &Path) -> String {
    crate::support::sqlite_url(dir)
}

/// A target that is up.
pub fn target() -> FakeServer {
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    target
}

/// A serving `watchpost`, killed on drop; its stderr goes to `log`.
pub struct Binary {
    child: Child,
    pub base: String,
    pub addr: String,
    pub log: PathBuf,
}

impl Binary {
    /// Starts `watchpost --config CONFIG serve` in `dir`; with `soft_nofile`, the child starts
    /// with that soft file-descriptor limit (the hard limit left as it is).
    pub async fn start(dir: &Path, config: &Path, soft_nofile: Option<u64>) -> Binary {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let log = dir.join(format!("serve-{port}.log"));
        let mut cmd = command(dir, &[("WATCHPOST_BIND", &addr)]);
        cmd.args(["--config", &config.to_string_lossy(), "serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&log).expect("log")));
        if let Some(soft) = soft_nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: only async-signal-safe calls between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let mut lim = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
                    lim.rlim_cur = soft;
                    libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().expect("spawn watchpost");
        let binary = Binary {
            child,
            base: format!("http://{addr}"),
            addr,
            log,
        };
        let up = eventually(Duration::from_secs(30), || async {
            awc::Client::default()
                .get(format!("{}/healthz", binary.base))
                .send()
                .await
                .is_ok()
        })
        .await;
        assert!(up, "watchpost did not start serving");
        binary
    }

    /// What the process logged so far.
    pub fn logged(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use crate::admin_harness::Browser;

/// Incidents in the database.
pub fn incidents(dir: &Path) -> usize {
    column(&db(dir), "SELECT text AS v FROM incidents").len()
}

/// Opens a connection to `addr` and sends the head of a form post to `path` that announces
/// `length` bytes of body, then `sent` of them.
pub fn unfinished_post(addr: &str, path: &str, length: usize, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(sent).expect("some body");
    stream
}

/// What the server sends on `stream` until it closes it or `within` passes (`None` when it
/// sent nothing and kept the connection open all that time).
pub fn answer_within(stream: &mut TcpStream, within: Duration) -> Option<String> {
    stream.set_read_timeout(Some(within)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    (!got.is_empty()).then(|| String::from_utf8_lossy(&got).to_string())
}

/// Opens up to `count` connections to `/admin/login` (stopping at the first that cannot
/// connect within 2 s), sets `opened` to how many, then drips a byte a second on each until
/// `stop`.
pub fn drip(addr: String, count: usize, opened: Arc<AtomicUsize>, stop: Arc<AtomicBool>) {
    use std::io::Write;
    let head = format!(
        "POST /admin/login HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntoken="
    );
    let to = addr.parse().expect("address");
    let mut streams = Vec::new();
    for _ in 0..count {
        match std::net::TcpStream::connect_timeout(&to, Duration::from_secs(2)) {
            Ok(mut s) => {
                let _ = s.write_all(head.as_bytes());
                streams.push(s);
            }
            Err(_) => break,
        }
    }
    opened.store(streams.len() + 1, Ordering::SeqCst);
    while !stop.load(Ordering::Relaxed) {
        for s in &mut streams {
            let _ = s.write_all(b"x");
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// How long a GET of `path` takes (`None` when it fails).
pub async fn timed(client: &awc::Client, base: &str, path: &str) -> Option<Duration> {
    let asked = Instant::now();
    let mut resp = client.get(format!("{base}{path}")).send().await.ok()?;
    resp.body().await.ok()?;
    resp.status().is_success().then(|| asked.elapsed())
}

/// Sends a chunked post to `path` on `addr`, a chunk every 200 ms, until the server closes the
/// connection or `within` passes; how long the server took to close it (`None`: it did not).
pub fn chunked_drip_closed(addr: &str, path: &str, within: Duration) -> Option<Duration> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    while started.elapsed() < within {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(started.elapsed()),
        }
        if stream.write_all(b"1\r\nx\r\n").is_err() {
            return Some(started.elapsed());
        }
    }
    None
}
