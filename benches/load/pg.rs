//! A throwaway PostgreSQL database on TEST_DATABASE_URL's server, dropped when it goes out of
//! scope. Named `watchpost_test_bench_*`, so `.ci/run` also sweeps one a killed run left.

use diesel::{Connection, PgConnection, RunQueryDsl};

/// TEST_DATABASE_URL, when set and not empty.
fn base_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Whether TEST_DATABASE_URL is set.
#[allow(dead_code)] // the load harness asks; the criterion benches just try.
pub fn configured() -> bool {
    base_url().is_some()
}

/// A database created for one measurement.
pub struct ThrowawayDb {
    admin_url: String,
    name: String,
    url: String,
}

impl ThrowawayDb {
    /// A new empty database, `Ok(None)` when TEST_DATABASE_URL is unset.
    pub fn from_env() -> Result<Option<Self>, String> {
        let Some(base) = base_url() else {
            return Ok(None);
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("watchpost_test_bench_{}_{nanos}", std::process::id());
        let (path, query) = match base.split_once('?') {
            Some((path, query)) => (path.to_string(), format!("?{query}")),
            None => (base.clone(), String::new()),
        };
        let cut = path
            .rfind('/')
            .filter(|&i| i > "postgres://".len())
            .ok_or_else(|| format!("TEST_DATABASE_URL {base:?} names no database"))?;
        let url = format!("{}/{name}{query}", &path[..cut]);
        let mut admin = PgConnection::establish(&base)
            .map_err(|e| format!("connecting to TEST_DATABASE_URL: {e}"))?;
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .map_err(|e| format!("creating database {name}: {e}"))?;
        Ok(Some(ThrowawayDb {
            admin_url: base,
            name,
            url,
        }))
    }

    /// Its connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ThrowawayDb {
    fn drop(&mut self) {
        let dropped = PgConnection::establish(&self.admin_url)
            .map_err(|e| e.to_string())
            .and_then(|mut admin| {
                diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut admin)
                .map_err(|e| e.to_string())
            });
        if let Err(e) = dropped {
            eprintln!("warning: could not drop database {}: {e}", self.name);
        }
    }
}
