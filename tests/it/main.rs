//! Every integration test in one binary: a module per area, sharing `support` (fake targets,
//! a fake Slack, the app on port 0, the real binary as a process). One binary links once,
//! instead of once per file.

mod admin_api;
mod admin_forms;
mod admin_harness;
mod admin_page;
mod alerts;
mod binary;
mod browser;
mod cli;
mod clock;
mod database;
mod faults;
mod faults_absent;
mod groups;
mod hardening_admin;
mod hardening_data;
mod hardening_page;
mod hardening_targets;
mod hostile;
mod metrics;
mod openapi;
mod operators;
mod probes;
mod read_api;
mod reliability_db;
mod reliability_kill;
mod reliability_shutdown;
mod reliability_slack;
mod rollups;
mod smoke_app;
mod startup_history;
mod status_page;
mod support;
mod transfer;
