//! Watchpost: a real-time uptime monitor with Slack alerts and a public status page.

pub mod actors;
pub mod alert;
pub mod allocator;
pub mod commands;
pub mod db;
pub mod domain;
pub mod logging;
pub mod metrics;
pub mod operator_cli;
pub mod ops;
pub mod probe;
pub mod published;
pub mod restore;
pub mod settings;
pub mod snapshot;
pub mod startup;
pub mod transfer;
pub mod web;
