//! The lockout table: wrong credentials per client address. Only a wrong credential makes an
//! entry; a success removes it; entries whose failures and lock have lapsed are swept, and the
//! table never holds more than [`CAPACITY`] addresses (when full, the entry that matters least
//! makes room: an unlocked one with the oldest failure, else the lock that ends first).
//! An IPv6 client counts as its /64 (one host's usual allocation, so a new address in it is
//! not a new identity); an IPv4-mapped IPv6 address as its IPv4 address.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

/// Most addresses the table tracks (about 200 bytes each).
pub const CAPACITY: usize = 10_000;

/// Least time between two sweeps made to find room in a full table.
const SWEEP_GAP: Duration = Duration::from_secs(1);

/// The identity the lockout counts `client` as: an IPv4 address itself (also when written
/// IPv4-mapped), an IPv6 address its /64 prefix.
pub fn identity(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// `now + span`, or when that cannot be represented the latest instant that can (a huge
/// configured duration locks for as long as the clock can say, instead of panicking).
fn later_by(now: Instant, span: Duration) -> Instant {
    if let Some(at) = now.checked_add(span) {
        return at;
    }
    // Binary descent: each step is added at most once before it is halved.
    let (mut at, mut step) = (now, span);
    while !step.is_zero() {
        match at.checked_add(step) {
            Some(next) => at = next,
            None => step /= 2,
        }
    }
    at
}

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
            self.locked_until = Some(later_by(now, rule.duration));
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
        self.entries.get(&identity(client))?.locked(now)
    }

    /// A success from `client`: its count starts again.
    pub fn succeed(&mut self, client: IpAddr) {
        self.entries.remove(&identity(client));
    }

    /// A wrong credential from `client` at `now`; true when it locks the address. A full
    /// table is swept for room at most once a `SWEEP_GAP` (a table full of live entries
    /// would gain nothing from sweeping for every new address); eviction makes room anyway.
    pub fn fail(&mut self, client: IpAddr, now: Instant, rule: Lockout) -> bool {
        let client = identity(client);
        if now.duration_since(self.swept) > rule.window {
            self.sweep(now, rule);
        }
        if !self.entries.contains_key(&client) && self.entries.len() >= self.capacity {
            if now.duration_since(self.swept) >= SWEEP_GAP {
                self.sweep(now, rule);
            }
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
#[path = "lockout_tests.rs"]
mod tests;
