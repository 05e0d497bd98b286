//! Check rows as Watchpost writes them, generated deterministically for the database benches:
//! mostly up (200, tens of milliseconds), one in a hundred down with an error text; times with
//! nanoseconds, as `Utc::now()` gives them.

use chrono::{Duration, NaiveDateTime};
use watchpost::db::models::{NewHealthCheck, WriteOp};

/// The name of service `i` (as the load harness's configuration names it).
pub fn service_name(i: usize) -> String {
    format!("service-{i:05}")
}

/// The check of `service` at `at`; `seq` picks the outcome and the sub-millisecond part.
pub fn check(service: &str, at: NaiveDateTime, seq: u64) -> WriteOp {
    let noise = splitmix(seq);
    let at = at + Duration::nanoseconds(i64::try_from(noise % 1_000_000).unwrap_or(0));
    let down = noise % 100 == 7;
    let ms = i32::try_from(15 + (noise >> 20) % 300).unwrap_or(100);
    WriteOp::Check(NewHealthCheck {
        service_name: service.to_string(),
        status: if down { "down" } else { "up" }.to_string(),
        status_code: Some(if down { 503 } else { 200 }),
        response_time_ms: Some(ms),
        error_message: down.then(|| "Expected 200, got 503".to_string()),
        checked_at: at,
    })
}

/// A well-mixed 64-bit function of `x` (SplitMix64's finaliser).
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
