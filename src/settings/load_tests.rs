use super::*;
use std::io::Write;

fn opts(
    file_text: Option<&str>,
    env: &[(&str, &str)],
) -> (LoadOptions, Option<tempfile::NamedTempFile>) {
    let tmp = file_text.map(|text| {
        let mut f = tempfile::Builder::new()
            .suffix(".toml")
            .tempfile()
            .expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    });
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let base_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    (
        LoadOptions {
            file: tmp.as_ref().map(|f| f.path().to_path_buf()),
            env,
            base_dir,
        },
        tmp,
    )
}

#[test]
fn defaults_are_sefarias_four_services() {
    let (o, _f) = opts(None, &[]);
    let s = load(&o).expect("defaults load");
    let names: Vec<_> = s.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["sefaria.org", "MCP Server", "AI Chatbot", "Linker"]);
    let linker = &s.services[3];
    assert_eq!(linker.expected_status, 202);
    assert_eq!(
        linker.request_body,
        Some(serde_json::json!({"text": {"title": "", "body": "Job 1:1"}}))
    );
    assert_eq!(
        linker.async_verification().map(|a| a.max_poll_attempts),
        Some(10)
    );
    assert_eq!(s.services[1].failure_threshold, 4);
    assert_eq!(s.services[0].retries, 3);
    assert_eq!(s.server.bind.to_string(), "127.0.0.1:8000");
}

#[test]
fn user_services_replace_defaults_and_env_overrides() {
    let text = "[checks]\ninterval = 0.5\n[[services]]\nname = \"api\"\nurl = \"http://127.0.0.1:9/x\"\nretry_delay = \"250ms\"\n";
    let env = [
        ("HEALTH_CHECK_RETRIES", "5"),
        ("DATABASE_URL", "postgres://u@h/db"),
        ("PORT", "9000"),
    ];
    let (o, _f) = opts(Some(text), &env);
    let s = load(&o).expect("valid");
    assert_eq!(s.services.len(), 1);
    let api = &s.services[0];
    assert_eq!(api.interval.0, std::time::Duration::from_millis(500));
    assert_eq!(api.retry_delay.0, std::time::Duration::from_millis(250));
    assert_eq!(api.retries, 5);
    assert_eq!(api.expected_status, 200);
    assert_eq!(s.database.url.expose(), "postgres://u@h/db");
    assert_eq!(s.server.bind.port(), 9000);
}

