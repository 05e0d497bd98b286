use super::*;
use chrono::{Duration, TimeZone};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("time")
}

#[test]
fn percentile_is_nearest_rank() {
    let values: Vec<u64> = (1..=100).collect();
    assert_eq!(percentile(&values, 50.0), Some(50));
    assert_eq!(percentile(&values, 95.0), Some(95));
    assert_eq!(percentile(&values, 100.0), Some(100));
    assert_eq!(percentile(&values, 0.0), Some(1));
    assert_eq!(percentile(&[7], 50.0), Some(7));
    assert_eq!(percentile(&[7], 95.0), Some(7));
    assert_eq!(percentile(&[10, 20], 50.0), Some(10));
    assert_eq!(percentile(&[10, 20], 95.0), Some(20));
    assert_eq!(percentile(&[], 50.0), None);
}

#[test]
fn latency_sorts_before_ranking() {
    let latency = Latency::of(vec![900, 10, 30, 20, 40, 50, 60, 70, 80, 90]);
    assert_eq!(latency.p50, Some(50));
    assert_eq!(latency.p95, Some(900));
    assert_eq!(
        Latency::of(Vec::new()),
        Latency {
            p50: None,
            p95: None
        }
    );
}

#[test]
fn times_parse_as_rfc_3339_and_errors_name_the_parameter() {
    assert_eq!(parse_time("since", None), Ok(None));
    assert_eq!(parse_time("since", Some("")), Ok(None));
    assert_eq!(
        parse_time("since", Some("2023-11-14T22:13:20Z")),
        Ok(Some(at(0)))
    );
    assert_eq!(
        parse_time("until", Some("2023-11-15T00:13:20+02:00")),
        Ok(Some(at(0)))
    );
    // A `+` left unencoded in a query string arrives as a space.
    assert_eq!(
        parse_time("until", Some("2023-11-15T00:13:20 02:00")),
        Ok(Some(at(0)))
    );
    assert_eq!(
        parse_time("since", Some("yesterday")),
        Err("since: not an RFC 3339 time".to_string())
    );
    assert_eq!(
        parse_time("until", Some("2023-11-14")),
        Err("until: not an RFC 3339 time".to_string())
    );
}

#[test]
fn limit_defaults_caps_and_rejects_zero_and_words() {
    assert_eq!(parse_limit(None), Ok(DEFAULT_LIMIT));
    assert_eq!(parse_limit(Some("2")), Ok(2));
    assert_eq!(parse_limit(Some("1000")), Ok(1000));
    assert_eq!(parse_limit(Some("5000")), Ok(MAX_LIMIT));
    assert_eq!(parse_limit(Some("99999999999999999999999")), Ok(MAX_LIMIT));
    for bad in ["0", "00", "-1", "ten", "", "1.5"] {
        let err = parse_limit(Some(bad)).expect_err(bad);
        assert!(err.starts_with("limit: "), "{bad}: {err}");
    }
}

fn check(secs: i64) -> CheckRecord {
    CheckRecord {
        checked_at: at(secs),
        status: "up".into(),
        status_code: Some(200),
        response_time_ms: Some(12),
        error_message: None,
    }
}

#[test]
fn a_full_page_says_where_the_next_one_ends() {
    let full = ChecksPageView::new(vec![check(3), check(2)], 2);
    assert_eq!(full.next_until, Some(at(2)));
    assert_eq!(full.checks.len(), 2);
    let partial = ChecksPageView::new(vec![check(3)], 2);
    assert_eq!(partial.next_until, None);
    let json = serde_json::to_value(&full).expect("json");
    assert_eq!(json["next_until"], "2023-11-14T22:13:22Z");
    assert_eq!(json["checks"][0]["checked_at"], "2023-11-14T22:13:23Z");
    assert_eq!(json["checks"][0]["status_code"], 200);
    assert!(json["checks"][0]["detail"].is_null());
}

#[test]
fn outages_last_until_now_while_open_and_name_their_service_on_request() {
    let now = at(600);
    let open = OutageRecord {
        service: "api".into(),
        start: at(0),
        end: None,
        resolved: false,
        resolved_by: None,
    };
    let view = OutageView::new(open.clone(), now, false);
    assert_eq!(view.duration_seconds, 600);
    let json = serde_json::to_value(&view).expect("json");
    assert!(json.get("service").is_none());
    assert!(json["end"].is_null());
    let closed = OutageRecord {
        end: Some(at(90)),
        resolved: true,
        resolved_by: Some("auto".into()),
        ..open
    };
    let view = OutageView::new(closed, now + Duration::hours(1), true);
    assert_eq!(view.duration_seconds, 90);
    let json = serde_json::to_value(&view).expect("json");
    assert_eq!(json["service"], "api");
    assert_eq!(json["resolved_by"], "auto");
}

#[test]
fn service_detail_names_the_uptime_windows() {
    let mut view = ServiceView::unknown("api");
    view.uptime_24h = Some(100.0);
    view.uptime_30d = Some(99.5);
    let detail = ServiceDetailView::new(&view, Latency::of(vec![5]), Some(at(0)), Vec::new());
    let json = serde_json::to_value(&detail).expect("json");
    assert_eq!(json["uptime"]["24h"], 100.0);
    assert_eq!(json["uptime"]["30d"], 99.5);
    assert!(json["uptime"]["7d"].is_null());
    assert_eq!(json["latency_ms"]["p50"], 5);
    assert_eq!(json["open_outage"]["start"], "2023-11-14T22:13:20Z");
    assert_eq!(json["status"], "unknown");
}

#[test]
fn history_resolution_is_hours_or_days_within_bounds() {
    assert_eq!(parse_resolution(None, None), Ok(Resolution::Hours(48)));
    assert_eq!(parse_resolution(Some("6"), None), Ok(Resolution::Hours(6)));
    assert_eq!(
        parse_resolution(None, Some(" 90 ")),
        Ok(Resolution::Days(90))
    );
    assert_eq!(
        parse_resolution(Some("744"), None),
        Ok(Resolution::Hours(744))
    );
    for (hours, days, param) in [
        (Some("0"), None, "hours"),
        (Some("745"), None, "hours"),
        (Some("-1"), None, "hours"),
        (None, Some("401"), "days"),
        (None, Some("many"), "days"),
        (Some("1"), Some("1"), "hours, days"),
    ] {
        let error = parse_resolution(hours, days).expect_err("rejected");
        assert!(error.starts_with(&format!("{param}: ")), "{error}");
    }
}

#[test]
fn history_starts_at_the_first_hour_or_day_counted() {
    let now = DateTime::parse_from_rfc3339("2026-11-25T10:42:05Z")
        .expect("time")
        .with_timezone(&Utc);
    let at = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .expect("t")
            .with_timezone(&Utc)
    };
    assert_eq!(Resolution::Hours(1).since(now), at("2026-11-25T10:00:00Z"));
    assert_eq!(Resolution::Hours(48).since(now), at("2026-11-23T11:00:00Z"));
    assert_eq!(Resolution::Days(1).since(now), at("2026-11-25T00:00:00Z"));
    assert_eq!(Resolution::Days(30).since(now), at("2026-10-27T00:00:00Z"));
}
