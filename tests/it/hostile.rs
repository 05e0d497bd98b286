//! Hostile targets (RELIABILITY.md, row 5): a target that never answers, one that trickles a
//! byte a second, an endless body, broken chunked encoding, a self-signed certificate, a name
//! that does not resolve, and an IPv6 loopback target. Each costs at most its timeout, ends
//! with a clear error (or up, for the IPv6 one), and a healthy service beside them keeps its
//! schedule.

use crate::support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{column, eventually, FakeServer, Reply, TestApp};

/// A raw TCP server on `addr` answering every connection with `serve` on its own thread.
fn raw_server(addr: &str, serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind(addr).expect("bind");
    let local = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    match local {
        std::net::SocketAddr::V6(a) => format!("http://[::1]:{}/", a.port()),
        std::net::SocketAddr::V4(a) => format!("http://127.0.0.1:{}/", a.port()),
    }
}

fn read_request(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = stream.read(&mut buf);
}

fn silent(mut s: TcpStream) {
    read_request(&mut s);
    std::thread::sleep(Duration::from_secs(60));
}

fn trickle(mut s: TcpStream) {
    read_request(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    for _ in 0..100 {
        if s.write_all(b"x").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn endless(mut s: TcpStream) {
    read_request(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    let chunk = vec![b'y'; 64 * 1024];
    // Up to 100 MB, as fast as the reader takes it.
    for _ in 0..1600 {
        if s.write_all(&chunk).is_err() {
            return;
        }
    }
}

fn bad_chunks(mut s: TcpStream) {
    read_request(&mut s);
    let _ = s
        .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZZ\r\nnot a chunk\r\n");
    std::thread::sleep(Duration::from_millis(200));
}

fn ipv6_ok(mut s: TcpStream) {
    read_request(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
}

/// `openssl s_server` with a fresh self-signed certificate; `None` without openssl.
fn self_signed(dir: &Path) -> Option<(Child, String)> {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !made.success() {
        return None;
    }
    // The port is free when chosen but openssl binds it later; until it listens, the app's
    // own server (bound to port 0 afterwards) could be handed the same port. So wait until
    // openssl accepts, and choose again if it exited (the port was taken meanwhile).
    for _ in 0..3 {
        let port = support::process::free_port();
        let mut child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept", &port.to_string()])
            .arg("-key")
            .arg(&key)
            .arg("-cert")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(child.try_wait(), Ok(None)) {
                break;
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some((child, format!("https://127.0.0.1:{port}/")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("openssl s_server did not start listening in three tries");
}

fn last(db: &str, service: &str, col: &str) -> Option<String> {
    let sql = format!("SELECT CAST({col} AS TEXT) AS v FROM health_checks WHERE service_name = '{service}' ORDER BY id DESC LIMIT 1");
    column(db, &sql).into_iter().next().flatten()
}

#[actix_web::test]
async fn hostile_targets_cost_one_bounded_check_and_never_delay_the_others() {
    let dir = tempfile::tempdir().expect("dir");
    let healthy = FakeServer::start();
    healthy.set("/ok", Reply::status(200));
    let mut targets = vec![
        ("silent", raw_server("127.0.0.1:0", silent)),
        ("trickle", raw_server("127.0.0.1:0", trickle)),
        ("endless", raw_server("127.0.0.1:0", endless)),
        ("bad-chunks", raw_server("127.0.0.1:0", bad_chunks)),
        ("no-dns", "http://watchpost-target.invalid/".to_string()),
    ];
    let ipv6 = TcpListener::bind("[::1]:0")
        .is_ok()
        .then(|| raw_server("[::1]:0", ipv6_ok));
    if let Some(url) = &ipv6 {
        targets.push(("ipv6", url.clone()));
    }
    let tls = self_signed(dir.path());
    if let Some((_, url)) = &tls {
        targets.push(("self-signed", url.clone()));
    }
    let db = support::sqlite_url(dir.path());
    let mut toml = format!("[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.3\nretries = 1\nfailure_threshold = 1\n");
    toml.push_str(&format!(
        "[[services]]\nname = \"canary\"\nurl = \"{}\"\n",
        healthy.url("/ok")
    ));
    for (name, url) in &targets {
        toml.push_str(&format!(
            "[[services]]\nname = \"{name}\"\nurl = \"{url}\"\ntimeout = 1.5\n"
        ));
    }
    let started = Instant::now();
    let app = TestApp::spawn(support::settings(dir.path(), &toml, &[])).await;
    let all_checked = || async {
        targets
            .iter()
            .all(|(name, _)| last(&db, name, "status").is_some())
    };
    assert!(
        eventually(Duration::from_secs(15), all_checked).await,
        "a hostile target was never checked"
    );
    // The canary kept its 0.3 s schedule meanwhile: about one check per interval.
    let elapsed = started.elapsed().as_secs_f64();
    let canary = column(
        &db,
        "SELECT status AS v FROM health_checks WHERE service_name = 'canary'",
    )
    .len();
    assert!(
        canary as f64 >= elapsed / 0.3 * 0.6,
        "canary checked {canary} times in {elapsed:.1}s"
    );

    let error = |name: &str| last(&db, name, "error_message").unwrap_or_default();
    let ms = |name: &str| {
        last(&db, name, "response_time_ms")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    for name in ["silent", "trickle"] {
        assert_eq!(last(&db, name, "status").as_deref(), Some("down"), "{name}");
        assert!(
            error(name).starts_with("Request timed out"),
            "{name}: {}",
            error(name)
        );
        assert!(
            ms(name) < 2500,
            "{name} took {} ms with a 1.5 s timeout",
            ms(name)
        );
    }
    // An endless body is read up to 1 MiB: the check ends well within its timeout.
    assert_eq!(
        last(&db, "endless", "status").as_deref(),
        Some("up"),
        "endless: {}",
        error("endless")
    );
    assert_eq!(last(&db, "bad-chunks", "status").as_deref(), Some("down"));
    assert!(!error("bad-chunks").is_empty());
    assert_eq!(last(&db, "no-dns", "status").as_deref(), Some("down"));
    assert!(
        error("no-dns").starts_with("Connection error")
            || error("no-dns").starts_with("Request timed out"),
        "{}",
        error("no-dns")
    );
    if ipv6.is_some() {
        assert_eq!(
            last(&db, "ipv6", "status").as_deref(),
            Some("up"),
            "ipv6: {}",
            error("ipv6")
        );
    }
    if let Some((mut child, _)) = tls {
        // openssl may still be starting at the first check: a later one meets it.
        let refused = || async { error("self-signed").contains("certificate") };
        assert!(
            eventually(Duration::from_secs(5), refused).await,
            "{}",
            error("self-signed")
        );
        assert_eq!(last(&db, "self-signed", "status").as_deref(), Some("down"));
        eprintln!("self-signed: {}", error("self-signed"));
        let _ = child.kill();
    }
    if ipv6.is_some() {
        eprintln!("ipv6 checked: {:?}", last(&db, "ipv6", "status"));
    }
    app.stop().await;
}
