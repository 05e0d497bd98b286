//! Bringing history in and out through the real binary: import from the original Django
//! monitor's database (read-only), the app starting from the imported state, export/import
//! round trips on SQLite and PostgreSQL and across them, and bad files rejected whole.

use crate::support;

use chrono::{Duration, Utc};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use std::path::Path;
use support::process::{free_port, Served};
use support::slack::{alerts, field, seconds_of};
use support::{column, eventually, FakeServer, Reply};

const WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// Runs the binary in `dir` with `args` and the database `db`, off the fakes' runtime.
async fn cli(dir: &Path, db: &str, args: &[&str]) -> (bool, String, String) {
    let (dir, db) = (dir.to_path_buf(), db.to_string());
    let args: Vec<String> = ["--config", "watchpost.toml"]
        .iter()
        .chain(args)
        .map(|a| a.to_string())
        .collect();
    let out = actix_web::rt::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::process::run(&dir, &args, &[("DATABASE_URL", &db)])
    })
    .await
    .expect("cli");
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

fn write_config(dir: &Path, target: &FakeServer, slack: &FakeServer) -> std::path::PathBuf {
    let toml = format!(
        "[checks]\ninterval = 0.25\nretries = 1\nfailure_threshold = 2\n[slack]\nwebhook_url = \"{}\"\n\
         [[services]]\nname = \"api\"\nurl = \"{}\"\n[[services]]\nname = \"web\"\nurl = \"{}\"\n",
        slack.url("/hook"),
        target.url("/api"),
        target.url("/web")
    );
    let path = dir.join("watchpost.toml");
    std::fs::write(&path, toml).expect("config");
    path
}

