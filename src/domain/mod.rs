//! Pure types and decisions: no I/O, no actors, nothing from the rest of the crate.

pub mod notices;
pub mod outcome;
pub mod rollup_stats;
pub mod state;
pub mod status;
pub mod text;
pub mod uptime;
