//! The lockout table: wrong credentials per client address. Only a wrong credential makes an
//! entry; a success removes it; entries whose failures and lock have lapsed are swept, and the
//! table never holds more than [`CAPACITY`] addresses (when full, the entry that matters least
//! makes room: an unlocked one with the oldest failure, else the lock that ends first).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Most addresses the table tracks (about 200 bytes each).
pub const CAPACITY: usize = 10_000;

/// The lockout rule: `attempts` failures within `window` lock an address for `duration`.
#[derive(Clone, Copy, Debug)]
pub struct Lockout {
    /// Failures that lock.
    pub attempts: u32,
    /// Window they must fall in.
    pub window: Duration,
    /// How long the lock lasts.
    pub duration: Duration,
}

/// Failures of one address.
#[derive(Clone, Debug, Default)]
pub struct Failures {
    times: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl Failures {
    /// How long the address is still locked at `now`, if it is.
    pub fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Records a failure at `now`; locks when the rule says so (then returns true).
    pub fn fail(&mut self, now: Instant, rule: Lockout) -> bool {
        self.times.push_back(now);
        self.forget(now, rule);
        if self.times.len() >= rule.attempts as usize {
            self.locked_until = Some(now + rule.duration);
            self.times.clear();
            return true;
        }
        false
    }

    fn forget(&mut self, now: Instant, rule: Lockout) {
        let stale = |t: &Instant| now.duration_since(*t) > rule.window;
        while self.times.front().is_some_and(stale) {
            self.times.pop_front();
        }
    }

    /// True when neither a failure in the window nor a lock is left at `now`.
    fn lapsed(&mut self, now: Instant, rule: Lockout) -> bool {
        self.forget(now, rule);
        self.times.is_empty() && self.locked(now).is_none()
    }
}

/// Failures by address, bounded.
#[derive(Debug)]
pub struct Table {
    entries: HashMap<IpAddr, Failures>,
    capacity: usize,
    swept: Instant,
}

impl Table {
    /// An empty table holding at most `capacity` addresses.
    pub fn new(capacity: usize, now: Instant) -> Self {
        Table {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            swept: now,
        }
    }

    /// Addresses tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no address is tracked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How long `client` is still locked out at `now`, if it is.
    pub fn locked(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        self.entries.get(&client)?.locked(now)
    }

    /// A success from `client`: its count starts again.
    pub fn succeed(&mut self, client: IpAddr) {
        self.entries.remove(&client);
    }

    /// A wrong credential from `client` at `now`; true when it locks the address.
    pub fn fail(&mut self, client: IpAddr, now: Instant, rule: Lockout) -> bool {
        if now.duration_since(self.swept) > rule.window {
            self.sweep(now, rule);
        }
        if !self.entries.contains_key(&client) && self.entries.len() >= self.capacity {
            self.sweep(now, rule);
            if self.entries.len() >= self.capacity {
                self.evict(now);
            }
        }
        self.entries.entry(client).or_default().fail(now, rule)
    }

    fn sweep(&mut self, now: Instant, rule: Lockout) {
        self.entries.retain(|_, f| !f.lapsed(now, rule));
        self.swept = now;
    }

    /// Makes room for one: the unlocked entry with the oldest failure, else the lock that
    /// ends first.
    fn evict(&mut self, now: Instant) {
        let least = self
            .entries
            .iter()
            .min_by_key(|(_, f)| match f.locked(now) {
                None => {
                    let last = f
                        .times
                        .back()
                        .map_or(Duration::MAX, |t| now.duration_since(*t));
                    (0, Duration::MAX - last)
                }
                Some(left) => (1, left),
            });
        let Some(ip) = least.map(|(ip, _)| *ip) else {
            return;
        };
        self.entries.remove(&ip);
    }
}

#[cfg(test)]
mod tests {
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
}