fn django_time(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// The original monitor's tables with 60 days of hourly checks of `api` (down for 3 h twenty
/// days ago and for the last 5 h, an outage still open), a service no longer configured, an
/// incident of each severity and a window in progress.
fn django_fixture(path: &Path) {
    let mut c = SqliteConnection::establish(&path.to_string_lossy()).expect("fixture");
    let ddl = [
        "CREATE TABLE monitoring_healthcheck (id INTEGER PRIMARY KEY AUTOINCREMENT, service_name varchar(100) NOT NULL, status varchar(10) NOT NULL, response_time_ms integer NULL, status_code integer NULL, error_message text NULL, checked_at datetime NOT NULL, created_at datetime NOT NULL)",
        "CREATE TABLE monitoring_outage (id INTEGER PRIMARY KEY AUTOINCREMENT, service_name varchar(100) NOT NULL, start_time datetime NOT NULL, end_time datetime NULL, resolved bool NOT NULL, created_at datetime NOT NULL, updated_at datetime NOT NULL)",
        "CREATE TABLE monitoring_message (id INTEGER PRIMARY KEY AUTOINCREMENT, severity varchar(10) NOT NULL, text text NOT NULL, active bool NOT NULL, created_at datetime NOT NULL, updated_at datetime NOT NULL)",
        "CREATE TABLE monitoring_maintenance (id INTEGER PRIMARY KEY AUTOINCREMENT, title varchar(200) NOT NULL, description text NOT NULL, affected_services varchar(500) NOT NULL, start_time datetime NOT NULL, end_time datetime NOT NULL, active bool NOT NULL, created_at datetime NOT NULL, updated_at datetime NOT NULL)",
    ];
    for sql in ddl {
        diesel::sql_query(sql).execute(&mut c).expect(sql);
    }
    let now = Utc::now();
    let hour = |h: i64| now - Duration::hours(h);
    let old_start = now - Duration::days(20);
    let mut rows = Vec::new();
    for h in (0..60 * 24).rev() {
        let at = hour(h) - Duration::minutes(1);
        let in_old = at >= old_start && at < old_start + Duration::hours(3);
        let down = h < 5 || in_old;
        let (status, code, ms, err) = if down {
            ("down", "503", "120", "'Expected 200, got 503'")
        } else {
            ("up", "200", "80", "NULL")
        };
        rows.push(format!(
            "('api', '{status}', {ms}, {code}, {err}, '{t}', '{t}')",
            t = django_time(at)
        ));
    }
    for h in [3, 2, 1] {
        rows.push(format!(
            "('legacy', 'up', 50, 200, NULL, '{t}', '{t}')",
            t = django_time(hour(h))
        ));
    }
    for chunk in rows.chunks(200) {
        let sql = format!("INSERT INTO monitoring_healthcheck (service_name, status, response_time_ms, status_code, error_message, checked_at, created_at) VALUES {}", chunk.join(","));
        diesel::sql_query(sql).execute(&mut c).expect("checks");
    }
    let open_start = django_time(hour(5) - Duration::minutes(1));
    let inserts = [
        format!("INSERT INTO monitoring_outage (service_name, start_time, end_time, resolved, created_at, updated_at) VALUES ('api', '{s}', '{e}', 1, '{s}', '{e}')", s = django_time(old_start), e = django_time(old_start + Duration::hours(3))),
        format!("INSERT INTO monitoring_outage (service_name, start_time, end_time, resolved, created_at, updated_at) VALUES ('api', '{open_start}', NULL, 0, '{open_start}', '{open_start}')"),
        format!("INSERT INTO monitoring_message (severity, text, active, created_at, updated_at) VALUES ('high', 'API outage', 1, '{t}', '{t}'), ('medium', 'Slow search', 1, '{t}', '{t}'), ('resolved', 'Linker fixed', 0, '{o}', '{t}')", t = django_time(hour(4)), o = django_time(hour(30))),
        format!("INSERT INTO monitoring_maintenance (title, description, affected_services, start_time, end_time, active, created_at, updated_at) VALUES ('Move', 'racks', 'web', '{s}', '{e}', 1, '{s}', '{s}')", s = django_time(hour(1)), e = django_time(now + Duration::hours(2))),
    ];
    for sql in inserts {
        diesel::sql_query(&sql)
            .execute(&mut c)
            .expect("fixture rows");
    }
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

#[actix_web::test]
async fn the_original_monitors_history_is_imported_and_serve_goes_on_from_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    slack.set("/hook", Reply::status(200));
    target.set("/api", Reply::status(503));
    target.set("/web", Reply::status(200));
    let config = write_config(dir.path(), &target, &slack);
    let source = dir.path().join("django.sqlite3");
    django_fixture(&source);
    let before = digest(&source);
    let db = support::sqlite_url(dir.path());
    let url = format!("sqlite://{}", source.display());
    let (ok, out, err) = cli(dir.path(), &db, &["import", "--from-django", &url]).await;
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Imported from the original monitor: health_checks 1443, outages 2, service_states 2, incidents 3, maintenance_windows 1");
    assert!(
        lines[1].starts_with("Outages left open: api since "),
        "{out}"
    );
    assert_eq!(lines[2], "Services not in the configuration: \"legacy\"");
    assert_eq!(digest(&source), before, "the source database was changed");
    let state = "SELECT consecutive_failures || ':' || down_alert_sent || ':' || (outage_start IS NOT NULL) AS v FROM service_states WHERE service_name = 'api'";
    assert_eq!(column(&db, state), [Some("5:1:1".to_string())]);

    // Serve from it: the open outage is in progress, so no down alert; its recovery reports the
    // downtime from the imported start.
    let app = Served::start(dir.path(), &config, free_port()).await;
    let client = awc::Client::default();
    let status = || async {
        let mut resp = client
            .get(format!("{}/api/status", app.base))
            .send()
            .await
            .expect("status");
        serde_json::from_slice::<serde_json::Value>(&resp.body().await.expect("body"))
            .expect("json")
    };
    assert!(
        eventually(WAIT, || async {
            status().await["services"][0]["status"] == "down"
        })
        .await
    );
    let s = status().await;
    assert_eq!(s["overall_status"], "major", "the active high incident");
    let u30 = s["services"][0]["uptime_30d"].as_f64().expect("uptime_30d");
    let u90 = s["services"][0]["uptime_90d"].as_f64().expect("uptime_90d");
    assert!(
        (u30 - 100.0 * (1.0 - 8.0 / 720.0)).abs() < 0.1,
        "uptime_30d {u30}"
    );
    assert!(
        (u90 - 100.0 * (1.0 - 8.0 / 1440.0)).abs() < 0.1,
        "uptime_90d {u90}: 60 days monitored"
    );
    assert_eq!(s["services"][1]["status"], "maintenance");
    target.set("/api", Reply::status(200));
    assert!(
        eventually(WAIT, || async {
            alerts(&slack, "Service Recovered").len() == 1
        })
        .await
    );
    let downtime = seconds_of(&field(&alerts(&slack, "Service Recovered")[0], "Downtime"));
    assert!(
        (downtime - 5 * 3600 - 60).abs() < 120,
        "downtime {downtime}s, expected about 5h 1m"
    );
    assert!(
        alerts(&slack, "Service Down").is_empty(),
        "a second down alert for the imported outage"
    );
    drop(app);
}

async fn round_trip(from: &str, to: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    write_config(dir.path(), &target, &slack);
    let source = dir.path().join("django.sqlite3");
    django_fixture(&source);
    let url = format!("sqlite://{}", source.display());
    assert!(
        cli(dir.path(), from, &["import", "--from-django", &url])
            .await
            .0
    );
    // An operator's incident with hostile text travels too.
    assert!(
        cli(
            dir.path(),
            from,
            &[
                "incident",
                "add",
                "--severity",
                "medium",
                "--text",
                "Quotes \" and <b>tags</b>\nand lines"
            ]
        )
        .await
        .0
    );
    let (ok, first, err) = cli(dir.path(), from, &["export"]).await;
    assert!(ok, "{err}");
    let file = dir.path().join("export.json");
    std::fs::write(&file, &first).expect("write");
    let file = file.to_string_lossy().to_string();
    let (ok, out, err) = cli(dir.path(), to, &["import", "--file", &file]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("Imported health_checks 1443, outages 2, service_states 2, incidents 4, maintenance_windows 1"), "{out}");
    let (_, second, _) = cli(dir.path(), to, &["export"]).await;
    assert_eq!(
        first, second,
        "export → import → export changed the document"
    );
    let (_, again, _) = cli(dir.path(), to, &["import", "--file", &file]).await;
    assert!(
        again.contains("health_checks 0 (1443 already present)"),
        "{again}"
    );
    assert_eq!(
        column(to, "SELECT service_name AS v FROM health_checks").len(),
        1443,
        "a re-import duplicated rows"
    );
    let rolled = column(
        to,
        "SELECT CAST(SUM(checks) AS TEXT) AS v FROM check_rollups",
    );
    assert_eq!(
        rolled,
        vec![Some("1443".to_string())],
        "imported checks are rolled up once, even when imported twice"
    );
}

#[actix_web::test]
async fn export_import_export_is_the_same_document_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (
        format!("sqlite://{}/a.db", dir.path().display()),
        format!("sqlite://{}/b.db", dir.path().display()),
    );
    round_trip(&a, &b).await;
}

