use super::*;
use chrono::{Duration, NaiveDate, TimeZone};

fn samples(values: &[u64]) -> Vec<(DateTime<Utc>, u64)> {
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    values
        .iter()
        .enumerate()
        .map(|(i, ms)| (start + Duration::minutes(i as i64), *ms))
        .collect()
}

#[test]
fn resolved_spans_count_whole_units() {
    let cases = [
        (-5, "0s"),
        (0, "0s"),
        (30, "30s"),
        (59, "59s"),
        (60, "1m"),
        (95, "1m"),
        (3599, "59m"),
        (3600, "1h 0m"),
        (3 * 3600 + 5 * 60 + 59, "3h 5m"),
    ];
    for (seconds, text) in cases {
        assert_eq!(resolved_span(seconds), text, "{seconds} s");
    }
}

#[test]
fn a_bar_tooltip_reads_uptime_or_no_data() {
    let date = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let bar = |uptime, status| uptime::DayBar {
        date,
        status,
        uptime,
    };
    assert_eq!(
        bar_title(&bar(Some(99.95), DayStatus::Partial)),
        "2026-11-25: 99.95% uptime"
    );
    assert_eq!(
        bar_title(&bar(Some(100.0), DayStatus::Up)),
        "2026-11-25: 100% uptime"
    );
    assert_eq!(
        bar_title(&bar(None, DayStatus::NoData)),
        "2026-11-25: no data"
    );
}

#[test]
fn fewer_than_two_samples_draw_no_sparkline() {
    for few in [samples(&[]), samples(&[42])] {
        assert!(spark_points(&few).is_empty());
        let html = sparkline(&few).into_string();
        assert!(!html.contains("<svg"), "{html}");
    }
}

#[test]
fn the_area_under_the_line_is_a_closed_path_along_the_points() {
    let two = samples(&[10, 30]);
    let points = spark_points(&two);
    assert_eq!(points, [(0.0, 22.0), (120.0, 2.0)]);
    let area = spark_area(&points).expect("area");
    assert_eq!(area, "M0.0,24.0 L0.0,22.0 L120.0,2.0 L120.0,24.0 Z");
    let html = sparkline(&two).into_string();
    assert!(
        html.contains("<polyline points=\"0.0,22.0 120.0,2.0\""),
        "{html}"
    );
    assert!(html.contains("<title>min 10ms, max 30ms, latest 30ms</title>"));
    assert!(html.contains(&format!("d=\"{area}\"")));
}

#[test]
fn embedded_json_has_no_angle_bracket_or_ampersand_and_decodes_unchanged() {
    let text = "a <!-- b --> </script> & c";
    let json = serde_json::json!({ "name": text }).to_string();
    let safe = crate::web::public::views::script_safe_json(&json);
    assert!(!safe.contains(['<', '>', '&']), "{safe}");
    assert!(safe.contains("\\u003c!--"), "{safe}");
    let back: serde_json::Value = serde_json::from_str(&safe).expect("JSON");
    assert_eq!(back["name"], text);
}
