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
