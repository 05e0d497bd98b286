//! The actors: one ServiceMonitor per service, Persistence, Alerter and StatusCache.
//! Each module holds its actor and the messages it handles.

pub mod alerter;
pub mod persistence;
pub mod service_monitor;
pub mod status_cache;
