//! Issue 15, configuration and data: secrets masked wherever configuration is printed, every
//! configuration problem reported at once, data files owner-only, maintenance years in range,
//! `import` held to the admin API's rules, imported ended outages force-resolvable, and a
//! user's `[status_page]` replacing the built-in branding. Through the real binary, or HTTP.

use crate::support;

use awc::http::Method;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use support::process::{free_port, run, Served};
use support::{column, eventually, settings, TestApp};
use watchpost::settings::sha256_hex;

const WAIT: std::time::Duration = std::time::Duration::from_secs(20);
const TOKEN: &str = "correct horse battery staple";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// A config in `dir` with the services `api` and `web` (on a closed port) and `extra` on top.
fn write_config(dir: &Path, db: &str, extra: &str) -> std::path::PathBuf {
    let toml = format!(
        "{extra}\n[database]\nurl = \"{db}\"\n[admin]\ntokens = [{{ name = \"ops\", token_sha256 = \"{}\" }}]\n\
         [[services]]\nname = \"api\"\nurl = \"http://127.0.0.1:9/api\"\n\
         [[services]]\nname = \"web\"\nurl = \"http://127.0.0.1:9/web\"\n",
        sha256_hex(TOKEN)
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("config");
    path
}

/// Runs the binary off the test's runtime.
async fn cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let out = actix_web::rt::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run(&dir, &args, &env)
    })
    .await
    .expect("cli");
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

async fn admin(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = awc::Client::default()
        .request(method, format!("{}{path}", app.base))
        .insert_header(("Authorization", format!("Bearer {TOKEN}")));
    let sent = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    let mut response = sent.expect("request");
    let bytes = response.body().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (response.status().as_u16(), json)
}

fn fields(json: &Value) -> Vec<String> {
    let list = json["fields"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|f| f["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

// Item 7.
#[test]
fn config_check_and_config_errors_mask_every_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let toml = "[[services]]\nname = \"job\"\nurl = \"https://user:hunter2@example.com/submit?api_key=KEYSECRET&x=1\"\n\
                check_type = \"async_two_phase\"\nrequest_body = { token = \"BODYSECRET\", n = 42 }\n\
                async_verification = { base_url = \"https://example.com/poll/?sig=POLLSECRET\" }\n";
    std::fs::write(dir.path().join("c.toml"), toml).expect("config");
    let token = "the admin token";
    let env = [
        ("ADMIN_TOKEN", token),
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T0/B0/HOOKSECRET",
        ),
        ("DATABASE_URL", "postgres://watch:DBSECRET@127.0.0.1/w"),
    ];
    let out = run(dir.path(), &["--config", "c.toml", "config", "check"], &env);
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for secret in [
        "hunter2",
        "KEYSECRET",
        "BODYSECRET",
        "POLLSECRET",
        "HOOKSECRET",
        "DBSECRET",
        &sha256_hex(token),
    ] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
    }
    for shown in [
        "https://user:***@example.com/submit?api_key=***&x=***",
        "https://hooks.slack.com/***",
        "postgres://watch:***@127.0.0.1/w",
        "name = \"ADMIN_TOKEN\"",
    ] {
        assert!(printed.contains(shown), "{shown} not in:\n{printed}");
    }

    // A bad webhook is named, not echoed, by `config check` and `serve` alike.
    let bad = [(
        "SLACK_WEBHOOK_URL",
        "ftp://hooks.slack.com/services/T0/B0/HOOKSECRET",
    )];
    for args in [["config", "check"], ["serve", ""]] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        let out = run(dir.path(), &args, &bad);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("slack.webhook_url"), "{err}");
        assert!(!err.contains("HOOKSECRET"), "{err}");
    }
    // A parser's message quoting the line does not show it either.
    let broken = "[slack]\nwebhook_url = \"https://hooks.slack.com/services/T/B/HOOKSECRET\" x\n";
    std::fs::write(dir.path().join("broken.toml"), broken).expect("config");
    let out = run(
        dir.path(),
        &["--config", "broken.toml", "config", "check"],
        &[],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 2") && !err.contains("HOOKSECRET"),
        "{err}"
    );
    let bad_url = [("SEFARIA_HEALTH_URL", "ftp://u:URLSECRET@example.com/")];
    let err = text(&run(dir.path(), &["config", "check"], &bad_url).stderr);
    assert!(
        err.contains("SEFARIA_HEALTH_URL") && !err.contains("URLSECRET"),
        "{err}"
    );
}

