//! The store: everything the web and the CLI ask of the database, in typed functions.
//!
//! [`changes`] holds the operators' changes (incidents, maintenance windows, outage
//! force-resolve and the audit log), each validated and audited inside one transaction.

pub mod changes;
