//! Secrets in the configuration (the Slack webhook URL, the session secret, token hashes and
//! the database URL, which may carry a password): a [`Secret`] never shows its value through
//! `Debug`, `Display` or `Serialize`, so logging or printing the settings cannot leak it. The
//! value is read with [`Secret::expose`], at the one place that uses it.
//!
//! How much stays visible depends on the secret: a [`Hidden`] one shows `***`; a
//! [`WebhookUrl`] its scheme and host ([`mask::secret_url`], the path is the webhook's key); a
//! [`DatabaseUrl`] everything but its password and query values ([`mask::url`]).

use super::mask;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// How a kind of secret is shown.
pub trait Mask {
    /// What may be shown of `value`.
    fn mask(value: &str) -> String;
}

/// Nothing shown: `***` (an empty value stays empty: there is nothing to hide).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hidden;

impl Mask for Hidden {
    fn mask(value: &str) -> String {
        if value.is_empty() {
            String::new()
        } else {
            mask::HIDDEN.into()
        }
    }
}

/// A URL whose path is its key: scheme and host shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathIsKey;

impl Mask for PathIsKey {
    fn mask(value: &str) -> String {
        mask::secret_url(value)
    }
}

/// A URL with a password in it: all but the password and query values shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PasswordInUrl;

impl Mask for PasswordInUrl {
    fn mask(value: &str) -> String {
        mask::url(value)
    }
}

/// A secret value, shown only as its [`Mask`] allows.
pub struct Secret<M: Mask = Hidden>(String, PhantomData<M>);

/// The Slack webhook URL.
pub type WebhookUrl = Secret<PathIsKey>;

/// The database URL (`postgres://user:password@host/db`).
pub type DatabaseUrl = Secret<PasswordInUrl>;

impl<M: Mask> Secret<M> {
    /// `value` kept secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into(), PhantomData)
    }

    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (not configured).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What may be shown of it.
    pub fn masked(&self) -> String {
        M::mask(&self.0)
    }
}

impl<M: Mask> Clone for Secret<M> {
    fn clone(&self) -> Self {
        Secret::new(self.0.clone())
    }
}

impl<M: Mask> Default for Secret<M> {
    fn default() -> Self {
        Secret::new(String::new())
    }
}

impl<M: Mask> PartialEq for Secret<M> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<M: Mask> Eq for Secret<M> {}

impl<M: Mask> From<String> for Secret<M> {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl<M: Mask> fmt::Debug for Secret<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.masked(), f)
    }
}

impl<M: Mask> fmt::Display for Secret<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Serialized masked, as `config check` prints it.
impl<M: Mask> Serialize for Secret<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

/// Read as the plain string it is written as.
impl<'de, M: Mask> Deserialize<'de> for Secret<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_display_and_serialize_never_show_the_value() {
        let secret: Secret = Secret::new("S3CRET");
        assert_eq!(format!("{secret:?}"), "\"***\"");
        assert_eq!(secret.to_string(), "***");
        assert_eq!(
            serde_json::to_string(&secret).unwrap_or_default(),
            "\"***\""
        );
        assert_eq!(secret.expose(), "S3CRET");
        assert_eq!(Secret::<Hidden>::default().to_string(), "");
    }

    #[test]
    fn urls_keep_what_is_not_secret() {
        let hook = WebhookUrl::new("https://hooks.slack.com/services/T/B/KEY");
        assert_eq!(format!("{hook:?}"), "\"https://hooks.slack.com/***\"");
        let db = DatabaseUrl::new("postgres://user:pw@db.example/app");
        assert_eq!(db.to_string(), "postgres://user:***@db.example/app");
        assert!(!format!("{db:?}").contains("pw"));
    }

    #[test]
    fn it_is_read_as_a_plain_string() {
        let secret: Result<Secret, _> = serde_json::from_str("\"S3CRET\"");
        assert_eq!(
            secret.map(|s| s.expose().to_string()).ok(),
            Some("S3CRET".into())
        );
    }
}
