//! When the StatusCache rebuilds its snapshot: soon after a change when a build is cheap, and
//! only once the old one has lived a few build times when it is costly, so rebuilding never
//! takes more than a fraction of the actor's time however often services change.

use std::time::Duration;

/// A snapshot older than this is rebuilt even without a change.
pub const REBUILD_AFTER: Duration = Duration::from_secs(15);
/// A snapshot that builds faster than this is rebuilt at the first read after any change.
pub const CHEAP_BUILD: Duration = Duration::from_millis(20);
/// A costlier one (hundreds of services) is rebuilt once it is this many times as old as its
/// last build took: rebuilding then takes at most a fifth of the actor's time however often
/// services change, and the page is at most a few build times stale.
pub const REBUILD_COST_FACTOR: u32 = 4;

/// Whether a snapshot of `age`, whose build took `cost`, is rebuilt now.
pub fn rebuild_due(dirty: bool, age: Duration, cost: Duration) -> bool {
    let settled = cost < CHEAP_BUILD || age >= cost * REBUILD_COST_FACTOR;
    age >= REBUILD_AFTER || (dirty && settled)
}

/// How long after a change, with the snapshot `age` old and its build `cost`, the rebuild is
/// due (zero: now).
pub fn rebuild_wait(age: Duration, cost: Duration) -> Duration {
    if cost < CHEAP_BUILD {
        return Duration::ZERO;
    }
    let settled = (cost * REBUILD_COST_FACTOR).saturating_sub(age);
    settled.min(REBUILD_AFTER.saturating_sub(age))
}

/// How often the clock is checked for a snapshot older than [`REBUILD_AFTER`].
pub(super) const CLOCK_TICK: Duration = Duration::from_secs(1);
