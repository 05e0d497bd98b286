//! RELIABILITY.md row 2 on PostgreSQL: the database failing. A TCP proxy in front of
//! PostgreSQL is switched off (every live connection cut, new ones refused) and on again while
//! the real binary runs. At startup the process keeps retrying with a clear log line instead of
//! exiting; while running, checks, state and alerts continue, `/` and `/api/status` keep serving
//! from memory, no service is shown down because of it, and every write made meanwhile is in the
//! database once it returns. Skipped when TEST_DATABASE_URL is unset. A batch whose COMMIT
//! reply is lost to a cut is written again, and must not double anything.

use crate::support;

use chrono::{NaiveDateTime, Utc};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::process::{command, free_port, Served};
use support::slack::alerts;
use support::{eventually, fresh_database, FakeServer, Reply};

const OUTAGE: Duration = Duration::from_secs(6);

/// A switchable TCP proxy to the database's host and port, on std threads.
struct Proxy {
    port: u16,
    upstream: String,
    live: Arc<Mutex<Vec<TcpStream>>>,
    accepting: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    /// Armed: the next `COMMIT` a client sends reaches the server, then its connection is cut
    /// before the reply comes back (the client cannot know whether it was committed).
    cut_after_commit: Arc<AtomicBool>,
}

impl Proxy {
    /// A proxy (down) on a free port to the host and port `url` names.
    fn new(url: &str) -> Proxy {
        let upstream = authority(url).1;
        Proxy {
            port: free_port(),
            upstream: match upstream.contains(':') {
                true => upstream.to_string(),
                false => format!("{upstream}:5432"),
            },
            live: Arc::default(),
            accepting: None,
            cut_after_commit: Arc::default(),
        }
    }

    /// `url` with its host and port replaced by the proxy's, without TLS (the proxy reads the
    /// queries it forwards).
    fn url_for(&self, url: &str) -> String {
        let (at, authority) = authority(url);
        let rest = &url[at + authority.len()..];
        format!(
            "{}127.0.0.1:{}{rest}?sslmode=disable",
            &url[..at],
            self.port
        )
    }

