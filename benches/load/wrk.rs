//! `wrk`: the public reads of Watchpost with N services, next to the machine's ceiling (a
//! trivial actix-web handler of the harness, with as many workers as Watchpost).

use crate::run::Bench;
use crate::table::{self, Table};
use crate::{http, Result, WrkArgs};
use std::process::Command;
use std::time::Duration;

/// One wrk run's figures.
struct Measured {
    rate: f64,
    p99: f64,
    errors: u64,
}

/// `wrk -t -c -d --latency [-H]` on `url`.
fn measure(args: &WrkArgs, url: &str, gzip: bool) -> Result<Measured> {
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{}", args.threads))
        .arg(format!("-c{}", args.connections))
        .arg(format!("-d{}s", args.seconds))
        .arg("--latency");
    if gzip {
        cmd.args(["-H", "Accept-Encoding: gzip"]);
    }
    let out = cmd
        .arg(url)
        .output()
        .map_err(|e| format!("running wrk: {e} (is it installed? apt-get install wrk)"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("wrk {url} failed ({}): {text}{err}", out.status));
    }
    parse(&text).ok_or_else(|| format!("unexpected wrk output for {url}:\n{text}"))
}

/// Requests/sec, the 99 % latency and the errors wrk reported.
fn parse(text: &str) -> Option<Measured> {
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::trim))
    };
    let rate = field("Requests/sec:")?.parse().ok()?;
    let p99 = duration(field("99%")?)?;
    let non_2xx: u64 = field("Non-2xx or 3xx responses:").map_or(Some(0), |n| n.parse().ok())?;
    // "Socket errors: connect 0, read 0, write 0, timeout 0"
    let socket: u64 = field("Socket errors:").map_or(0, |s| {
        s.split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    });
    Some(Measured {
        rate,
        p99,
        errors: non_2xx + socket,
    })
}

/// `2.17ms`, `850.00us`, `1.02s`, `1.5m` in seconds.
fn duration(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let scale = match unit {
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Some(n * scale)
}

/// `wrk`: every endpoint in turn, the ceiling first.
pub fn wrk(args: &WrkArgs) -> Result<()> {
    let bench = Bench::prepare(&args.fleet, 100)?;
    let mut wp = bench.spawn("watchpost")?;
    eprintln!("waiting until every service has a result");
    let interval = args.fleet.interval;
    wp.wait_checks(bench.services, Duration::from_secs(3 * interval + 30))?;
    let endpoints = [
        (
            "ceiling: harness trivial handler",
            bench.target.port,
            "/ceiling",
            false,
        ),
        ("GET /healthz", wp.port, "/healthz", false),
        ("GET /api/status", wp.port, "/api/status", false),
        ("GET /api/status (gzip)", wp.port, "/api/status", true),
        ("GET /", wp.port, "/", false),
        ("GET / (gzip)", wp.port, "/", true),
    ];
    let mut t = Table::new(&[
        "endpoint",
        "req/s",
        "p99",
        "body bytes",
        "vs ceiling",
        "errors",
    ]);
    let mut ceiling = None;
    for (name, port, path, gzip) in endpoints {
        wp.alive()?;
        eprintln!("wrk {name}");
        let m = measure(args, &format!("http://127.0.0.1:{port}{path}"), gzip)?;
        let headers: &[(&str, &str)] = if gzip {
            &[("Accept-Encoding", "gzip")]
        } else {
            &[]
        };
        let body = http::get(port, path, headers, Duration::from_secs(30))?
            .body
            .len();
        let base = *ceiling.get_or_insert(m.rate);
        t.row(vec![
            name.into(),
            table::count(m.rate),
            table::ms(m.p99),
            table::count(body as f64),
            format!("{:.2}", m.rate / base),
            table::count(m.errors as f64),
        ]);
    }
    wp.stop(Duration::from_secs(10))?;
    println!(
        "{} services, interval {} s; wrk -t{} -c{} -d{}s on {} cores shared by wrk, watchpost and the harness\n",
        bench.services,
        interval,
        args.threads,
        args.connections,
        args.seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    t.print();
    Ok(())
}
