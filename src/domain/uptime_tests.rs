use super::*;
use chrono::TimeZone;

fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
        .single()
        .expect("time")
}

fn span(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Span {
    Span { start, end }
}

#[test]
fn no_outage_is_100_percent_and_no_monitoring_is_no_data() {
    let now = at(25, 12, 0);
    assert_eq!(
        uptime(&[], Some(at(1, 0, 0)), at(24, 12, 0), now),
        Some(100.0)
    );
    assert_eq!(uptime(&[], None, at(24, 12, 0), now), None);
    assert_eq!(format_percent(None), "No data yet");
}

#[test]
fn an_hour_down_in_a_day_is_95_83_percent() {
    let now = at(25, 12, 0);
    let outages = [span(at(25, 1, 0), Some(at(25, 2, 0)))];
    let u = uptime(&outages, Some(at(1, 0, 0)), now - Duration::hours(24), now);
    assert_eq!(format_percent(u), "95.83%");
}

#[test]
fn an_open_outage_counts_until_now() {
    let now = at(25, 12, 0);
    let outages = [span(at(25, 6, 0), None)];
    let u = uptime(&outages, Some(at(1, 0, 0)), now - Duration::hours(24), now);
    assert_eq!(u, Some(75.0));
    let bars = daily_bars(&outages, Some(at(1, 0, 0)), now);
    let today = bars.last().expect("today");
    assert_eq!(today.date, now.date_naive());
    assert_eq!(today.status, DayStatus::Down);
    assert_eq!(today.uptime, Some(50.0), "6 h down of the 12 h so far");
}

#[test]
fn an_outage_spanning_midnight_is_split_between_both_days() {
    let now = at(25, 12, 0);
    let outages = [span(at(23, 23, 0), Some(at(24, 1, 0)))];
    let bars = daily_bars(&outages, Some(at(1, 0, 0)), now);
    let day = |d: u32| {
        bars.iter()
            .find(|b| b.date == at(d, 0, 0).date_naive())
            .expect("day")
    };
    let expected_23 = 100.0 * (24.0 * 60.0 - 60.0) / (24.0 * 60.0);
    assert!((day(23).uptime.expect("23") - expected_23).abs() < 1e-9);
    assert!((day(24).uptime.expect("24") - 100.0 * (23.0 * 60.0) / (24.0 * 60.0)).abs() < 1e-9);
    assert_eq!(day(23).status, DayStatus::Down);
    assert_eq!(day(22).status, DayStatus::Up);
}

#[test]
fn a_short_outage_makes_a_partial_day() {
    let now = at(25, 12, 0);
    let outages = [span(at(24, 10, 0), Some(at(24, 10, 10)))];
    let bars = daily_bars(&outages, Some(at(1, 0, 0)), now);
    assert_eq!(bars[DAYS - 2].status, DayStatus::Partial);
    assert_eq!(bars[DAYS - 1].status, DayStatus::Up);
}

#[test]
fn a_service_monitored_for_ten_days_has_80_days_without_data() {
    let now = at(25, 12, 0);
    // Ten days of data: today and the nine before it.
    let since = at(16, 0, 0);
    let bars = daily_bars(&[], Some(since), now);
    assert_eq!(bars.len(), DAYS);
    let nodata = bars
        .iter()
        .filter(|b| b.status == DayStatus::NoData)
        .count();
    assert_eq!(nodata, 80);
    assert!(bars[..80].iter().all(|b| b.status == DayStatus::NoData));
    assert!(bars[80..].iter().all(|b| b.status == DayStatus::Up));
}

#[test]
fn downtime_before_monitoring_or_outside_the_window_is_ignored() {
    let now = at(25, 12, 0);
    let outages = [span(at(20, 0, 0), Some(at(25, 0, 0)))];
    let u = uptime(&outages, Some(at(24, 12, 0)), now - Duration::days(30), now);
    // Monitored 24 h, of which 12 h were down.
    assert_eq!(u, Some(50.0));
}

#[test]
fn overlapping_outages_count_once() {
    let now = at(25, 12, 0);
    let outages = [
        span(at(25, 0, 0), Some(at(25, 6, 0))),
        span(at(25, 3, 0), None),
    ];
    let u = uptime(&outages, Some(at(25, 0, 0)), at(25, 0, 0), now);
    assert_eq!(u, Some(0.0));
}

#[test]
fn percentages_are_never_rounded_up_to_100() {
    assert_eq!(format_percent(Some(99.9999)), "99.99%");
    assert_eq!(format_percent(Some(100.0)), "100%");
    assert_eq!(mean([Some(100.0), None, Some(50.0)]), Some(75.0));
    assert_eq!(mean([None]), None);
}
