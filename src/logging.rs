//! The process's logger: env_logger (`RUST_LOG`, `info` by default) with one change to its
//! format: control characters in a message are escaped, so no text in it — a target's error, a
//! redirect location, an operator's input — can end the line and forge the next one.

use crate::domain::text::escape_controls;
use std::io::Write;

/// Installs the logger; a second call (tests) leaves the first in place.
pub fn init() {
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let message = record.args().to_string();
            writeln!(
                buf,
                "[{} {:<5} {}] {}",
                buf.timestamp(),
                record.level(),
                record.target(),
                escape_controls(&message)
            )
        })
        .try_init();
}