#[test]
fn service_url_variables_override_shipped_services() {
    let (o, _f) = opts(
        None,
        &[
            ("MCP_HEALTH_URL", "http://127.0.0.1:1/mcp"),
            ("WATCHPOST__CHECKS__RETENTION_DAYS", "7"),
        ],
    );
    let s = load(&o).expect("valid");
    assert_eq!(s.services[1].url.as_str(), "http://127.0.0.1:1/mcp");
    assert_eq!(s.checks.retention_days, 7);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"
bogus = 1
[checks]
failure_threshold = 0
[[services]]
name = "a"
url = "not a url"
timeout = "abc"
colour = "red"
[[services]]
name = "a"
url = "http://127.0.0.1/"
[[services]]
name = "job"
url = "http://127.0.0.1/job"
check_type = "async_two_phase"
"#;
    let (o, f) = opts(Some(text), &[]);
    let errors = load(&o).expect_err("invalid").0;
    let all = errors.join("\n");
    let path = f.as_ref().expect("file").path().to_path_buf();
    let file = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    for needle in [
        "unknown key `bogus`",
        "checks.failure_threshold: must be at least 1",
        "services[0] (\"a\").timeout",
        "invalid duration \"abc\"",
        "services[0] (\"a\").colour",
        "duplicate service name \"a\"",
        "async_verification: required",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    assert!(all.contains(&file), "file not named in:\n{all}");
}

#[test]
fn bad_url_is_named() {
    let text = "[[services]]\nname = \"a\"\nurl = \"ftp://x\"\n";
    let (o, _f) = opts(Some(text), &[]);
    let all = load(&o).expect_err("invalid").0.join("\n");
    assert!(
        all.contains("services[0] (\"a\").url: \"ftp://x\" is not an http"),
        "{all}"
    );
}

#[test]
fn groups_are_trimmed_optional_and_printed() {
    let text =
        "[[services]]\nname = \"a\"\nurl = \"http://127.0.0.1/a\"\ngroup = \"  Payments \"\n\
                [[services]]\nname = \"b\"\nurl = \"http://127.0.0.1/b\"\n";
    let (o, _f) = opts(Some(text), &[]);
    let s = load(&o).expect("valid");
    assert_eq!(s.services[0].group.as_deref(), Some("Payments"));
    assert_eq!(s.services[1].group, None, "no group unless one is written");
    let printed = s.to_masked_toml().expect("toml");
    assert!(printed.contains("group = \"Payments\""), "{printed}");
    assert_eq!(printed.matches("group =").count(), 1, "{printed}");
}

#[test]
fn bad_groups_are_reported_with_every_other_problem() {
    let long = "g".repeat(101);
    let text = format!(
        "[[services]]\nname = \"blank\"\nurl = \"http://127.0.0.1/\"\ngroup = \"   \"\n\
         [[services]]\nname = \"long\"\nurl = \"http://127.0.0.1/\"\ngroup = \"{long}\"\n\
         [[services]]\nname = \"typed\"\nurl = \"http://127.0.0.1/\"\ngroup = [1]\n\
         [[services]]\nname = \"edge\"\nurl = \"http://127.0.0.1/\"\ngroup = \"{}\"\n\
         [[services]]\nname = \"other\"\nurl = \"ftp://x\"\n",
        "é".repeat(100)
    );
    let (o, _f) = opts(Some(&text), &[]);
    let all = load(&o).expect_err("invalid").0.join("\n");
    for needle in [
        "services[0] (\"blank\").group: must not be empty",
        "services[1] (\"long\").group: 101 characters, at most 100",
        "services[2] (\"typed\").group",
        "services[4] (\"other\").url",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    assert!(
        !all.contains("\"edge\""),
        "100 characters are allowed:\n{all}"
    );
}

#[test]
fn masked_output_hides_the_webhook() {
    let (o, _f) = opts(
        None,
        &[(
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T0/B0/secret",
        )],
    );
    let text = load(&o).expect("valid").to_masked_toml().expect("toml");
    assert!(text.contains("https://hooks.slack.com/***"), "{text}");
    assert!(!text.contains("B0/secret"), "{text}");
}

#[test]
fn yaml_files_use_the_same_keys() {
    let mut f = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile()
        .expect("temp file");
    let yaml = "checks:\n  interval: \"250ms\"\nservices:\n  - name: api\n    url: http://127.0.0.1:9/\n    failure_threshold: 4\n";
    f.write_all(yaml.as_bytes()).expect("write");
    let base_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let o = LoadOptions {
        file: Some(f.path().to_path_buf()),
        env: HashMap::new(),
        base_dir,
    };
    let s = load(&o).expect("valid yaml");
    assert_eq!(s.services.len(), 1);
    assert_eq!(s.services[0].failure_threshold, 4);
    assert_eq!(
        s.services[0].interval.0,
        std::time::Duration::from_millis(250)
    );
}

#[test]
fn missing_file_is_named() {
    let o = LoadOptions {
        file: Some(PathBuf::from("/nonexistent/watchpost.toml")),
        ..Default::default()
    };
    let all = load(&o).expect_err("missing").0.join("\n");
    assert!(all.contains("/nonexistent/watchpost.toml"), "{all}");
}

#[test]
fn services_are_checked_even_when_checks_is_bad() {
    let text = "[checks]\nretries = \"three\"\n[[services]]\nname = \"api\"\nurl = \"ftp://x\"\n";
    let (o, _f) = opts(Some(text), &[]);
    let all = load(&o).expect_err("invalid").0.join("\n");
    assert!(all.contains("checks.retries"), "{all}");
    assert!(all.contains("services[0] (\"api\").url"), "{all}");
}

#[test]
fn a_users_status_page_replaces_the_shipped_branding_whole() {
    let (o, _f) = opts(Some("[status_page]\ntitle = \"Acme\"\n"), &[]);
    let page = load(&o).expect("valid").status_page;
    assert_eq!(page.title, "Acme");
    assert_eq!((page.logo_url.as_str(), page.home_url.as_str()), ("", ""));
    assert!(page.links.is_empty());
    let (o, _f) = opts(None, &[("STATUS_PAGE_URL", "https://status.example.org")]);
    let page = load(&o).expect("valid").status_page;
    assert_eq!(page.url, "https://status.example.org");
    assert_eq!(page.title, "Sefaria Status");
    assert_eq!(page.links.len(), 3);
}

#[test]
fn forwarding_header_and_lockout_bounds_are_checked_with_the_rest() {
    let text = r#"
[server]
forwarded_header = "x-real-ip"
[checks]
failure_threshold = 0
[admin]
lockout_window = "745h"
lockout_duration = 2678400
"#;
    let (o, _f) = opts(Some(text), &[]);
    let all = load(&o).expect_err("invalid").0.join("\n");
    for needle in [
        "server.forwarded_header: \"x-real-ip\" is neither",
        "checks.failure_threshold: must be at least 1",
        "admin.lockout_window: at most 30 days",
        "admin.lockout_duration: at most 30 days",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    let text = "[server]\nforwarded_header = \"forwarded\"\n[admin]\nlockout_duration = \"720h\"\n";
    let (o, _f) = opts(Some(text), &[]);
    let s = load(&o).expect("valid");
    assert_eq!(
        s.server.forwarded_header,
        crate::settings::ForwardedHeader::Forwarded
    );
    assert_eq!(s.admin.lockout_duration.0.as_secs(), 30 * 86_400);
}
