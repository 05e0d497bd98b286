//! `[status_page]`: the page's address and branding. The built-in defaults are neutral (no
//! logo, no footer links); Sefaria's branding lives in the shipped `config/default.toml`, whose
//! `[status_page]` a user's own `[status_page]` replaces as a whole.

use super::raw::{http_url, Problems};
use serde::{Deserialize, Serialize};

/// A link in the page footer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Text shown.
    pub label: String,
    /// Target.
    pub url: String,
}

/// A quote shown under the banner while the overall status matches `when`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// The words.
    pub text: String,
    /// Who said them (optional).
    #[serde(default)]
    pub source: String,
    /// `operational`, `degraded`, `partial`, `major`, `maintenance`, `unknown`, or `any`.
    #[serde(default = "any")]
    pub when: String,
}

fn any() -> String {
    "any".into()
}

/// `[status_page]`
#[derive(Clone, Debug, Serialize)]
pub struct StatusPageSettings {
    /// Public address of the status page: alert links, canonical URL (`STATUS_PAGE_URL`).
    pub url: String,
    /// Page title.
    pub title: String,
    /// Subtitle and meta description.
    pub description: String,
    /// Absolute URL of the logo (also the Open Graph image).
    pub logo_url: String,
    /// Where the logo links to.
    pub home_url: String,
    /// Footer links.
    pub links: Vec<Link>,
    /// Status-aware quotes; none by default.
    pub quotes: Vec<Quote>,
}

/// `[status_page]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawStatusPage {
    url: Option<String>,
    title: Option<String>,
    description: Option<String>,
    logo_url: Option<String>,
    home_url: Option<String>,
    links: Option<Vec<Link>>,
    quotes: Option<Vec<Quote>>,
}

const WHEN: [&str; 7] = [
    "any",
    "operational",
    "degraded",
    "partial",
    "major",
    "maintenance",
    "unknown",
];

impl RawStatusPage {
    /// Neutral defaults filled in, URLs and quote conditions checked. An empty `logo_url` or
    /// `home_url` means none.
    pub fn resolve(self, p: &mut Problems) -> StatusPageSettings {
        let url = self.url.unwrap_or_else(|| "http://localhost:8000".into());
        let logo_url = self.logo_url.unwrap_or_default();
        let home_url = self.home_url.unwrap_or_default();
        http_url(p, "url", &url);
        for (field, value) in [("logo_url", &logo_url), ("home_url", &home_url)] {
            if !value.is_empty() {
                http_url(p, field, value);
            }
        }
        let links = self.links.unwrap_or_default();
        for (i, link) in links.iter().enumerate() {
            http_url(p, &format!("links[{i}].url"), &link.url);
        }
        let quotes = self.quotes.unwrap_or_default();
        for (i, q) in quotes.iter().enumerate() {
            if !WHEN.contains(&q.when.as_str()) {
                p.push(format!(
                    "quotes[{i}].when: {:?} is not one of {}",
                    q.when,
                    WHEN.join(", ")
                ));
            }
        }
        StatusPageSettings {
            url,
            title: self.title.unwrap_or_else(|| "Status".into()),
            description: self
                .description
                .unwrap_or_else(|| "Live status of our services".into()),
            logo_url,
            home_url,
            links,
            quotes,
        }
    }
}
