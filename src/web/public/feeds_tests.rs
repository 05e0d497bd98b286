use super::*;
use crate::domain::notices::Severity;
use chrono::{Duration, TimeZone};

const HOSTILE: &str = "<b>&\"x\"</b> it's ]]> <![CDATA[";

fn page() -> StatusPageSettings {
    StatusPageSettings {
        url: "https://status.example.org/".into(),
        title: "Ex & <Co>".into(),
        description: "Live \"status\"".into(),
        logo_url: "https://example.org/logo.svg".into(),
        home_url: "https://example.org".into(),
        links: Vec::new(),
        quotes: Vec::new(),
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("time")
}

fn incident(id: i64, severity: Severity, text: &str, created: i64) -> Incident {
    Incident {
        id,
        severity,
        text: text.into(),
        active: severity != Severity::Resolved,
        created_at: at(created),
        updated_at: at(created + 60),
    }
}

fn notices() -> Notices {
    Notices {
        active: vec![incident(3, Severity::High, HOSTILE, 300)],
        history: vec![incident(1, Severity::Resolved, "Fixed.\nAll good", 100)],
        maintenance: Vec::new(),
    }
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|c| c.tag_name().name() == name)
        .unwrap_or_else(|| panic!("no <{name}>"))
}

fn text_of<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or_default()
}

#[test]
fn rss_parses_escapes_and_lists_newest_first() {
    let body = rss(&page(), &notices(), at(1000));
    let doc = roxmltree::Document::parse(&body).expect("RSS is XML");
    let channel = child(doc.root_element(), "channel");
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    assert_eq!(text_of(channel, "title"), "Ex & <Co> — Incident History");
    assert_eq!(text_of(channel, "link"), "https://status.example.org");
    assert_eq!(text_of(channel, "description"), "Live \"status\"");
    let items: Vec<_> = channel
        .children()
        .filter(|c| c.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), 2);
    assert_eq!(text_of(items[0], "description"), HOSTILE);
    assert_eq!(text_of(items[0], "title"), format!("[High] {HOSTILE}"));
    assert_eq!(
        text_of(items[0], "guid"),
        "https://status.example.org/incidents/3"
    );
    assert_eq!(
        child(items[0], "guid").attribute("isPermaLink"),
        Some("false")
    );
    assert_eq!(text_of(items[0], "pubDate"), at(300).to_rfc2822());
    assert_eq!(text_of(items[1], "title"), "[Resolved] Fixed. All good");
    assert_eq!(text_of(channel, "lastBuildDate"), at(360).to_rfc2822());
}

#[test]
fn atom_parses_with_ids_dates_and_updated() {
    let body = atom(&page(), &notices(), at(1000));
    let doc = roxmltree::Document::parse(&body).expect("Atom is XML");
    let feed = doc.root_element();
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    assert_eq!(text_of(feed, "title"), "Ex & <Co> — Incident History");
    assert_eq!(text_of(feed, "updated"), "2023-11-14T22:19:20Z");
    assert_eq!(
        text_of(feed, "id"),
        "https://status.example.org/history.atom"
    );
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(text_of(entries[0], "content"), HOSTILE);
    assert_eq!(
        text_of(entries[0], "id"),
        "https://status.example.org/incidents/3"
    );
    assert_eq!(text_of(entries[0], "published"), "2023-11-14T22:18:20Z");
    assert_eq!(
        text_of(entries[1], "id"),
        "https://status.example.org/incidents/1"
    );
}

#[test]
fn an_empty_history_is_a_valid_feed_updated_at_the_snapshot_time() {
    let empty = Notices::default();
    let doc_rss = rss(&page(), &empty, at(5));
    assert!(roxmltree::Document::parse(&doc_rss).is_ok());
    let doc_atom = atom(&page(), &empty, at(5));
    let doc = roxmltree::Document::parse(&doc_atom).expect("xml");
    assert_eq!(
        text_of(doc.root_element(), "updated"),
        "2023-11-14T22:13:25Z"
    );
}

#[test]
fn titles_keep_80_characters_and_forbidden_characters_are_dropped() {
    let long = "é".repeat(100);
    let title = item_title(&incident(1, Severity::Medium, &long, 0));
    assert_eq!(title, format!("[Medium] {}", "é".repeat(80)));
    assert_eq!(xml_safe("a\u{0}b\u{1b}c\td\ne"), "abc\td\ne");
    assert!(matches!(xml_safe("plain"), Cow::Borrowed("plain")));
    let bell = incident(2, Severity::High, "bell\u{7} here", 0);
    let notices = Notices {
        active: vec![bell],
        ..Notices::default()
    };
    let body = rss(&page(), &notices, at(0));
    let doc = roxmltree::Document::parse(&body).expect("xml despite a control character");
    let item = child(child(doc.root_element(), "channel"), "item");
    assert_eq!(text_of(item, "description"), "bell here");
}

#[test]
fn items_are_newest_first_across_active_and_recent() {
    let notices = Notices {
        active: vec![incident(2, Severity::Medium, "b", 50)],
        history: vec![
            incident(5, Severity::Resolved, "c", 400),
            incident(4, Severity::Resolved, "a", 10),
        ],
        maintenance: Vec::new(),
    };
    let ids: Vec<i64> = items(&notices).iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![5, 2, 4]);
    assert_eq!(updated(&notices, at(0)), at(400) + Duration::seconds(60));
}
