//! `[admin]`: who may change incidents, maintenance and outages, and how hard guessing is.

use super::raw::Problems;
use super::{Secret, Secs};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// One operator token: its name (recorded in the audit log) and the SHA-256 of its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminToken {
    /// Name, e.g. the operator's.
    pub name: String,
    /// Lowercase hex SHA-256 of the token (`printf %s TOKEN | sha256sum`); never shown.
    pub token_sha256: Secret,
}

impl AdminToken {
    /// The hash as bytes (zeros if malformed; load rejects malformed ones).
    pub fn digest(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = self
                .token_sha256
                .expose()
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0);
        }
        out
    }
}

/// SHA-256 of `token`, lowercase hex.
pub fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `[admin]`
#[derive(Clone, Debug, Serialize)]
pub struct AdminSettings {
    /// Operator tokens (plus one named `ADMIN_TOKEN` from that variable).
    pub tokens: Vec<AdminToken>,
    /// Failed sign-ins from one address that lock it out.
    pub lockout_attempts: u32,
    /// Within this window.
    pub lockout_window: Secs,
    /// For this long.
    pub lockout_duration: Secs,
    /// Key of the admin session cookie's signature; empty: a random key per start.
    pub session_secret: Secret,
}

/// `[admin]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    tokens: Option<Vec<AdminToken>>,
    lockout_attempts: Option<u32>,
    lockout_window: Option<Secs>,
    lockout_duration: Option<Secs>,
    session_secret: Option<Secret>,
}

impl RawAdmin {
    /// Defaults filled in; `env_token` (ADMIN_TOKEN) added as a token named `ADMIN_TOKEN`.
    pub fn resolve(self, p: &mut Problems, env_token: Option<&str>) -> AdminSettings {
        let mut tokens = self.tokens.unwrap_or_default();
        let mut names = std::collections::HashSet::new();
        for (i, t) in tokens.iter().enumerate() {
            if t.name.trim().is_empty() {
                p.push(format!("tokens[{i}].name: must not be empty"));
            } else if !names.insert(t.name.clone()) {
                p.push(format!(
                    "tokens[{i}].name: duplicate token name {:?}",
                    t.name
                ));
            }
            let hash = t.token_sha256.expose();
            let hex = hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit());
            if !hex {
                p.push(format!(
                    "tokens[{i}].token_sha256: must be 64 hex digits (a SHA-256)"
                ));
            }
        }
        for t in &mut tokens {
            t.token_sha256 = Secret::new(t.token_sha256.expose().to_ascii_lowercase());
        }
        if let Some(token) = env_token.filter(|t| !t.is_empty()) {
            tokens.push(AdminToken {
                name: "ADMIN_TOKEN".into(),
                token_sha256: Secret::new(sha256_hex(token)),
            });
        }
        let attempts = self.lockout_attempts.unwrap_or(5);
        if attempts == 0 {
            p.push("lockout_attempts: must be at least 1".into());
        }
        let window = self
            .lockout_window
            .unwrap_or(Secs(Duration::from_secs(15 * 60)));
        let duration = self
            .lockout_duration
            .unwrap_or(Secs(Duration::from_secs(3600)));
        at_most_30_days(p, "lockout_window", window);
        at_most_30_days(p, "lockout_duration", duration);
        AdminSettings {
            tokens,
            lockout_attempts: attempts,
            lockout_window: window,
            lockout_duration: duration,
            session_secret: self.session_secret.unwrap_or_default(),
        }
    }
}

/// Longest `lockout_window` and `lockout_duration`: a lock past a restart is not kept anyway.
pub const LOCKOUT_MAX: Duration = Duration::from_secs(30 * 86_400);

fn at_most_30_days(p: &mut Problems, key: &str, value: Secs) {
    if value.0 > LOCKOUT_MAX {
        let secs = value.0.as_secs();
        p.push(format!(
            "{key}: at most 30 days (2592000 s, \"720h\"), not {secs} s"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_and_the_environment_token_added() {
        let raw = RawAdmin {
            tokens: Some(vec![AdminToken {
                name: "ops".into(),
                token_sha256: Secret::new("nothex"),
            }]),
            ..RawAdmin::default()
        };
        let mut problems = Vec::new();
        let admin = raw.resolve(&mut problems, Some("s3cret"));
        assert_eq!(
            problems,
            ["tokens[0].token_sha256: must be 64 hex digits (a SHA-256)"]
        );
        assert_eq!(admin.tokens[1].name, "ADMIN_TOKEN");
        assert_eq!(admin.tokens[1].token_sha256.expose(), sha256_hex("s3cret"));
        assert_eq!(
            admin.tokens[1].digest()[0],
            u8::from_str_radix(&sha256_hex("s3cret")[..2], 16).expect("hex")
        );
        assert_eq!(admin.lockout_attempts, 5);
    }
}
