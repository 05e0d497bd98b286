//! Alert payloads (pure).

pub mod slack;
