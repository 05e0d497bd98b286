//! The admin page's live sessions, kept in memory: a cookie is honoured only while its
//! session id is here, so signing out ends it for good, and a restart signs everyone out.
//! Each session carries the digest of the token that started it and is refused as soon as
//! that token is no longer configured (or admin is off).

use super::session::Session;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most sessions kept at once; beyond it, the one closest to expiry makes room.
pub const CAPACITY: usize = 10_000;

struct Live {
    name: String,
    digest: [u8; 32],
    expires: DateTime<Utc>,
}

/// Live sessions by id; one per application, shared by the server's workers.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Live>>,
}

impl Sessions {
    /// Records `session`, started with the token of `digest`.
    pub fn begin(&self, session: &Session, digest: [u8; 32], now: DateTime<Utc>) {
        let Ok(mut live) = self.live.lock() else {
            return;
        };
        if live.len() >= CAPACITY {
            live.retain(|_, s| s.expires > now);
        }
        if live.len() >= CAPACITY {
            let first = live.iter().min_by_key(|(_, s)| s.expires);
            if let Some(id) = first.map(|(id, _)| id.clone()) {
                live.remove(&id);
            }
        }
        let entry = Live {
            name: session.name.clone(),
            digest,
            expires: session.expires,
        };
        live.insert(session.id.clone(), entry);
    }

    /// Ends the session with this id.
    pub fn end(&self, id: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(id);
        }
    }

    /// The token digest of `session` while it is live at `now` (signed in here, not signed
    /// out, not expired, same name); `None` otherwise.
    pub fn digest(&self, session: &Session, now: DateTime<Utc>) -> Option<[u8; 32]> {
        let live = self.live.lock().ok()?;
        let entry = live.get(&session.id)?;
        (entry.expires > now && entry.name == session.name).then_some(entry.digest)
    }

    /// Sessions held.
    pub fn len(&self) -> usize {
        self.live.lock().map_or(0, |live| live.len())
    }

    /// True when no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_lives_from_sign_in_to_sign_out() {
        let (store, now) = (Sessions::default(), Utc::now());
        let session = Session::start("ops", now);
        assert_eq!(store.digest(&session, now), None, "never signed in here");
        store.begin(&session, [7; 32], now);
        assert_eq!(store.digest(&session, now), Some([7; 32]));
        let renamed = Session {
            name: "other".into(),
            ..session.clone()
        };
        assert_eq!(store.digest(&renamed, now), None);
        assert_eq!(store.digest(&session, session.expires), None, "expired");
        store.end(&session.id);
        assert_eq!(store.digest(&session, now), None);
        assert!(store.is_empty());
    }

    #[test]
    fn the_store_is_bounded() {
        let (store, now) = (Sessions::default(), Utc::now());
        let first = Session::start("ops", now - chrono::Duration::hours(1));
        store.begin(&first, [1; 32], now);
        for _ in 0..CAPACITY {
            store.begin(&Session::start("ops", now), [1; 32], now);
        }
        assert_eq!(store.len(), CAPACITY);
        assert_eq!(
            store.digest(&first, now),
            None,
            "the first to expire made room"
        );
    }
}