// Item 14.
#[test]
fn every_configuration_problem_is_reported_together() {
    let dir = tempfile::tempdir().expect("dir");
    let toml = "[checks]\nretries = \"three\"\n[slack]\nchanel = \"typo\"\n\
                [[services]]\nname = \"api\"\nurl = \"not a url\"\n";
    std::fs::write(dir.path().join("bad.toml"), toml).expect("config");
    for args in [
        &["--config", "bad.toml", "config", "check"][..],
        &["--config", "bad.toml", "serve"][..],
    ] {
        let out = run(dir.path(), args, &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for needle in [
            "checks.retries",
            "slack.chanel",
            "services[0] (\"api\").url",
            "(3 problem(s))",
        ] {
            assert!(
                err.contains(needle),
                "{args:?}: {needle:?} missing in:\n{err}"
            );
        }
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

// Item 9.
#[actix_web::test]
async fn database_and_export_files_are_owner_only() {
    let dir = tempfile::tempdir().expect("dir");
    let config = write_config(dir.path(), "sqlite://watchpost.db", "");
    let mut served = Served::start(dir.path(), &config, free_port()).await;
    let db = dir.path().join("watchpost.db");
    let names = ["watchpost.db", "watchpost.db-wal", "watchpost.db-shm"];
    let all_there = || async { names.iter().all(|n| dir.path().join(n).exists()) };
    assert!(eventually(WAIT, all_there).await, "no WAL files");
    for name in names {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
    served.terminate(WAIT).await;
    assert_eq!(mode(&db), 0o600);
    // An export over a file others could read makes it owner-only too.
    let out = dir.path().join("out.json");
    std::fs::write(&out, "old").expect("old export");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (code, _, err) = cli(dir.path(), &["export", "--file", "out.json"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode(&out), 0o600, "export file");
    // A database others can read (an existing install's) is named in a warning at start.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let port = free_port();
    let served = Served::start(dir.path(), &config, port).await;
    let log = dir.path().join(format!("serve-{port}.log"));
    let warned = eventually(WAIT, || async {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("has mode 644"))
    })
    .await;
    assert!(warned, "no warning about a readable database");
    drop(served);
}

// Item 10.
#[actix_web::test]
async fn maintenance_years_outside_1_to_9999_are_422_sqlite() {
    maintenance_years_outside_1_to_9999_are_422(false).await;
}

#[actix_web::test]
async fn maintenance_years_outside_1_to_9999_are_422_postgres() {
    maintenance_years_outside_1_to_9999_are_422(true).await;
}

async fn maintenance_years_outside_1_to_9999_are_422(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let toml = std::fs::read_to_string(write_config(dir.path(), &db, "")).expect("read");
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let window = |start: &str, end: &str| json!({"title": "Move", "start": start, "end": end});
    let cases = [
        (window("9999-12-31T00:00Z", "+10000-01-01T00:00Z"), "end"),
        (window("0000-06-01T00:00Z", "2026-01-01T00:00Z"), "start"),
        (
            window("+12000-01-01T00:00Z", "+12000-02-01T00:00Z"),
            "start",
        ),
    ];
    for (body, field) in cases {
        let (status, json) = admin(&app, Method::POST, "/api/admin/maintenance", Some(body)).await;
        assert_eq!(status, 422, "{json}");
        assert!(fields(&json).contains(&field.to_string()), "{json}");
    }
    let start = (Utc::now() + Duration::days(30)).format("%Y-%m-%dT%H:%MZ");
    let end = (Utc::now() + Duration::days(31)).format("%Y-%m-%dT%H:%MZ");
    let ok = window(&start.to_string(), &end.to_string());
    let (status, created) = admin(&app, Method::POST, "/api/admin/maintenance", Some(ok)).await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/api/admin/maintenance/{}", created["id"]);
    let far = json!({"end": "+10000-01-01T00:00Z"});
    let (status, json) = admin(&app, Method::PATCH, &path, Some(far)).await;
    assert_eq!((status, fields(&json)), (422, vec!["end".to_string()]));
    app.stop().await;
    // The CLI refuses it too, naming the field, and writes nothing.
    let add = [
        "--config",
        "watchpost.toml",
        "maintenance",
        "add",
        "--title",
        "Far",
        "--start",
        "9999-12-31T00:00Z",
        "--end",
        "+10000-01-01T00:00Z",
    ];
    let (code, _, err) = cli(dir.path(), &add, &[("DATABASE_URL", &db)]).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("end: year 10000 is outside 1 to 9999"),
        "{err}"
    );
}

/// Imports `doc` into the database of `dir`'s config; exit code and standard error.
async fn import(dir: &Path, doc: &Value) -> (i32, String, String) {
    let file = dir.join("doc.json");
    std::fs::write(&file, doc.to_string()).expect("doc");
    cli(
        dir,
        &["--config", "watchpost.toml", "import", "--file", "doc.json"],
        &[],
    )
    .await
}

fn rfc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// Item 11.
#[actix_web::test]
async fn import_applies_the_admin_validators_and_writes_nothing_when_one_fails_sqlite() {
    import_applies_the_admin_validators_and_writes_nothing_when_one_fails(false).await;
}

#[actix_web::test]
async fn import_applies_the_admin_validators_and_writes_nothing_when_one_fails_postgres() {
    import_applies_the_admin_validators_and_writes_nothing_when_one_fails(true).await;
}

async fn import_applies_the_admin_validators_and_writes_nothing_when_one_fails(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    write_config(dir.path(), &db, "");
    let migrate = ["--config", "watchpost.toml", "migrate"];
    assert_eq!(cli(dir.path(), &migrate, &[]).await.0, 0);
    let now = rfc(Utc::now() - Duration::hours(1));
    let check = |extra: Value| {
        let mut row = json!({"service_name": "api", "status": "up", "status_code": 200,
                             "response_time_ms": 5, "checked_at": now});
        row.as_object_mut()
            .expect("row")
            .extend(extra.as_object().cloned().unwrap_or_default());
        row
    };
    let incident = |text: &str| json!({"severity": "high", "text": text, "active": true, "created_at": now, "updated_at": now});
    let window = |title: &str, services: Value| {
        json!({"title": title, "description": "", "affected_services": services,
               "start_time": now, "end_time": rfc(Utc::now() + Duration::hours(2)),
               "active": true, "created_at": now, "updated_at": now})
    };
    let cases = [
        (
            json!({"incidents": [incident("ok"), incident(&"x".repeat(1_000_025))]}),
            "table incidents, row 2: field text: is longer than 10000 characters",
        ),
        (
            json!({"incidents": [incident("   ")]}),
            "table incidents, row 1: field text: must not be empty",
        ),
        (
            json!({"health_checks": [check(json!({})), check(json!({"response_time_ms": -2147483648i64}))]}),
            "table health_checks, row 2: field response_time_ms",
        ),
        (
            json!({"health_checks": [check(json!({"status_code": 1000}))]}),
            "table health_checks, row 1: field status_code",
        ),
        (
            json!({"health_checks": [check(json!({"checked_at": "0000-01-01T00:00:00Z"}))]}),
            "table health_checks, row 1: field checked_at",
        ),
        (
            json!({"maintenance_windows": [window("Move", json!(["nope"]))]}),
            "table maintenance_windows, row 1: field affected_services: unknown service(s) \"nope\"",
        ),
        (
            json!({"maintenance_windows": [window(&"t".repeat(201), json!([]))]}),
            "table maintenance_windows, row 1: field title",
        ),
        (
            json!({"health_checks": [check(json!({"service_name": "s".repeat(1_000_000)}))]}),
            "table health_checks, row 1: field service_name: is longer than 100 characters",
        ),
        (
            json!({"outages": [{"service_name": "api", "start_time": now, "end_time": now,
                                "resolved": true, "resolved_by": "r".repeat(1_000_000)}]}),
            "table outages, row 1: field resolved_by: is longer than 100 characters",
        ),
        (
            json!({"incidents": [{"severity": "x".repeat(1_000_000), "text": "t", "active": true,
                                  "created_at": now, "updated_at": now}]}),
            "field severity: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… (1000000 characters) is not one of",
        ),
    ];
    for (doc, expected) in cases {
        let (code, _, err) = import(dir.path(), &doc).await;
        assert_ne!(code, 0, "accepted: {expected}");
        assert!(err.contains(expected), "{expected:?} not in {err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert!(
            err.len() < 2_000,
            "the error echoes the row: {} bytes",
            err.len()
        );
    }
    for table in ["health_checks", "incidents", "maintenance_windows"] {
        let rows = column(
            &db,
            &format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM {table}"),
        );
        assert_eq!(rows, vec![Some("0".to_string())], "{table} written");
    }
    // A long stored error is cut to 1 KiB on a character boundary, as the monitor stores it.
    let long = "é".repeat(2_000);
    let doc = json!({"health_checks": [check(json!({"status": "down", "error_message": long}))]});
    let (code, _, err) = import(dir.path(), &doc).await;
    assert_eq!(code, 0, "{err}");
    let stored = column(&db, "SELECT error_message AS v FROM health_checks");
    let stored = stored[0].clone().unwrap_or_default();
    assert!(
        stored.len() <= 1024 && stored.len() >= 1022,
        "{}",
        stored.len()
    );
}

// Item 18.
#[actix_web::test]
async fn an_imported_ended_outage_is_force_resolved_keeping_its_end_sqlite() {
    an_imported_ended_outage_is_force_resolved_keeping_its_end(false).await;
}

#[actix_web::test]
async fn an_imported_ended_outage_is_force_resolved_keeping_its_end_postgres() {
    an_imported_ended_outage_is_force_resolved_keeping_its_end(true).await;
}

async fn an_imported_ended_outage_is_force_resolved_keeping_its_end(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(db) = support::database(dir.path(), postgres) else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let config = write_config(dir.path(), &db, "");
    let (start, end) = (
        rfc(Utc::now() - Duration::hours(3)),
        rfc(Utc::now() - Duration::hours(2)),
    );
    let doc = json!({"outages": [{"service_name": "api", "start_time": start, "end_time": end,
                                  "resolved": false}]});
    let (code, _, err) = import(dir.path(), &doc).await;
    assert_eq!(code, 0, "{err}");
    let toml = std::fs::read_to_string(config).expect("read");
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let (_, list) = admin(&app, Method::GET, "/api/admin/outages", None).await;
    let outage = list["outages"][0].clone();
    assert_eq!(outage["resolved"], json!(false), "{list}");
    let path = format!("/api/admin/outages/{}/resolve", outage["id"]);
    let (status, resolved) = admin(&app, Method::POST, &path, None).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["resolved"], json!(true));
    assert_eq!(resolved["end"], outage["end"], "the end time is kept");
    let (_, list) = admin(&app, Method::GET, "/api/admin/outages", None).await;
    assert_eq!(list["outages"][0]["resolved"], json!(true), "{list}");
    let (status, again) = admin(&app, Method::POST, &path, None).await;
    assert_eq!((status, fields(&again)), (422, vec!["id".to_string()]));
    app.stop().await;
}

// Item 20.
#[actix_web::test]
async fn a_users_status_page_replaces_the_built_in_branding() {
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let own = "[status_page]\nurl = \"https://status.example.org\"\ntitle = \"Acme Status\"\n";
    let toml = std::fs::read_to_string(write_config(dir.path(), &db, own)).expect("read");
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let (status, page) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Acme Status"), "{page}");
    assert!(
        !page.to_lowercase().contains("sefaria"),
        "Sefaria's branding leaks:\n{page}"
    );
    for absent in ["class=\"logo\"", "og:image", "\"publisher\":{"] {
        assert!(!page.contains(absent), "{absent} without a logo:\n{page}");
    }
    app.stop().await;

    // Without [status_page] in the user's file, the shipped defaults keep Sefaria's branding.
    let dir = tempfile::tempdir().expect("dir");
    let db = support::sqlite_url(dir.path());
    let toml = std::fs::read_to_string(write_config(dir.path(), &db, "")).expect("read");
    let app = TestApp::spawn(settings(dir.path(), &toml, &[])).await;
    let (_, page) = app.get("/").await;
    for needle in ["sefaria.org/static/img/logo.svg", "developers.sefaria.org"] {
        assert!(page.contains(needle), "{needle} missing");
    }
    app.stop().await;
}

/// Item 7: a parser's message never quotes a secret that is no URL (the source line is left
/// out), and an error about a secret key's value does not repeat the value.
#[test]
fn configuration_errors_never_quote_a_secret_value() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        "[admin]\nsession_secret = \"S3CRET-NOT-CLOSED\n",
        "[admin]\nsession_secret = 123456789012345\n",
        "[[services]]\nname = \"a\"\nurl = \"https://u:pa/SS@h/\"\n",
        "[slack]\nwebhook_url = “https://hooks.slack.com/services/T/B/CURLYSECRET”\n",
    ];
    for (i, config) in cases.iter().enumerate() {
        let file = format!("c{i}.toml");
        std::fs::write(dir.path().join(&file), config).expect("config");
        let out = run(dir.path(), &["--config", &file, "config", "check"], &[]);
        let (err, printed) = (text(&out.stderr), text(&out.stdout));
        for secret in ["S3CRET", "123456789012345", "SS@", "CURLYSECRET"] {
            assert!(!err.contains(secret), "{config} printed {secret}: {err}");
            assert!(
                !printed.contains(secret),
                "{config} printed {secret}: {printed}"
            );
        }
        // A number is taken as the secret's text (and printed masked); the others are errors.
        if i != 1 {
            assert_eq!(out.status.code(), Some(2), "{config}: {err}");
            assert!(err.contains(&file), "the file is named: {err}");
        }
    }
}
