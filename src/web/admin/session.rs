//! The admin page's session: a signed cookie `watchpost_admin` =
//! `base64(payload).base64(HMAC-SHA256(key, payload))`, where the payload holds the expiry,
//! a random session id and the token name; and the CSRF token of a session,
//! `base64(HMAC-SHA256(key, "csrf:" + id))`. Signatures are checked in constant time.

use super::auth::SessionKey;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The cookie's name.
pub const COOKIE: &str = "watchpost_admin";
/// How long a sign-in lasts.
pub const LIFETIME: Duration = Duration::hours(12);
/// The only path the browser sends the cookie to.
const PATH: &str = "/admin";

type HmacSha256 = Hmac<Sha256>;

/// A signed-in operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The token's name (the audit log's actor).
    pub name: String,
    /// Random, per sign-in; the CSRF token derives from it.
    pub id: String,
    /// When the sign-in lapses.
    pub expires: DateTime<Utc>,
}

fn mac(key: &SessionKey, data: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; the fallback is unreachable but keeps this panic-free.
    let mut mac = HmacSha256::new_from_slice(&key.0)
        .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
    mac.update(data);
    mac
}

fn payload(session: &Session) -> String {
    format!(
        "{}\n{}\n{}",
        session.expires.timestamp(),
        session.id,
        session.name
    )
}

/// A new random session id (base64 of 16 random bytes).
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: still unique; CSRF tokens stay unforgeable (keyed HMAC).
        log::warn!("No system randomness for an admin session id");
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        bytes.copy_from_slice(&Sha256::digest(seed.as_bytes())[..16]);
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Session {
    /// A new session for the token `name`, valid for [`LIFETIME`] from `now`.
    pub fn start(name: &str, now: DateTime<Utc>) -> Self {
        Session {
            name: name.to_string(),
            id: random_id(),
            expires: now + LIFETIME,
        }
    }

    /// The cookie value: payload and signature, each base64.
    pub fn seal(&self, key: &SessionKey) -> String {
        let payload = payload(self);
        let signature = mac(key, payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The session in a cookie value: `None` when it is malformed, forged, tampered with or
    /// expired at `now`.
    pub fn open(key: &SessionKey, value: &str, now: DateTime<Utc>) -> Option<Self> {
        let (payload, signature) = value.trim().split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        mac(key, &payload).verify_slice(&signature).ok()?;
        let text = String::from_utf8(payload).ok()?;
        let mut parts = text.splitn(3, '\n');
        let expires = DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?;
        let id = parts.next()?.to_string();
        let name = parts.next()?.to_string();
        (expires > now && !id.is_empty()).then_some(Session { name, id, expires })
    }

    /// The CSRF token every form of this session carries.
    pub fn csrf(&self, key: &SessionKey) -> String {
        URL_SAFE_NO_PAD.encode(self.csrf_mac(key).finalize().into_bytes())
    }

    /// True when `presented` is this session's CSRF token (constant-time comparison).
    pub fn csrf_ok(&self, key: &SessionKey, presented: Option<&str>) -> bool {
        let Some(bytes) = presented.and_then(|p| URL_SAFE_NO_PAD.decode(p.trim()).ok()) else {
            return false;
        };
        self.csrf_mac(key).verify_slice(&bytes).is_ok()
    }

    fn csrf_mac(&self, key: &SessionKey) -> HmacSha256 {
        mac(key, format!("csrf:{}", self.id).as_bytes())
    }
}

/// The `Set-Cookie` value that signs in with `value`; `secure` over HTTPS.
pub fn set_cookie(value: &str, secure: bool) -> String {
    let max_age = LIFETIME.num_seconds();
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Max-Age={max_age}; Path={PATH}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that signs out.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Max-Age=0; Path={PATH}; HttpOnly; SameSite=Strict{secure}")
}

/// The value of our cookie in a `Cookie` request header, if present.
pub fn from_header(header: Option<&str>) -> Option<&str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SessionKey {
        SessionKey([byte; 32])
    }

    #[test]
    fn a_sealed_session_opens_with_the_same_key_until_it_expires() {
        let now = Utc::now();
        let session = Session::start("ops", now);
        let value = session.seal(&key(1));
        let opened = Session::open(&key(1), &value, now).expect("opens");
        assert_eq!(opened.name, "ops");
        assert_eq!(opened.id, session.id);
        assert_eq!(opened.expires.timestamp(), (now + LIFETIME).timestamp());
        assert!(Session::open(&key(1), &value, now + LIFETIME - Duration::seconds(5)).is_some());
        assert_eq!(Session::open(&key(1), &value, now + LIFETIME), None);
    }

    #[test]
    fn another_key_or_any_change_is_refused() {
        let now = Utc::now();
        let value = Session::start("ops", now).seal(&key(1));
        assert_eq!(Session::open(&key(2), &value, now), None);
        let (body, signature) = value.split_once('.').expect("two parts");
        let forged = Session {
            name: "admin".into(),
            id: "x".into(),
            expires: now + Duration::days(365),
        };
        let forged_payload = URL_SAFE_NO_PAD.encode(payload(&forged));
        for bad in [
            format!("{forged_payload}.{signature}"),
            format!("{body}.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
            format!("{body}."),
            body.to_string(),
            String::new(),
            "%%%.###".into(),
        ] {
            assert_eq!(Session::open(&key(1), &bad, now), None, "{bad}");
        }
    }

    #[test]
    fn sessions_get_distinct_ids_and_names_may_hold_any_text() {
        let now = Utc::now();
        let (a, b) = (Session::start("x", now), Session::start("x", now));
        assert_ne!(a.id, b.id);
        let odd = Session::start("ops\nteam.é", now);
        let opened = Session::open(&key(1), &odd.seal(&key(1)), now).expect("opens");
        assert_eq!(opened.name, "ops\nteam.é");
    }

    #[test]
    fn csrf_tokens_belong_to_one_session_and_one_key() {
        let now = Utc::now();
        let (a, b) = (Session::start("ops", now), Session::start("ops", now));
        let token = a.csrf(&key(1));
        assert!(a.csrf_ok(&key(1), Some(&token)));
        assert!(!b.csrf_ok(&key(1), Some(&token)));
        assert!(!a.csrf_ok(&key(2), Some(&token)));
        assert!(!a.csrf_ok(&key(1), None));
        assert!(!a.csrf_ok(&key(1), Some("")));
        assert!(!a.csrf_ok(&key(1), Some(&token[1..])));
    }

    #[test]
    fn cookies_carry_the_flags_and_are_found_in_the_header() {
        let set = set_cookie("abc.def", false);
        assert!(set.starts_with("watchpost_admin=abc.def;"));
        for flag in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/admin",
            "Max-Age=43200",
        ] {
            assert!(set.contains(flag), "{set}");
        }
        assert!(!set.contains("Secure"));
        assert!(set_cookie("v", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        let header = "theme=dark; watchpost_admin=abc.def; other=1";
        assert_eq!(from_header(Some(header)), Some("abc.def"));
        assert_eq!(from_header(Some("theme=dark")), None);
        assert_eq!(from_header(None), None);
    }
}
