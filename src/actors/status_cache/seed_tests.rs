use super::*;
use crate::actors::status_cache::StatusUpdate;
use chrono::TimeZone;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, minute, 0)
        .single()
        .expect("time")
}

fn stored(status: &str, code: i32, ms: i32, error: Option<&str>) -> Stored {
    Stored {
        open: None,
        service: "api".into(),
        check: CheckRecord {
            checked_at: at(5),
            status: status.into(),
            status_code: Some(code),
            response_time_ms: Some(ms),
            error_message: error.map(str::to_string),
        },
        degraded_ms: 2000,
    }
}

#[test]
fn an_open_outage_shows_down_with_the_hint_of_the_last_check() {
    let down = Stored {
        open: Some(at(1)),
        ..stored("down", 503, 12, Some("Expected 200, got 503"))
    };
    let view = seeded(&ServiceView::unknown("api"), &down);
    assert_eq!(view.status, ServiceStatus::Down);
    assert_eq!(
        view.detail.as_deref(),
        Some("Unexpected response (HTTP 503)")
    );
    assert_eq!((view.since, view.last_checked), (Some(at(1)), Some(at(5))));
    assert_eq!(view.response_time_ms, Some(12));
}

#[test]
fn an_up_check_shows_up_or_degraded_and_a_blip_unknown() {
    let live = ServiceView::unknown("api");
    let up = seeded(&live, &stored("up", 200, 40, None));
    assert_eq!((up.status, up.detail), (ServiceStatus::Up, None));
    assert_eq!(up.response_time_ms, Some(40));
    let slow = seeded(&live, &stored("up", 200, 2500, None));
    assert_eq!(slow.status, ServiceStatus::Degraded);
    assert_eq!(slow.detail.as_deref(), Some("Slow response"));
    let blip = seeded(
        &live,
        &stored("down", 503, 9, Some("Expected 200, got 503")),
    );
    assert_eq!(blip.status, ServiceStatus::Unknown);
    assert_eq!(blip.last_checked, Some(at(5)));
}

#[actix_web::test]
async fn the_seed_shows_the_stored_state_and_never_overrides_a_cycle() {
    let now = Utc::now();
    let names = ["api".to_string(), "web".to_string()];
    let cache = StatusCache::new(&names);
    let cell = cache.published();
    let cache = cache.start();
    let fresh = StatusUpdate {
        service: "web".into(),
        status: ServiceStatus::Up,
        response_time_ms: Some(7),
        detail: None,
        checked_at: now,
        since: None,
    };
    cache.send(fresh).await.expect("send");
    let api = Stored {
        open: Some(at(1)),
        ..stored("down", 503, 12, Some("Expected 200, got 503"))
    };
    let web = Stored {
        service: "web".into(),
        ..stored("down", 500, 3, Some("Expected 200, got 500"))
    };
    cache.send(Seed(vec![api, web])).await.expect("send");
    let snap = cell.current();
    assert_eq!(snap.services[0].status, ServiceStatus::Down);
    assert_eq!(snap.services[0].since, Some(at(1)));
    assert_eq!(snap.services[1].status, ServiceStatus::Up, "the cycle wins");
    assert_eq!(snap.services[1].response_time_ms, Some(7));
    assert_eq!(snap.status_label, "Partial Outage");
}
