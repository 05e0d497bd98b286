//! Property tests of the loader on malformed files (RELIABILITY.md row 6): whatever the file
//! holds, loading never panics, and every problem names the file and, inside it, the field.

use super::*;
use proptest::prelude::*;
use std::io::Write;

const KEYS: [&str; 16] = [
    "interval",
    "retries",
    "retry_delay",
    "failure_threshold",
    "timeout",
    "url",
    "name",
    "method",
    "expected_status",
    "check_type",
    "follow_redirects",
    "fresh_connection",
    "group",
    "colour",
    "webhook_url",
    "bind",
];
const SECTIONS: [&str; 6] = [
    "checks",
    "slack",
    "server",
    "database",
    "status_page",
    "nonsense",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        "[a-z0-9:/. ]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("true".to_string()),
        Just("[1, \"x\"]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("\"250ms\"".to_string()),
        Just("\"-5s\"".to_string()),
        Just("\"http://127.0.0.1:9/\"".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    (prop::sample::select(KEYS.to_vec()), value()).prop_map(|(k, v)| format!("{k} = {v}"))
}

fn table() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        prop::sample::select(SECTIONS.to_vec()).prop_map(|s| format!("[{s}]")),
        Just("[[services]]".to_string()),
    ];
    (header, prop::collection::vec(line(), 0..6))
        .prop_map(|(h, lines)| format!("{h}\n{}\n", lines.join("\n")))
}

fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(table(), 0..5).prop_map(|t| t.concat()),
        1 => "[\\[\\]a-z=\"0-9 \n]{0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_and_names_file_and_field(doc in document()) {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
        f.write_all(doc.as_bytes()).expect("write");
        let opts = LoadOptions {
            file: Some(f.path().to_path_buf()),
            env: Default::default(),
            base_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        };
        let file = f.path().file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if let Err(ConfigErrors(problems)) = load(&opts) {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                // Either the file's own parse error, or a problem placed in a section/field.
                prop_assert!(p.contains(&file) || p.starts_with("configuration:"), "no file in {p:?}");
                let placed = p.contains(": ") && (p.contains('.') || p.contains("unknown key") || p.contains("TOML") || p.contains("expected") || p.contains("services"));
                prop_assert!(placed, "no field in {p:?}");
            }
        }
    }
}
