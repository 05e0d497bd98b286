//! RELIABILITY.md row 7: SIGTERM under load (300 services checked four times a second) exits
//! 0 within 5 s with the pending writes flushed: every check the targets answered is stored,
//! except those still in flight when the signal came.

use crate::support;

use std::time::Duration;
use support::process::{free_port, Served};
use support::{column, eventually, FakeServer, Reply};

const SERVICES: usize = 300;

#[actix_web::test]
async fn sigterm_under_load_exits_zero_within_five_seconds_with_writes_flushed() {
    let dir = tempfile::tempdir().expect("dir");
    let target = FakeServer::start();
    target.set("/ok", Reply::status(200));
    let db = support::sqlite_url(dir.path());
    let mut toml = format!("[database]\nurl = \"{db}\"\n[checks]\ninterval = 0.25\nretries = 1\n");
    for i in 0..SERVICES {
        toml.push_str(&format!(
            "[[services]]\nname = \"svc-{i}\"\nurl = \"{}\"\n",
            target.url("/ok")
        ));
    }
    let config = dir.path().join("watchpost.toml");
    std::fs::write(&config, toml).expect("config");
    let mut served = Served::start(dir.path(), &config, free_port()).await;
    let busy = || async { target.hits("/ok") >= SERVICES * 8 };
    assert!(
        eventually(Duration::from_secs(30), busy).await,
        "the load never built up"
    );

    let status = served.terminate(Duration::from_secs(5)).await;
    assert!(status.success(), "exit status {status:?}");
    let hits = target.hits("/ok");
    let rows = column(&db, "SELECT status AS v FROM health_checks").len();
    assert!(
        rows + SERVICES >= hits,
        "{hits} checks answered, only {rows} stored"
    );
    assert!(rows <= hits, "{rows} rows for {hits} checks");
}
