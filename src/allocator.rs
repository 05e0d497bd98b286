//! Tuning of mimalloc, the `watchpost` binary's global allocator.
//!
//! mimalloc returns freed pages to the OS once they have been unused for its purge delay
//! (1 s by default in the bundled mimalloc v3). When the monitors start their cycles in one
//! burst a second, each burst's pages were returned just before the next burst faulted them
//! back in, and page faults, clearing and unmapping took a visible share of the CPU. Keeping
//! freed pages for 10 s, longer than the gap between bursts, avoids that round trip without
//! raising the peak (the measurements: BENCHMARKS.md, "mimalloc's purge delay").

use std::ffi::c_long;

/// The purge delay Watchpost sets, in milliseconds.
pub const PURGE_DELAY_MS: c_long = 10_000;

/// The environment variable through which mimalloc reads the purge delay at process start;
/// when it is set, Watchpost leaves the operator's value alone.
pub const PURGE_DELAY_ENV: &str = "MIMALLOC_PURGE_DELAY";

/// `mi_option_purge_delay` of mimalloc v3's `mi_option_e` (include/mimalloc.h), which
/// libmimalloc-sys does not name: it is the option just before `mi_option_use_numa_nodes`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_use_numa_nodes - 1;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`] unless the operator set
/// `MIMALLOC_PURGE_DELAY`; returns the delay in force afterwards.
pub fn keep_freed_pages() -> c_long {
    if std::env::var_os(PURGE_DELAY_ENV).is_none() {
        // SAFETY: `mi_option_set` stores a value in mimalloc's option table and may be called
        // at any time from any thread; the option index is a valid `mi_option_t` (see above).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    purge_delay()
}

/// The purge delay mimalloc is using, in milliseconds.
pub fn purge_delay() -> c_long {
    // SAFETY: `mi_option_get` only reads mimalloc's option table.
    unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_index_is_mimalloc_v3s_purge_delay() {
        // The index is worked out from the v3 header; a mimalloc of another major version
        // would number its options differently.
        // SAFETY: `mi_version` only returns a constant.
        let version = unsafe { libmimalloc_sys::mi_version() };
        assert_eq!(version / 10_000, 3, "mimalloc {version} is not v3");
        assert_eq!(MI_OPTION_PURGE_DELAY, 15);
        assert_eq!(libmimalloc_sys::_mi_option_last, 47);
    }

    #[test]
    fn keep_freed_pages_sets_the_delay_unless_the_environment_does() {
        let expected = match std::env::var(PURGE_DELAY_ENV) {
            Ok(value) => value.parse().unwrap_or(PURGE_DELAY_MS),
            Err(_) => PURGE_DELAY_MS,
        };
        assert_eq!(keep_freed_pages(), expected);
        assert_eq!(purge_delay(), expected);
    }
}
