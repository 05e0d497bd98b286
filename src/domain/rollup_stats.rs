//! Figures from hourly rollups: per-hour tallies merged into days (or any span), availability
//! (checks that found the service up) and response-time estimates from the cumulative
//! histogram. Percentiles are upper bounds: the bound of the bucket holding the rank, never
//! above the slowest response seen.

use chrono::{NaiveDate, NaiveDateTime};

/// Upper bounds (ms) of the cumulative response-time buckets.
pub const BUCKETS_MS: [u32; 7] = [50, 100, 250, 500, 1000, 2500, 5000];

/// What a span of checks adds up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Checks stored.
    pub checks: u64,
    /// Of which down.
    pub failures: u64,
    /// Checks with a response time.
    pub latency_count: u64,
    /// Sum of those response times (ms).
    pub latency_sum_ms: u64,
    /// Fastest (ms).
    pub latency_min_ms: Option<u32>,
    /// Slowest (ms).
    pub latency_max_ms: Option<u32>,
    /// Checks answered within each of [`BUCKETS_MS`] (cumulative).
    pub within: [u64; 7],
}

impl Tally {
    /// Adds `other` to this tally.
    pub fn merge(&mut self, other: &Tally) {
        self.checks += other.checks;
        self.failures += other.failures;
        self.latency_count += other.latency_count;
        self.latency_sum_ms += other.latency_sum_ms;
        self.latency_min_ms = smaller(self.latency_min_ms, other.latency_min_ms);
        self.latency_max_ms = self.latency_max_ms.max(other.latency_max_ms);
        for (mine, theirs) in self.within.iter_mut().zip(other.within) {
            *mine += theirs;
        }
    }

    /// Percent of checks that found the service up; none without checks.
    pub fn availability(&self) -> Option<f64> {
        (self.checks > 0).then(|| {
            let up = self.checks.saturating_sub(self.failures);
            (up as f64 * 100.0 / self.checks as f64 * 1000.0).round() / 1000.0
        })
    }

    /// Mean response time (ms, one decimal).
    pub fn mean_ms(&self) -> Option<f64> {
        (self.latency_count > 0)
            .then(|| (self.latency_sum_ms as f64 / self.latency_count as f64 * 10.0).round() / 10.0)
    }

    /// An upper bound of the `p`-th percentile (0–100) of the response times.
    pub fn percentile_ms(&self, p: f64) -> Option<u32> {
        let max = self.latency_max_ms?;
        if self.latency_count == 0 {
            return None;
        }
        let rank = (p.clamp(0.0, 100.0) / 100.0 * self.latency_count as f64).ceil() as u64;
        let rank = rank.max(1);
        let bucket = BUCKETS_MS
            .iter()
            .zip(self.within)
            .find(|(_, within)| *within >= rank)
            .map(|(bound, _)| *bound);
        Some(bucket.map_or(max, |bound| bound.min(max)))
    }
}

fn smaller(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Hourly tallies (any order) merged into UTC days, oldest first.
pub fn by_day(hours: &[(NaiveDateTime, Tally)]) -> Vec<(NaiveDate, Tally)> {
    let mut days: std::collections::BTreeMap<NaiveDate, Tally> = Default::default();
    for (hour, tally) in hours {
        days.entry(hour.date()).or_default().merge(tally);
    }
    days.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(checks: u64, failures: u64, latencies: &[u32]) -> Tally {
        let mut t = Tally {
            checks,
            failures,
            ..Tally::default()
        };
        for &ms in latencies {
            t.merge(&Tally {
                latency_count: 1,
                latency_sum_ms: u64::from(ms),
                latency_min_ms: Some(ms),
                latency_max_ms: Some(ms),
                within: BUCKETS_MS.map(|b| u64::from(ms <= b)),
                ..Tally::default()
            });
        }
        t
    }

    #[test]
    fn merging_adds_counts_and_widens_min_and_max() {
        let mut a = tally(3, 1, &[40, 120]);
        a.merge(&tally(2, 0, &[10, 900]));
        assert_eq!((a.checks, a.failures, a.latency_count), (5, 1, 4));
        assert_eq!((a.latency_min_ms, a.latency_max_ms), (Some(10), Some(900)));
        assert_eq!(a.within, [2, 2, 3, 3, 4, 4, 4]);
        assert_eq!(a.latency_sum_ms, 1070);
        assert_eq!(a.mean_ms(), Some(267.5));
        let mut empty = Tally::default();
        empty.merge(&Tally::default());
        assert_eq!(empty.latency_min_ms, None);
    }

    #[test]
    fn availability_is_the_share_of_up_checks() {
        assert_eq!(tally(4, 1, &[]).availability(), Some(75.0));
        assert_eq!(tally(3, 1, &[]).availability(), Some(66.667));
        assert_eq!(tally(0, 0, &[]).availability(), None);
    }

    #[test]
    fn percentiles_are_bucket_bounds_capped_by_the_slowest() {
        let t = tally(10, 0, &[10, 20, 30, 40, 60, 70, 80, 90, 300, 7000]);
        assert_eq!(t.percentile_ms(10.0), Some(50));
        assert_eq!(t.percentile_ms(50.0), Some(100));
        assert_eq!(t.percentile_ms(90.0), Some(500));
        assert_eq!(t.percentile_ms(99.0), Some(7000));
        let fast = tally(2, 0, &[3, 4]);
        assert_eq!(fast.percentile_ms(95.0), Some(4));
        assert_eq!(tally(1, 1, &[]).percentile_ms(50.0), None);
    }

    #[test]
    fn hours_fold_into_their_utc_days() {
        let at = |d, h| {
            NaiveDate::from_ymd_opt(2026, 11, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("time")
        };
        let hours = [
            (at(21, 0), tally(1, 0, &[5])),
            (at(20, 23), tally(2, 1, &[])),
            (at(20, 0), tally(3, 0, &[])),
        ];
        let days = by_day(&hours);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].0, at(20, 0).date());
        assert_eq!((days[0].1.checks, days[0].1.failures), (5, 1));
        assert_eq!(days[1].1.checks, 1);
    }
}
