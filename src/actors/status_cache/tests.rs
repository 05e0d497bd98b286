use super::*;
use crate::db::history::SAMPLES;
use crate::domain::uptime::Span;
use chrono::{Duration as Age, TimeZone};

/// The published snapshot once `ready` holds (a read of a stale snapshot wakes the cache,
/// which rebuilds it: the next reads see it).
pub(crate) async fn published_when(
    cell: &Current,
    ready: impl Fn(&Snapshot) -> bool,
) -> Arc<Snapshot> {
    for _ in 0..200 {
        let snap = cell.current();
        if ready(&snap) {
            return snap;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    cell.current()
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, minute, 0)
        .single()
        .expect("time")
}

fn update(minute: u32, ms: Option<u64>, since: Option<DateTime<Utc>>) -> StatusUpdate {
    StatusUpdate {
        service: "api".into(),
        status: if since.is_some() {
            ServiceStatus::Down
        } else {
            ServiceStatus::Up
        },
        response_time_ms: ms,
        detail: None,
        checked_at: at(minute),
        since,
    }
}

#[test]
fn samples_keep_the_newest_forty() {
    let mut h = History::default();
    for i in 0..50 {
        remember(&mut h, &update(i, Some(u64::from(i)), None));
    }
    assert_eq!(h.samples.len(), SAMPLES);
    assert_eq!(h.samples.first().map(|s| s.1), Some(10));
    assert_eq!(h.samples.last().map(|s| s.1), Some(49));
    assert_eq!(h.monitored_since, Some(at(0)));
}

#[test]
fn an_outage_opens_when_confirmed_and_closes_at_the_first_up_cycle() {
    let mut h = History::default();
    remember(&mut h, &update(1, Some(10), None));
    remember(&mut h, &update(3, None, Some(at(2))));
    remember(&mut h, &update(4, None, Some(at(2))));
    assert_eq!(
        h.outages,
        [Span {
            start: at(2),
            end: None
        }]
    );
    remember(&mut h, &update(5, Some(12), None));
    assert_eq!(
        h.outages,
        [Span {
            start: at(2),
            end: Some(at(5))
        }]
    );
    // A different outage (the first was resolved by hand) closes the old one at once.
    remember(&mut h, &update(7, None, Some(at(6))));
    remember(&mut h, &update(9, None, Some(at(8))));
    assert_eq!(
        h.outages[1],
        Span {
            start: at(6),
            end: Some(at(9))
        }
    );
    assert_eq!(
        h.outages[2],
        Span {
            start: at(8),
            end: None
        }
    );
}

#[actix_web::test]
async fn the_snapshot_follows_updates_and_maintenance() {
    let page = Arc::new(
        crate::settings::load(&crate::settings::LoadOptions::default())
            .expect("defaults")
            .status_page,
    );
    let cache = StatusCache::new(&["api".into(), "web".into()]);
    let cell = cache.published();
    let cache = cache.start();
    cache.send(update(1, Some(42), None)).await.expect("send");
    let snap = published_when(&cell, |s| s.services[0].status == ServiceStatus::Up).await;
    assert_eq!(snap.services[0].status, ServiceStatus::Up);
    assert_eq!(snap.services[0].uptime_24h, Some(100.0));
    assert_eq!(snap.services[1].status, ServiceStatus::Unknown);
    let html = crate::web::public::pages::page(&snap, &page);
    assert!(String::from_utf8_lossy(&html.body).contains("data-service=\"api\""));
    let window = crate::domain::notices::Maintenance {
        id: 1,
        title: "Upgrade".into(),
        description: String::new(),
        services: vec!["web".into()],
        start: Utc::now() - Age::minutes(1),
        end: Utc::now() + Age::minutes(30),
    };
    let notices = Notices {
        maintenance: vec![window],
        ..Notices::default()
    };
    cache.send(NoticesLoaded(notices)).await.expect("send");
    let snap = published_when(&cell, |s| {
        s.services[1].status == ServiceStatus::Maintenance
    })
    .await;
    assert_eq!(snap.services[1].status, ServiceStatus::Maintenance);
    assert_eq!(
        snap.services[1].detail.as_deref(),
        Some("Under maintenance")
    );
    assert_eq!(
        snap.overall_status,
        crate::domain::status::OverallStatus::Maintenance
    );
}

#[test]
fn a_costly_snapshot_is_rebuilt_at_most_a_fifth_of_the_time() {
    let ms = Duration::from_millis;
    assert!(
        rebuild_due(true, ms(5), ms(1)),
        "a cheap build follows every change"
    );
    assert!(
        !rebuild_due(true, ms(100), ms(40)),
        "a 40 ms build waits 160 ms"
    );
    assert!(rebuild_due(true, ms(160), ms(40)));
    assert!(!rebuild_due(false, ms(1000), ms(1)), "nothing changed");
    assert!(
        rebuild_due(false, REBUILD_AFTER, ms(1)),
        "uptimes follow the clock"
    );
}

#[test]
fn a_change_waits_until_its_rebuild_is_due() {
    let ms = Duration::from_millis;
    assert_eq!(rebuild_wait(ms(5), ms(1)), Duration::ZERO, "cheap: at once");
    assert_eq!(
        rebuild_wait(ms(100), ms(40)),
        ms(60),
        "costly: at four build times"
    );
    assert_eq!(rebuild_wait(ms(200), ms(40)), Duration::ZERO);
    assert_eq!(
        rebuild_wait(REBUILD_AFTER - ms(10), Duration::from_secs(5)),
        ms(10),
        "never past the clock's limit"
    );
}
