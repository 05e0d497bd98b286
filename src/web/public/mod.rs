//! The public pages: the status page with its views, stylesheet and script, the incident
//! feeds, the badges, and what crawlers and lost visitors get.

pub mod badges;
pub mod feeds;
pub mod pages;
pub mod site;
pub mod views;
