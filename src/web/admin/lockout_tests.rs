use super::*;

const RULE: Lockout = Lockout {
    attempts: 2,
    window: Duration::from_secs(10),
    duration: Duration::from_secs(60),
};

fn ip(last: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, last])
}

#[test]
fn failures_outside_the_window_are_forgotten() {
    let mut f = Failures::default();
    let t0 = Instant::now();
    assert!(!f.fail(t0, RULE));
    assert!(!f.fail(t0 + Duration::from_secs(11), RULE));
    assert_eq!(f.locked(t0 + Duration::from_secs(11)), None);
    assert!(f.fail(t0 + Duration::from_secs(12), RULE));
    assert!(f.locked(t0 + Duration::from_secs(12)).is_some());
}

#[test]
fn only_failures_make_entries_and_a_success_removes_them() {
    let t0 = Instant::now();
    let mut table = Table::new(CAPACITY, t0);
    assert_eq!(table.locked(ip(1), t0), None);
    table.succeed(ip(1));
    assert!(table.is_empty());
    assert!(!table.fail(ip(1), t0, RULE));
    assert_eq!(table.len(), 1);
    table.succeed(ip(1));
    assert!(table.is_empty());
    assert!(!table.fail(ip(1), t0, RULE), "the count started again");
    assert!(table.fail(ip(1), t0, RULE));
    assert!(table.locked(ip(1), t0).is_some());
}

#[test]
fn lapsed_entries_are_swept() {
    let t0 = Instant::now();
    let mut table = Table::new(CAPACITY, t0);
    for last in 1..=100 {
        table.fail(ip(last), t0, RULE);
    }
    table.fail(ip(200), t0, RULE);
    table.fail(ip(200), t0, RULE);
    assert_eq!(table.len(), 101);
    let later = t0 + Duration::from_secs(30);
    table.fail(ip(201), later, RULE);
    assert_eq!(
        table.len(),
        2,
        "the locked address and the new failure stay"
    );
    assert!(table.locked(ip(200), later).is_some());
    let after = t0 + Duration::from_secs(100);
    table.fail(ip(202), after, RULE);
    assert_eq!(table.len(), 1);
}

#[test]
fn the_table_never_outgrows_its_capacity() {
    let t0 = Instant::now();
    let mut table = Table::new(3, t0);
    table.fail(ip(1), t0, RULE);
    table.fail(ip(1), t0, RULE); // locked
    table.fail(ip(2), t0, RULE);
    table.fail(ip(3), t0 + Duration::from_secs(1), RULE);
    table.fail(ip(4), t0 + Duration::from_secs(2), RULE);
    assert_eq!(table.len(), 3);
    assert!(
        table.locked(ip(1), t0).is_some(),
        "a lock outlives a mere failure"
    );
    assert!(
        !table.entries.contains_key(&ip(2)),
        "the oldest failure made room"
    );
    for last in 5..=50 {
        table.fail(ip(last), t0 + Duration::from_secs(2), RULE);
        assert!(table.len() <= 3);
    }
}

#[test]
fn an_ipv6_client_is_one_identity_per_64() {
    let t0 = Instant::now();
    let mut table = Table::new(CAPACITY, t0);
    let v6 = |text: &str| text.parse::<IpAddr>().expect("ip");
    assert!(!table.fail(v6("2001:db8:1:2::1"), t0, RULE));
    assert!(table.fail(v6("2001:db8:1:2:ffff:1:2:3"), t0, RULE));
    assert!(table.locked(v6("2001:db8:1:2::99"), t0).is_some());
    assert!(table.locked(v6("2001:db8:1:3::1"), t0).is_none());
    assert_eq!(table.len(), 1);
    table.succeed(v6("2001:db8:1:2::42"));
    assert!(table.is_empty(), "a success anywhere in the /64 resets it");
}

#[test]
fn an_ipv4_mapped_client_is_its_ipv4_address() {
    let t0 = Instant::now();
    let mut table = Table::new(CAPACITY, t0);
    let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
    table.fail(mapped, t0, RULE);
    table.fail(ip(1), t0, RULE);
    assert!(table.locked(ip(1), t0).is_some());
    assert!(
        table.locked(ip(2), t0).is_none(),
        "not the whole ::ffff:0:0/96"
    );
    assert_eq!(table.len(), 1);
}

#[test]
fn a_huge_lockout_locks_for_as_long_as_can_be_represented() {
    let t0 = Instant::now();
    let rule = Lockout {
        attempts: 1,
        window: Duration::MAX,
        duration: Duration::MAX,
    };
    let mut table = Table::new(3, t0);
    assert!(table.fail(ip(1), t0, rule));
    let much_later = t0 + Duration::from_secs(100 * 365 * 86_400);
    assert!(table.locked(ip(1), much_later).is_some());
    for last in 2..=10 {
        table.fail(ip(last), t0 + Duration::from_secs(u64::from(last)), rule);
    }
    assert_eq!(table.len(), 3);
}

#[test]
fn a_full_table_is_swept_at_most_once_a_second() {
    let t0 = Instant::now();
    let rule = Lockout {
        attempts: 1,
        ..RULE
    };
    let mut table = Table::new(3, t0);
    for last in 1..=3 {
        table.fail(ip(last), t0, rule);
    }
    let first = t0 + Duration::from_millis(1500);
    table.fail(ip(4), first, rule);
    assert_eq!(table.swept, first, "a full table is swept");
    let soon = first + Duration::from_millis(500);
    table.fail(ip(5), soon, rule);
    assert_eq!(table.swept, first, "swept again within a second");
    assert_eq!(table.len(), 3, "but still evicted");
    assert!(table.locked(ip(5), soon).is_some());
    let later = first + Duration::from_millis(1001);
    table.fail(ip(6), later, rule);
    assert_eq!(table.swept, later);
}