    /// Listens (again) on the same port.
    fn up(&mut self) {
        if self.accepting.is_some() {
            return;
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("proxy bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, live, upstream) = (stop.clone(), self.live.clone(), self.upstream.clone());
        let cut = self.cut_after_commit.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => drop(forward(client, &upstream, &live, &cut)),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        self.accepting = Some((stop, thread));
    }

    /// Stops accepting (the listener is closed: connections are refused) and cuts every live
    /// connection on both sides.
    fn down(&mut self) {
        if let Some((stop, thread)) = self.accepting.take() {
            stop.store(true, Ordering::SeqCst);
            thread.join().expect("accept thread");
        }
        for stream in self.live.lock().expect("lock").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.down();
    }
}

/// Byte offset and text of the `host[:port]` part of a database URL.
fn authority(url: &str) -> (usize, &str) {
    let scheme_end = url.find("://").expect("URL scheme") + 3;
    let rest = &url[scheme_end..];
    let host_end = rest.find('/').unwrap_or(rest.len());
    let start = rest[..host_end].rfind('@').map_or(0, |i| i + 1);
    (scheme_end + start, &rest[start..host_end])
}

fn forward(
    client: TcpStream,
    upstream: &str,
    live: &Mutex<Vec<TcpStream>>,
    cut: &Arc<AtomicBool>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    let server = TcpStream::connect(upstream)?;
    let mut all = live.lock().expect("lock");
    all.extend([client.try_clone()?, server.try_clone()?]);
    pipe(client.try_clone()?, server.try_clone()?, Some(cut.clone()));
    pipe(server, client, None);
    Ok(())
}

/// Copies `from` to `to`; a chunk holding a `COMMIT` query while `cut` is armed is forwarded,
/// then both sockets are shut down.
fn pipe(mut from: TcpStream, mut to: TcpStream, cut: Option<Arc<AtomicBool>>) {
    std::thread::spawn(move || {
        let mut buf = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
            let commit = buf[..n].windows(7).any(|w| w == b"COMMIT\0");
            if commit
                && cut
                    .as_ref()
                    .is_some_and(|c| c.swap(false, Ordering::SeqCst))
            {
                let _ = from.shutdown(Shutdown::Both);
                let _ = to.shutdown(Shutdown::Read);
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// A test's directory, targets (`/api`, `/down`, both 200 at first), fake Slack (`/hook`, 200),
/// proxy (down) and a config using the database through the proxy.
fn setup(real: &str) -> (tempfile::TempDir, FakeServer, FakeServer, Proxy, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack, proxy) = (FakeServer::start(), FakeServer::start(), Proxy::new(real));
    target.set("/api", Reply::status(200));
    target.set("/down", Reply::status(200));
    slack.set("/hook", Reply::status(200));
    let toml = format!(
        "[database]\nurl = \"{}\"\n[checks]\ninterval = 0.25\nretries = 1\nfailure_threshold = 2\n\
         [slack]\nwebhook_url = \"{}\"\n[[services]]\nname = \"api\"\nurl = \"{}\"\ntimeout = 1\n\
         [[services]]\nname = \"down\"\nurl = \"{}\"\ntimeout = 1\nfailure_threshold = 2\n",
        proxy.url_for(real),
        slack.url("/hook"),
        target.url("/api"),
        target.url("/down")
    );
    let config = dir.path().join("watchpost.toml");
    std::fs::write(&config, toml).expect("config");
    (dir, target, slack, proxy, config)
}

/// A query on the real database (not through the proxy), off the runtime thread.
async fn rows(url: &str, sql: String) -> Vec<Option<String>> {
    let url = url.to_string();
    actix_web::rt::task::spawn_blocking(move || support::column(&url, &sql))
        .await
        .expect("query task")
}

async fn get(base: &str, path: &str) -> Option<(u16, String)> {
    let mut resp = awc::Client::default()
        .get(format!("{base}{path}"))
        .send()
        .await
        .ok()?;
    let body = resp.body().limit(4 << 20).await.ok()?;
    Some((
        resp.status().as_u16(),
        String::from_utf8_lossy(&body).into(),
    ))
}

async fn metric(base: &str, name: &str) -> f64 {
    let (_, body) = get(base, "/metrics").await.expect("metrics");
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

#[actix_web::test]
async fn startup_with_the_database_unreachable_retries_then_serves() {
    let Some(real) = fresh_database() else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (dir, _target, _slack, mut proxy, config) = setup(&real);
    let bind = format!("127.0.0.1:{}", free_port());
    let log = dir.path().join("serve.log");
    let child = command(dir.path(), &[("WATCHPOST_BIND", &bind)])
        .args(["--config", &config.to_string_lossy(), "serve"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("spawn watchpost");
    let mut served = Served {
        child,
        base: format!("http://{bind}"),
    };
    let retried = eventually(Duration::from_secs(20), || async {
        read(&log)
            .matches("Database unreachable at startup")
            .count()
            >= 2
    })
    .await;
    let alive = served.child.try_wait().expect("wait").is_none();
    let early = get(&served.base, "/healthz").await.is_some();
    let state = format!("retried {retried}, alive {alive}, served early {early}");
    assert!(retried && alive && !early, "{state}; log:\n{}", read(&log));

    proxy.up();
    let serving = eventually(Duration::from_secs(15), || async {
        matches!(get(&served.base, "/healthz").await, Some((200, _)))
    })
    .await;
    let alive = served.child.try_wait().expect("wait").is_none();
    let starts = read(&log).matches("Watchpost serving").count();
    let state = format!("serving {serving}, alive {alive}, {starts} starts");
    assert!(
        serving && alive && starts == 1,
        "{state}; log:\n{}",
        read(&log)
    );
    let sql = "SELECT service_name AS v FROM health_checks WHERE service_name = 'api'";
    let stored = eventually(Duration::from_secs(10), || async {
        !rows(&real, sql.into()).await.is_empty()
    })
    .await;
    assert!(stored, "no check stored after the late start");
}

/// Polls `/` and `/api/status` for `OUTAGE`: always 200, `api` always up. True if `down` was
/// shown down meanwhile.
async fn serve_through_outage(base: &str) -> bool {
    let (started, mut shown_down) = (Instant::now(), false);
    while started.elapsed() < OUTAGE {
        let (code, body) = get(base, "/api/status").await.expect("/api/status");
        assert_eq!(code, 200, "/api/status during the outage: {body}");
        let status: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let of = |name: &str| {
            let services = status["services"].as_array().expect("services");
            let service = services.iter().find(|s| s["name"] == name).expect(name);
            service["status"].as_str().unwrap_or("").to_string()
        };
        assert_eq!(of("api"), "up", "api during the outage: {body}");
        shown_down |= of("down") == "down";
        assert_eq!(
            get(base, "/").await.expect("/").0,
            200,
            "/ during the outage"
        );
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
    shown_down
}

/// Check rows of `service` whose `checked_at` falls in `from..=to`.
async fn checks_in(url: &str, from: NaiveDateTime, to: NaiveDateTime, service: &str) -> usize {
    let f = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let sql = format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM health_checks WHERE service_name = '{service}' \
         AND checked_at >= '{}' AND checked_at <= '{}'",
        f(from),
        f(to)
    );
    let n = rows(url, sql).await[0].clone().unwrap_or_default();
    n.parse().expect("count")
}

/// After the outage `from..=to`: every cycle of it stored once, the outage, its state and its
/// outbox row (sent) stored, `api` never stored down.
async fn assert_flushed(real: &str, from: NaiveDateTime, to: NaiveDateTime, log: &Path) {
    let expected = (to - from).num_milliseconds() as usize / 250;
    let least = expected * 7 / 10;
    let flushed = eventually(Duration::from_secs(25), || async {
        checks_in(real, from, to, "api").await >= least
            && checks_in(real, from, to, "down").await >= least
    })
    .await;
    let text = read(log);
    assert!(
        flushed,
        "outage checks not written (≥ {least}); log:\n{text}"
    );
    for service in ["api", "down"] {
        let n = checks_in(real, from, to, service).await;
        eprintln!("{service}: {n} rows checked during the outage, ~{expected} cycles");
        assert!(n <= expected + 3, "{service}: {n} rows, ~{expected} cycles");
    }
    let queries = [
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM (SELECT 1 FROM health_checks \
         GROUP BY service_name, checked_at HAVING COUNT(*) > 1) d",
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM health_checks \
         WHERE service_name = 'api' AND status <> 'up'",
        "SELECT service_name AS v FROM outages WHERE end_time IS NULL",
        "SELECT CAST(down_alert_sent AS TEXT) AS v FROM service_states \
         WHERE service_name = 'down' AND outage_start IS NOT NULL",
    ];
    let mut found = Vec::new();
    for sql in queries {
        found.push(rows(real, sql.into()).await);
    }
    let want = [["0"], ["0"], ["down"], ["true"]].map(|[v]| vec![Some(v.to_string())]);
    assert_eq!(
        found, want,
        "duplicates, api down, open outages, down's state"
    );
    let outbox = "SELECT service_name || ':' || kind || ':' || state AS v FROM alert_outbox";
    let sent = eventually(Duration::from_secs(10), || async {
        rows(real, outbox.into()).await == [Some("down:down:sent".to_string())]
    })
    .await;
    assert!(sent, "outbox: {:?}", rows(real, outbox.into()).await);
}

#[actix_web::test]
async fn database_lost_while_running_keeps_checks_status_and_alerts_then_flushes() {
    let Some(real) = fresh_database() else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (dir, target, slack, mut proxy, config) = setup(&real);
    proxy.up();
    let served = Served::start(dir.path(), &config, free_port()).await;
    let port = served.base.rsplit(':').next().unwrap_or("");
    let log = dir.path().join(format!("serve-{port}.log"));
    let any = "SELECT service_name AS v FROM health_checks WHERE service_name = 'down'";
    let stored = eventually(Duration::from_secs(10), || async {
        rows(&real, any.into()).await.len() >= 4
    })
    .await;
    assert!(stored, "no rows stored before the outage");

    let from = Utc::now().naive_utc();
    proxy.down();
    target.set("/down", Reply::status(503));
    assert!(serve_through_outage(&served.base).await, "down never shown");
    assert_eq!(alerts(&slack, "Service Down").len(), 1, "alert waited");
    let backlog = "watchpost_persistence_backlog";
    assert!(metric(&served.base, backlog).await > 0.0, "no backlog");
    let failures = "watchpost_persistence_write_failures_total";
    assert!(metric(&served.base, failures).await >= 1.0, "no failure");
    let to = Utc::now().naive_utc();
    proxy.up();

    assert_flushed(&real, from, to, &log).await;
    let drained = eventually(Duration::from_secs(5), || async {
        metric(&served.base, backlog).await == 0.0
    })
    .await;
    assert!(drained, "backlog not drained");
    let dropped = "watchpost_persistence_dropped_checks_total";
    assert_eq!(metric(&served.base, dropped).await, 0.0, "checks dropped");
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(slack.hits("/hook"), 1, "exactly one alert, the down one");
    let text = read(&log);
    assert!(text.contains("Database write failed"), "log:\n{text}");
    assert!(text.contains("Database available again"), "log:\n{text}");
}

/// Persistence retries a batch whose COMMIT reached the server but whose reply was lost to a
/// cut connection: every write in it is idempotent, so nothing is stored twice.
#[actix_web::test]
async fn a_cut_after_commit_does_not_double_check_rows() {
    let Some(real) = fresh_database() else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let (dir, _target, _slack, mut proxy, config) = setup(&real);
    proxy.up();
    let served = Served::start(dir.path(), &config, free_port()).await;
    let sql = "SELECT service_name AS v FROM health_checks";
    let stored = eventually(Duration::from_secs(10), || async {
        rows(&real, sql.into()).await.len() >= 4
    })
    .await;
    assert!(stored, "no rows stored");
    proxy.cut_after_commit.store(true, Ordering::SeqCst);
    let cut = eventually(Duration::from_secs(10), || async {
        !proxy.cut_after_commit.load(Ordering::SeqCst)
    })
    .await;
    assert!(cut, "no COMMIT seen");
    let failures = "watchpost_persistence_write_failures_total";
    let retried = eventually(Duration::from_secs(15), || async {
        metric(&served.base, failures).await >= 1.0
            && metric(&served.base, "watchpost_persistence_backlog").await == 0.0
    })
    .await;
    assert!(retried, "the cut batch was not retried and written");
    let dupes = "SELECT service_name || ' at ' || CAST(checked_at AS TEXT) AS v \
                 FROM health_checks GROUP BY service_name, checked_at HAVING COUNT(*) > 1";
    assert_eq!(
        rows(&real, dupes.into()).await,
        Vec::new(),
        "rows stored twice"
    );
}