#[actix_web::test]
async fn export_import_export_is_the_same_document_on_postgres_and_across() {
    let fresh = || support::fresh_database();
    let Some(pg) = fresh() else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = |name: &str| format!("sqlite://{}/{name}.db", dir.path().display());
    round_trip(&pg, &fresh().expect("database")).await;
    round_trip(&sqlite("to-pg"), &fresh().expect("database")).await;
    round_trip(&fresh().expect("database"), &sqlite("from-pg")).await;
}

#[actix_web::test]
async fn a_bad_file_names_table_row_and_field_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    write_config(dir.path(), &target, &slack);
    let db = support::sqlite_url(dir.path());
    assert!(cli(dir.path(), &db, &["migrate"]).await.0);
    let good = r#"{"service_name":"api","status":"up","status_code":200,"response_time_ms":5,"error_message":null,"checked_at":"2026-11-01T00:00:00Z"}"#;
    let cases = [
        (
            r#"{"checks": []}"#.to_string(),
            "table checks: unknown table",
        ),
        (
            format!(
                r#"{{"health_checks": [{good}, {{"service_name":"api","status":"up","colour":1,"checked_at":"2026-11-01T00:01:00Z"}}]}}"#
            ),
            "table health_checks, row 2: field colour: unknown column",
        ),
        (
            format!(
                r#"{{"health_checks": [{good}, {{"service_name":"api","status":"up","status_code":"abc","checked_at":"2026-11-01T00:01:00Z"}}]}}"#
            ),
            "table health_checks, row 2: field status_code: expected an integer",
        ),
        (
            format!(
                r#"{{"health_checks": [{good}, {{"service_name":"api","status":"sideways","checked_at":"2026-11-01T00:01:00Z"}}]}}"#
            ),
            "table health_checks, row 2: field status: \"sideways\" is not one of up, down",
        ),
        (
            format!(
                r#"{{"health_checks": [{good}], "outages": [{{"service_name":"api","start_time":"2026-11-02T00:00:00Z","end_time":"2026-11-01T00:00:00Z","resolved":true}}]}}"#
            ),
            "table outages, row 1: field end_time: ",
        ),
    ];
    for (text, expected) in cases {
        let file = dir.path().join("bad.json");
        std::fs::write(&file, &text).expect("write");
        let (ok, _, err) = cli(
            dir.path(),
            &db,
            &["import", "--file", &file.to_string_lossy()],
        )
        .await;
        assert!(!ok, "accepted: {text}");
        assert!(err.contains(expected), "{expected:?} not in {err}");
        assert!(err.contains("nothing was imported"), "{err}");
    }
    assert!(
        column(&db, "SELECT service_name AS v FROM health_checks").is_empty(),
        "a bad file wrote rows"
    );
}

