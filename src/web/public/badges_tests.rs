use super::*;

fn view(status: ServiceStatus, uptime_30d: Option<f64>) -> ServiceView {
    let mut view = ServiceView::unknown("api");
    view.status = status;
    view.uptime_30d = uptime_30d;
    view
}

#[test]
fn statuses_have_their_words_and_colours() {
    let cases = [
        (ServiceStatus::Up, "up", GREEN),
        (ServiceStatus::Degraded, "degraded", ORANGE),
        (ServiceStatus::Down, "down", RED),
        (ServiceStatus::Maintenance, "maintenance", BLUE_GREY),
        (ServiceStatus::Unknown, "unknown", GREY),
    ];
    for (status, word, colour) in cases {
        let badge = status_badge("api", Some(&view(status, None)));
        assert_eq!(
            (badge.label.as_str(), badge.value.as_str()),
            ("status", word)
        );
        assert_eq!(badge.colour, colour);
        assert_eq!(badge.title, format!("api status: {word}"));
    }
    assert_eq!(status_badge("x", None).value, "not found");
}

#[test]
fn uptimes_are_truncated_and_coloured_by_threshold() {
    assert_eq!(format_uptime(100.0), "100%");
    assert_eq!(format_uptime(99.95), "99.95%");
    assert_eq!(format_uptime(99.999), "99.99%");
    assert_eq!(format_uptime(99.9), "99.9%");
    assert_eq!(format_uptime(0.0), "0%");
    assert_eq!(uptime_colour(100.0), GREEN);
    assert_eq!(uptime_colour(99.9), GREEN);
    assert_eq!(uptime_colour(99.89), YELLOW_GREEN);
    assert_eq!(uptime_colour(99.0), YELLOW_GREEN);
    assert_eq!(uptime_colour(98.99), ORANGE);
    assert_eq!(uptime_colour(95.0), ORANGE);
    assert_eq!(uptime_colour(94.99), RED);
    let badge = uptime_badge(
        "api",
        Window::D30,
        Some(&view(ServiceStatus::Up, Some(99.5))),
    );
    assert_eq!(badge.label, "uptime 30d");
    assert_eq!(badge.value, "99.5%");
    assert_eq!(badge.colour, YELLOW_GREEN);
    let none = uptime_badge("api", Window::D30, Some(&view(ServiceStatus::Up, None)));
    assert_eq!((none.value.as_str(), none.colour), ("no data", GREY));
    assert_eq!(uptime_badge("x", Window::H24, None).value, "not found");
}

#[test]
fn windows_parse_from_the_file_name() {
    assert_eq!(Window::parse("24h.svg"), Some(Window::H24));
    assert_eq!(Window::parse("90d.svg"), Some(Window::D90));
    assert_eq!(Window::parse("30d"), None);
    assert_eq!(Window::parse("1y.svg"), None);
}

#[test]
fn widths_follow_the_text_length() {
    assert_eq!(text_width("up"), 2 * CHAR_WIDTH + PADDING);
    assert_eq!(text_width("maintenance"), 11 * CHAR_WIDTH + PADDING);
    assert_eq!(text_width("é"), CHAR_WIDTH + PADDING);
    let svg = render(&status_badge("api", Some(&view(ServiceStatus::Up, None))));
    let doc = roxmltree::Document::parse(&svg).expect("SVG is XML");
    let total = text_width("status") + text_width("up");
    assert_eq!(
        doc.root_element().attribute("width"),
        Some(total.to_string().as_str())
    );
}

#[test]
fn svg_parses_with_an_accessible_escaped_title() {
    let name = "<b>&\"x\"</b>";
    let svg = render(&status_badge(name, None));
    let doc = roxmltree::Document::parse(&svg).expect("SVG is XML");
    let root = doc.root_element();
    let title = format!("{name} status: not found");
    assert_eq!(root.attribute("aria-label"), Some(title.as_str()));
    assert_eq!(root.attribute("role"), Some("img"));
    let text: Vec<&str> = root
        .descendants()
        .filter(|n| n.has_tag_name("title") || n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(text[0], title);
    assert!(text.contains(&"not found"));
    assert!(text.contains(&"status"));
}
