use super::*;
use chrono::{Duration, TimeZone};

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
