//! What the kernel knows about a process: CPU time (its CPU-time clock, to the nanosecond) and
//! threads (/proc/PID/stat), resident memory (/proc/PID/status), open descriptors; and the few
//! system calls the harness needs.

use crate::Result;
use std::time::Duration;

/// CPU time and threads of a process.
#[derive(Clone, Copy, Debug)]
pub struct Cpu {
    /// CPU time of all its threads, dead ones included: the process's CPU-time clock
    /// (`clock_getcpuclockid`), or utime + stime from /proc where that clock cannot be read.
    pub time: Duration,
    /// Number of threads.
    pub threads: u64,
}

/// Reads the CPU-time clock of `pid` and its thread count from /proc/`pid`/stat.
///
/// /proc counts CPU time in clock ticks (10 ms), utime and stime each truncated: over a 60 s
/// window at 1,000 services (about 0.2 s of CPU) that alone moved the cost per check by up to
/// 9 %. The process CPU-time clock is the scheduler's own sum, in nanoseconds.
pub fn cpu(pid: u32) -> Result<Cpu> {
    let stat = stat_cpu(pid)?;
    Ok(Cpu {
        time: cpu_clock(pid).unwrap_or(stat.time),
        threads: stat.threads,
    })
}

/// The process CPU-time clock of `pid`, if it can be read.
fn cpu_clock(pid: u32) -> Option<Duration> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `clock` is a valid place for the id; the call only writes it.
    if unsafe { libc::clock_getcpuclockid(pid, &mut clock) } != 0 {
        return None;
    }
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        return None;
    }
    let secs = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    Some(Duration::new(secs, nanos))
}

/// Reads /proc/`pid`/stat: utime + stime in clock ticks, and the thread count.
fn stat_cpu(pid: u32) -> Result<Cpu> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    let rest = text
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("{path}: no command name"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime 15, num_threads 20.
    let field = |n: usize| -> Result<u64> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("{path}: field {n} missing or not a number"))
    };
    let ticks = field(14)? + field(15)?;
    Ok(Cpu {
        time: Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64),
        threads: field(20)?,
    })
}

/// Peak and current resident memory of a process, KiB.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    /// VmHWM: the peak resident set since start.
    pub peak_kib: u64,
    /// VmRSS: the resident set now.
    pub rss_kib: u64,
}

/// Reads /proc/`pid`/status.
pub fn memory(pid: u32) -> Result<Memory> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    let kib = |key: &str| -> Result<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("{path}: no {key}"))
    };
    Ok(Memory {
        peak_kib: kib("VmHWM:")?,
        rss_kib: kib("VmRSS:")?,
    })
}

/// Open file descriptors of a process (0 if unreadable).
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// Kernel clock ticks per second (the unit of utime and stime).
fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions; it returns -1 for an unknown name.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// Raises this process's open-file limit (inherited by watchpost) to at least `want`, up to
/// the hard limit; fails naming both when the hard limit is lower.
pub fn raise_fd_limit(want: u64) -> Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!(
            "getrlimit(NOFILE): {}",
            std::io::Error::last_os_error()
        ));
    }
    if limit.rlim_cur >= want {
        return Ok(());
    }
    if limit.rlim_max < want {
        return Err(format!(
            "{want} open files needed (a connection per service on each side), but the hard \
             limit is {}: raise it (ulimit -Hn, /etc/security/limits.conf) or use fewer services",
            limit.rlim_max
        ));
    }
    limit.rlim_cur = want;
    // SAFETY: `limit` is a valid rlimit with rlim_cur <= rlim_max.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(format!(
            "setrlimit(NOFILE, {want}): {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Sends SIGTERM to `pid`.
pub fn terminate(pid: u32) -> Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(|e| format!("pid {pid}: {e}"))?;
    // SAFETY: kill has no memory preconditions; `pid` is our own child.
    if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
        return Err(format!(
            "SIGTERM to {pid}: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}
