//! Operator authentication shared by the admin API and the admin page: tokens compared in
//! constant time (SHA-256 of the presented token against each configured hash, all of them,
//! every time), and a lockout per client address after repeated failures.

use crate::settings::AdminSettings;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The outcome of presenting a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A configured token: its name.
    Allowed(String),
    /// No token, or a wrong one.
    Denied,
    /// Too many failures from this address: try again after this long.
    LockedOut(Duration),
}

/// Failures of one address.
#[derive(Clone, Debug, Default)]
pub struct Failures {
    times: VecDeque<Instant>,
    locked_until: Option<Instant>,
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

impl Failures {
    /// How long the address is still locked at `now`, if it is.
    pub fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Records a failure at `now`; locks when the rule says so.
    pub fn fail(&mut self, now: Instant, rule: Lockout) {
        self.times.push_back(now);
        while self
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) > rule.window)
        {
            self.times.pop_front();
        }
        if self.times.len() >= rule.attempts as usize {
            self.locked_until = Some(now + rule.duration);
            self.times.clear();
        }
    }
}

/// Tokens and failures; one per application, shared by the server's workers.
pub struct Gate {
    tokens: Vec<(String, [u8; 32])>,
    rule: Lockout,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

impl Gate {
    /// A gate for the configured tokens and lockout rule.
    pub fn new(admin: &AdminSettings) -> Self {
        Gate {
            tokens: admin
                .tokens
                .iter()
                .map(|t| (t.name.clone(), t.digest()))
                .collect(),
            rule: Lockout {
                attempts: admin.lockout_attempts.max(1),
                window: admin.lockout_window.0,
                duration: admin.lockout_duration.0,
            },
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// True when no token is configured: the admin interfaces refuse everyone.
    pub fn closed(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The name of the token matching `presented`, compared in constant time.
    pub fn name_of(&self, presented: &str) -> Option<String> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for (name, expected) in &self.tokens {
            if bool::from(digest.ct_eq(expected)) && found.is_none() {
                found = Some(name.clone());
            }
        }
        found
    }

    /// Checks `presented` from `client` at `now`: locked-out addresses are refused before the
    /// token is looked at; a failure counts towards the lockout.
    pub fn check(&self, client: IpAddr, presented: Option<&str>, now: Instant) -> Verdict {
        let Ok(mut failures) = self.failures.lock() else {
            return Verdict::Denied;
        };
        let entry = failures.entry(client).or_default();
        if let Some(left) = entry.locked(now) {
            return Verdict::LockedOut(left);
        }
        match presented.and_then(|t| self.name_of(t)) {
            Some(name) => Verdict::Allowed(name),
            None => {
                // This failure is answered as one; the lock it may set applies from the next.
                entry.fail(now, self.rule);
                Verdict::Denied
            }
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{sha256_hex, AdminToken, Secs};

    fn gate() -> Gate {
        Gate::new(&AdminSettings {
            tokens: vec![AdminToken {
                name: "ops".into(),
                token_sha256: sha256_hex("right"),
            }],
            lockout_attempts: 3,
            lockout_window: Secs(Duration::from_secs(60)),
            lockout_duration: Secs(Duration::from_secs(600)),
            session_secret: String::new(),
        })
    }

    #[test]
    fn the_right_token_is_named_and_a_wrong_one_denied() {
        let g = gate();
        let ip: IpAddr = [127, 0, 0, 1].into();
        let now = Instant::now();
        assert_eq!(
            g.check(ip, Some("right"), now),
            Verdict::Allowed("ops".into())
        );
        assert_eq!(g.check(ip, Some("wrong"), now), Verdict::Denied);
        assert_eq!(g.check(ip, None, now), Verdict::Denied);
    }

    #[test]
    fn repeated_failures_lock_the_address_even_for_the_right_token() {
        let g = gate();
        let (ip, other): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let now = Instant::now();
        g.check(ip, Some("a"), now);
        g.check(ip, Some("b"), now);
        assert_eq!(g.check(ip, Some("c"), now), Verdict::Denied);
        assert!(matches!(
            g.check(ip, Some("right"), now),
            Verdict::LockedOut(_)
        ));
        assert_eq!(
            g.check(other, Some("right"), now),
            Verdict::Allowed("ops".into())
        );
        let later = now + Duration::from_secs(601);
        assert_eq!(
            g.check(ip, Some("right"), later),
            Verdict::Allowed("ops".into())
        );
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let mut f = Failures::default();
        let rule = Lockout {
            attempts: 2,
            window: Duration::from_secs(10),
            duration: Duration::from_secs(60),
        };
        let t0 = Instant::now();
        f.fail(t0, rule);
        f.fail(t0 + Duration::from_secs(11), rule);
        assert_eq!(f.locked(t0 + Duration::from_secs(11)), None);
        f.fail(t0 + Duration::from_secs(12), rule);
        assert!(f.locked(t0 + Duration::from_secs(12)).is_some());
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(None), None);
    }
}

/// The configured service names (maintenance windows may name only these).
#[derive(Clone, Debug, Default)]
pub struct ServiceNames(pub Vec<String>);

/// The key that signs admin session cookies and CSRF tokens.
#[derive(Clone)]
pub struct SessionKey(pub [u8; 32]);

impl SessionKey {
    /// From `admin.session_secret` (sessions survive a restart), or random when it is empty
    /// (every restart signs everyone out).
    pub fn from_settings(admin: &AdminSettings) -> Self {
        if !admin.session_secret.is_empty() {
            return SessionKey(Sha256::digest(admin.session_secret.as_bytes()).into());
        }
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No system randomness: derive from the clock and the process; weak, so say so.
            log::warn!("No system randomness for the admin session key; set admin.session_secret");
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            key = Sha256::digest(seed.as_bytes()).into();
        }
        SessionKey(key)
    }
}
