//! The operators' doors: the admin JSON API (bearer tokens) and the admin page (sign-in,
//! sessions, forms), with the authentication, lockout and client address they share.

pub mod api;
pub mod api_body;
pub mod api_io;
pub mod auth;
pub mod body;
pub mod changes;
pub mod context;
pub mod dashboard;
pub mod forms;
pub mod forwarded;
pub mod lockout;
pub mod page;
pub mod session;
pub mod sessions;
pub mod views;
