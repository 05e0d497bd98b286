//! What crawlers and lost visitors get: `/robots.txt`, `/sitemap.xml`, and the 404 answer for
//! every unknown path (an HTML page, or JSON under `/api/`).

use super::feeds::xml_safe;
use super::views::base_url;
use crate::settings::StatusPageSettings;
use crate::web::WebError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use maud::{html, Markup, PreEscaped, DOCTYPE};

const CACHE: &str = "public, max-age=3600";

/// The robots.txt text: everything but the API and admin may be crawled.
pub fn robots_txt(page: &StatusPageSettings) -> String {
    format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin\nSitemap: {}/sitemap.xml\n",
        base_url(page)
    )
}

/// The sitemap: the status page and its two feeds.
pub fn sitemap_xml(page: &StatusPageSettings) -> String {
    let base = xml_safe(base_url(page));
    let urls = [
        format!("{base}/"),
        format!("{base}/history.rss"),
        format!("{base}/history.atom"),
    ];
    html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" {
            @for url in &urls { url { loc { (url) } } }
        }
    }
    .into_string()
}

/// The 404 page (no script, no inline style: the page's stylesheet only).
pub fn not_found_page(title: Option<&str>) -> Markup {
    let site = title.unwrap_or("Status");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { "Page not found · " (site) }
                link rel="stylesheet" href="/static/status.css";
            }
            body {
                main {
                    h1 { "Page not found" }
                    p class="empty" { "There is nothing at this address." }
                    p { a href="/" { "Back to " (site) } }
                }
            }
        }
    }
}

/// `GET /robots.txt`
pub async fn robots(page: web::Data<StatusPageSettings>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, CACHE))
        .body(robots_txt(&page))
}

/// `GET /sitemap.xml`
pub async fn sitemap(page: web::Data<StatusPageSettings>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, CACHE))
        .body(sitemap_xml(&page))
}

/// The app's default service: 404 JSON under `/api/`, the 404 page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path() == "/api" || req.path().starts_with("/api/") {
        return WebError::NotFound("not found".into()).error_response();
    }
    let page = req.app_data::<web::Data<StatusPageSettings>>();
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(not_found_page(page.map(|p| p.title.as_str())).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> StatusPageSettings {
        StatusPageSettings {
            url: "https://status.example.org/".into(),
            title: "Ex".into(),
            description: String::new(),
            logo_url: String::new(),
            home_url: String::new(),
            links: Vec::new(),
            quotes: Vec::new(),
        }
    }

    #[test]
    fn robots_has_real_lines_and_names_the_sitemap() {
        assert_eq!(
            robots_txt(&page()),
            "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin\n\
             Sitemap: https://status.example.org/sitemap.xml\n"
        );
    }

    #[test]
    fn sitemap_lists_the_page_and_feeds() {
        let body = sitemap_xml(&page());
        let doc = roxmltree::Document::parse(&body).expect("sitemap is XML");
        let locs: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            locs,
            [
                "https://status.example.org/",
                "https://status.example.org/history.rss",
                "https://status.example.org/history.atom"
            ]
        );
    }

    #[test]
    fn the_404_page_escapes_the_title_and_links_home() {
        let html = not_found_page(Some("<Ex>")).into_string();
        assert!(html.contains("Page not found · &lt;Ex&gt;"));
        assert!(html.contains("href=\"/static/status.css\""));
        assert!(!html.contains("<script") && !html.contains("style="));
        assert!(not_found_page(None)
            .into_string()
            .contains("Back to Status"));
    }
}
