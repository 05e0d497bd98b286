use super::*;
use crate::store::changes::FieldError;

fn known() -> Vec<String> {
    vec!["api".into(), "web".into()]
}

#[test]
fn a_valid_window_gives_its_times() {
    let (s, e) = validate(
        "Upgrade",
        &["api".into()],
        "2026-12-01T02:00Z",
        "2026-12-01T04:00Z",
        &known(),
    )
    .expect("valid");
    assert_eq!((e - s).num_hours(), 2);
}

#[test]
fn every_problem_is_named() {
    let Err(ChangeError::Invalid(errors)) = validate(
        " ",
        &["api".into(), "db".into()],
        "soon",
        "2026-12-01T04:00Z",
        &known(),
    ) else {
        panic!("expected invalid");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "services", "start"]);
    assert_eq!(
        errors[1].message,
        "unknown service(s) \"db\"; configured: \"api\", \"web\""
    );
}

#[test]
fn the_end_must_follow_the_start() {
    let Err(ChangeError::Invalid(errors)) =
        validate("x", &[], "2026-12-01T04:00Z", "2026-12-01T04:00Z", &known())
    else {
        panic!("expected invalid");
    };
    assert_eq!(errors, [FieldError::new("end", "must be after start")]);
}

#[test]
fn years_outside_1_to_9999_are_refused() {
    for (start, end, field) in [
        ("9999-12-31T00:00Z", "+10000-01-01T00:00Z", "end"),
        ("0000-06-01T00:00Z", "2026-01-01T00:00Z", "start"),
    ] {
        let Err(ChangeError::Invalid(errors)) = validate("x", &[], start, end, &known()) else {
            panic!("{start}..{end} accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, [field], "{errors:?}");
    }
}

#[test]
fn a_stored_window_serializes_flat_with_the_windows_fields_first() {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    let stored = Window {
        window: Maintenance {
            id: 3,
            title: "Upgrade".into(),
            description: String::new(),
            services: vec!["api".into()],
            start: at,
            end: at,
        },
        active: true,
        created_at: at,
        updated_at: at,
    };
    let json = serde_json::to_string(&stored).expect("json");
    let t = "\"2026-12-01T02:00:00Z\"";
    assert_eq!(
        json,
        format!(
            "{{\"id\":3,\"title\":\"Upgrade\",\"description\":\"\",\"services\":[\"api\"],\
             \"start\":{t},\"end\":{t},\"active\":true,\"created_at\":{t},\"updated_at\":{t}}}"
        )
    );
}