#[actix_web::test]
async fn the_original_monitor_on_postgres_is_read_too() {
    let Some(source) = support::fresh_database() else {
        eprintln!("skipped: TEST_DATABASE_URL not set");
        return;
    };
    let mut c = diesel::PgConnection::establish(&source).expect("source");
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let t = |h: i64| (now - Duration::hours(h)).to_rfc3339();
    let statements = [
        "CREATE TABLE monitoring_healthcheck (id SERIAL PRIMARY KEY, service_name varchar(100) NOT NULL, status varchar(10) NOT NULL, response_time_ms integer NULL, status_code integer NULL, error_message text NULL, checked_at timestamp with time zone NOT NULL, created_at timestamp with time zone NOT NULL)".to_string(),
        "CREATE TABLE monitoring_outage (id SERIAL PRIMARY KEY, service_name varchar(100) NOT NULL, start_time timestamp with time zone NOT NULL, end_time timestamp with time zone NULL, resolved boolean NOT NULL, created_at timestamp with time zone NOT NULL, updated_at timestamp with time zone NOT NULL)".to_string(),
        "CREATE TABLE monitoring_message (id SERIAL PRIMARY KEY, severity varchar(10) NOT NULL, text text NOT NULL, active boolean NOT NULL, created_at timestamp with time zone NOT NULL, updated_at timestamp with time zone NOT NULL)".to_string(),
        "CREATE TABLE monitoring_maintenance (id SERIAL PRIMARY KEY, title varchar(200) NOT NULL, description text NOT NULL, affected_services varchar(500) NOT NULL, start_time timestamp with time zone NOT NULL, end_time timestamp with time zone NOT NULL, active boolean NOT NULL, created_at timestamp with time zone NOT NULL, updated_at timestamp with time zone NOT NULL)".to_string(),
        format!("INSERT INTO monitoring_healthcheck (service_name, status, response_time_ms, status_code, error_message, checked_at, created_at) VALUES ('api', 'up', 80, 200, NULL, '{a}', '{a}'), ('api', 'down', NULL, NULL, 'Request timed out', '{b}', '{b}'), ('api', 'down', NULL, 503, 'Expected 200, got 503', '{c}', '{c}')", a = t(3), b = t(2), c = t(1)),
        format!("INSERT INTO monitoring_message (severity, text, active, created_at, updated_at) VALUES ('medium', 'Slow', true, '{a}', '{a}')", a = t(2)),
        format!("INSERT INTO monitoring_maintenance (title, description, affected_services, start_time, end_time, active, created_at, updated_at) VALUES ('Patch', '', 'api, web', '{a}', '{b}', false, '{a}', '{a}')", a = t(10), b = t(9)),
    ];
    for sql in &statements {
        diesel::sql_query(sql).execute(&mut c).expect(sql);
    }
    let dir = tempfile::tempdir().expect("dir");
    let (target, slack) = (FakeServer::start(), FakeServer::start());
    write_config(dir.path(), &target, &slack);
    let db = support::sqlite_url(dir.path());
    let (ok, out, err) = cli(dir.path(), &db, &["import", "--from-django", &source]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("Imported from the original monitor: health_checks 3, outages 0, service_states 1, incidents 1, maintenance_windows 1"), "{out}");
    assert!(out.contains("Outages left open: none"));
    let state =
        "SELECT consecutive_failures || ':' || (outage_start IS NULL) AS v FROM service_states";
    assert_eq!(
        column(&db, state),
        [Some("2:1".to_string())],
        "two downs since the last up, no outage"
    );
    let scope = "SELECT affected_services AS v FROM maintenance_windows";
    assert_eq!(column(&db, scope), [Some("[\"api\",\"web\"]".to_string())]);
    let (_, exported, _) = cli(dir.path(), &db, &["export"]).await;
    let doc: serde_json::Value = serde_json::from_str(&exported).expect("json");
    assert_eq!(
        doc["health_checks"][1]["error_message"],
        "Request timed out"
    );
    assert_eq!(
        doc["health_checks"][0]["checked_at"],
        serde_json::Value::from(
            (now - Duration::hours(3)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        )
    );
}
