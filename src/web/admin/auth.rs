//! Operator authentication shared by the admin API and the admin page: tokens compared in
//! constant time (SHA-256 of the presented token against each configured hash, all of them,
//! every time), and a lockout per client address after repeated wrong tokens (a request
//! without any token is refused but not counted; a success starts the count again). Each
//! wrong token and each lockout is logged at WARN with the client address, never the token.

use super::lockout::{Lockout, Table, CAPACITY};
use crate::settings::{AdminSettings, Cidr, ServerSettings};
use actix_web::HttpRequest;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The outcome of presenting a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A configured token: its name.
    Allowed(String),
    /// No token (not counted), or a wrong one (counted).
    Denied,
    /// Too many failures from this address: try again after this long.
    LockedOut(Duration),
}

/// Tokens and failures; one per application, shared by the server's workers.
pub struct Gate {
    tokens: Vec<(String, [u8; 32])>,
    rule: Lockout,
    failures: Mutex<Table>,
    proxies: Vec<Cidr>,
    header: crate::settings::ForwardedHeader,
}

/// SHA-256 of a presented token: the identity a session carries.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
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
            failures: Mutex::new(Table::new(CAPACITY, Instant::now())),
            proxies: Vec::new(),
            header: crate::settings::ForwardedHeader::default(),
        }
    }

    /// The same gate, believing `server.forwarded_header` from `server.trusted_proxies`.
    pub fn with_proxies(mut self, server: &ServerSettings) -> Self {
        self.proxies = server.trusted_proxies.clone();
        self.header = server.forwarded_header;
        self
    }

    /// The client address of `req` (see [`super::forwarded`]).
    pub fn client(&self, req: &HttpRequest) -> IpAddr {
        super::forwarded::client(req, &self.proxies, self.header)
    }

    /// True when a configured token has this digest (false when admin is off).
    pub fn knows(&self, digest: &[u8; 32]) -> bool {
        let mut known = false;
        for (_, expected) in &self.tokens {
            known |= bool::from(digest.ct_eq(expected));
        }
        known
    }

    /// How many client addresses the lockout tracks (for `/metrics`).
    pub fn tracked(&self) -> usize {
        self.table().len()
    }

    /// The lockout table. A panic while it was held (none is expected) leaves it usable
    /// rather than refusing every operator from then on.
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// True when no token is configured: the admin interfaces refuse everyone.
    pub fn closed(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The name of the token matching `presented`, compared in constant time.
    pub fn name_of(&self, presented: &str) -> Option<String> {
        let digest = digest(presented);
        let mut found = None;
        for (name, expected) in &self.tokens {
            if bool::from(digest.ct_eq(expected)) && found.is_none() {
                found = Some(name.clone());
            }
        }
        found
    }

    /// Checks `presented` from `client` at `now`: locked-out addresses are refused before the
    /// token is looked at; only a wrong token counts towards the lockout, a right one resets
    /// the count.
    pub fn check(&self, client: IpAddr, presented: Option<&str>, now: Instant) -> Verdict {
        let mut table = self.table();
        if let Some(left) = table.locked(client, now) {
            if presented.is_some() {
                let secs = left.as_secs();
                log::warn!("Refused admin sign-in from {client}: locked out for {secs} more s");
            }
            return Verdict::LockedOut(left);
        }
        let Some(presented) = presented else {
            return Verdict::Denied;
        };
        if let Some(name) = self.name_of(presented) {
            table.succeed(client);
            return Verdict::Allowed(name);
        }
        log::warn!("Failed admin sign-in from {client}: wrong token");
        // This failure is answered as one; the lock it may set applies from the next.
        if table.fail(client, now, self.rule) {
            log::warn!(
                "Admin sign-in from {client} locked out for {} s after {} wrong tokens",
                self.rule.duration.as_secs(),
                self.rule.attempts
            );
        }
        Verdict::Denied
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
                token_sha256: sha256_hex("right").into(),
            }],
            lockout_attempts: 3,
            lockout_window: Secs(Duration::from_secs(60)),
            lockout_duration: Secs(Duration::from_secs(600)),
            session_secret: Default::default(),
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
        assert!(g.knows(&digest("right")) && !g.knows(&digest("wrong")));
    }

    #[test]
    fn no_token_is_not_a_failure_and_a_success_resets_the_count() {
        let g = gate();
        let ip: IpAddr = [10, 0, 0, 3].into();
        let now = Instant::now();
        for _ in 0..10 {
            assert_eq!(g.check(ip, None, now), Verdict::Denied);
        }
        assert_eq!(g.failures.lock().expect("table").len(), 0);
        g.check(ip, Some("a"), now);
        g.check(ip, Some("b"), now);
        assert_eq!(
            g.check(ip, Some("right"), now),
            Verdict::Allowed("ops".into())
        );
        assert_eq!(g.failures.lock().expect("table").len(), 0);
        g.check(ip, Some("c"), now);
        g.check(ip, Some("d"), now);
        assert_eq!(
            g.check(ip, Some("right"), now),
            Verdict::Allowed("ops".into())
        );
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
    /// From `admin.session_secret`, or random when it is empty. Either way a restart signs
    /// everyone out: the live sessions are kept in memory ([`super::sessions`]).
    pub fn from_settings(admin: &AdminSettings) -> Self {
        if !admin.session_secret.is_empty() {
            let secret = admin.session_secret.expose();
            return SessionKey(Sha256::digest(secret.as_bytes()).into());
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
