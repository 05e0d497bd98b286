//! Watchpost: a real-time uptime monitor with Slack alerts and a public status page.

pub mod actors;
pub mod alert;
pub mod allocator;
pub mod board;
pub mod cli;
pub mod db;
pub mod domain;
pub mod logging;
pub mod metrics;
pub mod probe;
pub mod published;
pub mod restore;
pub mod settings;
pub mod snapshot;
pub mod startup;
pub mod store;
pub mod transfer;
pub mod web;
