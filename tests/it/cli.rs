//! The CLI as an operator runs it: config check, bad configuration, migrate, cleanup,
//! check --once, --help.

use crate::support;

use std::path::Path;
use support::process::run;
use support::{column, FakeServer, Reply};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

#[test]
fn help_lists_every_command() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run(dir.path(), &["--help"], &[]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["serve", "check", "cleanup", "migrate", "config"] {
        assert!(help.contains(command), "--help misses {command}:\n{help}");
    }
}

#[test]
fn config_check_prints_defaults_with_the_webhook_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let env = [
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T0/B0/secret",
        ),
        ("MCP_HEALTH_URL", "http://127.0.0.1:9/mcp"),
    ];
    let out = run(dir.path(), &["config", "check"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("https://hooks.slack.com/***"), "{printed}");
    assert!(!printed.contains("B0/secret"));
    for name in ["sefaria.org", "MCP Server", "AI Chatbot", "Linker"] {
        assert!(
            printed.contains(&format!("name = \"{name}\"")),
            "missing {name}"
        );
    }
    assert!(printed.contains("url = \"http://127.0.0.1:9/mcp\""));
    assert!(
        !dir.path().join("watchpost.db").exists(),
        "config check touched the database"
    );
}

#[test]
fn mimalloc_keeps_freed_pages_unless_the_operator_sets_the_delay() {
    let dir = tempfile::tempdir().expect("dir");
    let said = |env: &[(&str, &str)]| {
        let out = run(dir.path(), &["config", "check"], env);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stderr)
    };
    let default = said(&[("RUST_LOG", "debug")]);
    assert!(
        default.contains("mimalloc keeps freed pages for 10000 ms"),
        "{default}"
    );
    let operator = said(&[("RUST_LOG", "debug"), ("MIMALLOC_PURGE_DELAY", "250")]);
    assert!(
        operator.contains("mimalloc keeps freed pages for 250 ms"),
        "{operator}"
    );
}

#[test]
fn bad_configuration_names_every_problem_and_starts_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let bad = r#"
colour = "blue"
[checks]
failure_threshold = 0
[[services]]
name = "a"
url = "not a url"
timeout = "abc"
[[services]]
name = "a"
url = "http://127.0.0.1/"
[[services]]
name = "job"
url = "http://127.0.0.1/job"
check_type = "async_two_phase"
"#;
    std::fs::write(dir.path().join("bad.toml"), bad).expect("write");
    let out = run(dir.path(), &["--config", "bad.toml", "serve"], &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for problem in [
        "bad.toml",
        "unknown key `colour`",
        "checks.failure_threshold: must be at least 1",
        "services[0] (\"a\").url: \"not a url\" is not a valid URL",
        "services[0] (\"a\").timeout: invalid duration \"abc\"",
        "duplicate service name \"a\"",
        "services[2] (\"job\").async_verification: required",
    ] {
        assert!(err.contains(problem), "stderr misses {problem:?}:\n{err}");
    }
    assert!(
        !dir.path().join("watchpost.db").exists(),
        "a database was created"
    );
}

fn tables(db: &str) -> Vec<String> {
    column(
        db,
        "SELECT name AS v FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn migrate_creates_the_schema_once() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run(dir.path(), &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Applied 5 migration(s)"),
        "{}",
        text(&out.stdout)
    );
    let db = format!("sqlite://{}", dir.path().join("watchpost.db").display());
    let t = tables(&db);
    for table in [
        "alert_outbox",
        "audit_log",
        "health_checks",
        "incidents",
        "maintenance_windows",
        "monitored_services",
        "outages",
        "service_states",
    ] {
        assert!(
            t.contains(&table.to_string()),
            "missing table {table}: {t:?}"
        );
    }
    let again = run(dir.path(), &["migrate"], &[]);
    assert_eq!(text(&again.stdout).trim(), "Database schema is up to date");
}

fn insert_check(dir: &Path, days_ago: i64) {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    let mut conn =
        SqliteConnection::establish(&dir.join("watchpost.db").to_string_lossy()).expect("open");
    let at = (chrono::Utc::now() - chrono::Duration::days(days_ago)).naive_utc();
    let sql = format!(
        "INSERT INTO health_checks (service_name, status, checked_at) VALUES ('api', 'up', '{}')",
        at.format("%Y-%m-%d %H:%M:%S%.f")
    );
    diesel::sql_query(sql).execute(&mut conn).expect("insert");
}

#[test]
fn cleanup_counts_deletes_and_honours_days_zero() {
    let dir = tempfile::tempdir().expect("dir");
    assert!(run(dir.path(), &["migrate"], &[]).status.success());
    insert_check(dir.path(), 10);
    insert_check(dir.path(), 1);
    let db = format!("sqlite://{}", dir.path().join("watchpost.db").display());
    let count = || column(&db, "SELECT service_name AS v FROM health_checks").len();

    let dry = run(dir.path(), &["cleanup", "--days", "5", "--dry-run"], &[]);
    assert_eq!(
        text(&dry.stdout).trim(),
        "[DRY RUN] Would delete 1 health check records older than 5 days"
    );
    assert_eq!(count(), 2);
    let real = run(dir.path(), &["cleanup", "--days", "5"], &[]);
    assert_eq!(
        text(&real.stdout).trim(),
        "Deleted 1 health check records older than 5 days"
    );
    assert_eq!(count(), 1);
    let all = run(dir.path(), &["cleanup", "--days", "0"], &[]);
    assert_eq!(
        text(&all.stdout).trim(),
        "Deleted 1 health check records older than 0 days"
    );
    assert_eq!(count(), 0);
}

#[actix_web::test]
async fn check_once_records_prints_and_alerts_once() {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    target.set("/ok", Reply::status(200));
    target.set("/bad", Reply::status(503));
    slack.set("/hook", Reply::status(200));
    let toml = format!(
        "[checks]\nretries = 1\nfailure_threshold = 1\n[slack]\nwebhook_url = \"{}\"\n\
         [[services]]\nname = \"good\"\nurl = \"{}\"\n[[services]]\nname = \"broken\"\nurl = \"{}\"\n",
        slack.url("/hook"),
        target.url("/ok"),
        target.url("/bad")
    );
    std::fs::write(dir.path().join("c.toml"), toml).expect("write");
    let dir_path = dir.path().to_path_buf();
    // The fake servers run on this test's runtime: wait for the child without blocking it.
    let once = move || {
        let dir_path = dir_path.clone();
        actix_web::rt::task::spawn_blocking(move || {
            run(&dir_path, &["--config", "c.toml", "check", "--once"], &[])
        })
    };
    let out = once().await.expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("good: UP"), "{stdout}");
    assert_eq!(
        lines[1],
        "broken: DOWN (outage confirmed) HTTP 503: Expected 200, got 503"
    );
    let db = format!("sqlite://{}", dir.path().join("watchpost.db").display());
    let rows = column(
        &db,
        "SELECT service_name || ':' || status AS v FROM health_checks ORDER BY service_name",
    );
    assert_eq!(
        rows,
        [Some("broken:down".to_string()), Some("good:up".to_string())]
    );
    assert_eq!(slack.hits("/hook"), 1);
    assert_eq!(
        slack.requests("/hook")[0].json()["text"],
        "🔴 Service Down: broken"
    );

    let again = once().await.expect("run");
    assert!(again.status.success());
    assert_eq!(
        slack.hits("/hook"),
        1,
        "a second run re-sent the down alert"
    );
    assert_eq!(
        column(&db, "SELECT status AS v FROM health_checks").len(),
        4
    );
}
