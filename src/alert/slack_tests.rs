use super::*;
use chrono::TimeZone;

fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, h, m, s)
        .single()
        .expect("valid")
}

#[test]
fn down_payload_is_exact() {
    let p = down_payload(
        "Linker",
        t(3, 15, 0),
        Some(503),
        Some("Expected 202, got 503"),
        "https://status.sefaria.org",
    );
    let expected = json!({
        "text": "🔴 Service Down: Linker",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "🔴 Service Down: Linker", "emoji": true}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": "*Status:*\nDOWN"},
                {"type": "mrkdwn", "text": "*Since:*\n2026-11-24 03:15:00 UTC"},
                {"type": "mrkdwn", "text": "*HTTP Code:*\n503"},
                {"type": "mrkdwn", "text": "*Error:*\nExpected 202, got 503"}
            ]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<https://status.sefaria.org|View Status Page>"}]}
        ]
    });
    assert_eq!(p, expected);
}

#[test]
fn down_payload_without_code_or_error_says_na_and_cuts_long_errors() {
    let p = down_payload("x", t(0, 0, 0), None, None, "https://s");
    assert_eq!(p["blocks"][1]["fields"][2]["text"], "*HTTP Code:*\nN/A");
    assert_eq!(p["blocks"][1]["fields"][3]["text"], "*Error:*\nN/A");
    let long = "e".repeat(300);
    let p = down_payload(&"n".repeat(400), t(0, 0, 0), None, Some(&long), "https://s");
    let error = p["blocks"][1]["fields"][3]["text"].as_str().expect("text");
    assert_eq!(error.chars().count(), "*Error:*\n".len() + 100);
    let header = p["blocks"][0]["text"]["text"].as_str().expect("text");
    assert_eq!(header.chars().count(), 150);
}

#[test]
fn recovered_payload_is_exact() {
    let p = recovered_payload(
        "MCP Server",
        t(3, 0, 0),
        t(4, 2, 5),
        Some(87),
        "https://status.sefaria.org",
    );
    let expected = json!({
        "text": "🟢 Service Recovered: MCP Server",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "🟢 Service Recovered: MCP Server", "emoji": true}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": "*Status:*\nUP"},
                {"type": "mrkdwn", "text": "*Recovered:*\n2026-11-24 04:02:05 UTC"},
                {"type": "mrkdwn", "text": "*Downtime:*\n1h 2m"},
                {"type": "mrkdwn", "text": "*Response Time:*\n87ms"}
            ]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<https://status.sefaria.org|View Status Page>"}]}
        ]
    });
    assert_eq!(p, expected);
    let p = recovered_payload("x", t(3, 0, 0), t(3, 0, 1), None, "https://s");
    assert_eq!(p["blocks"][1]["fields"][3]["text"], "*Response Time:*\nN/A");
}

#[test]
fn downtime_formats() {
    assert_eq!(format_downtime(0), "0s");
    assert_eq!(format_downtime(59), "59s");
    assert_eq!(format_downtime(60), "1m 0s");
    assert_eq!(format_downtime(3599), "59m 59s");
    assert_eq!(format_downtime(3600), "1h 0m");
    assert_eq!(format_downtime(90061), "25h 1m");
}

#[test]
fn target_text_cannot_ping_or_link() {
    let error =
        "Phase 2: task failed - <!channel> <https://evil.example/login|Re-authenticate Slack here>";
    let p = down_payload(
        "A&B <svc>",
        t(0, 0, 0),
        Some(202),
        Some(error),
        "https://s/?a=1&b=2",
    );
    let fields = p["blocks"][1]["fields"].as_array().expect("fields");
    for field in fields {
        let text = field["text"].as_str().expect("text");
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
    }
    assert_eq!(
        fields[3]["text"],
        "*Error:*\nPhase 2: task failed - &lt;!channel&gt; &lt;https://evil.example/login|Re-authenticate Slack here&gt;"
    );
    assert_eq!(p["text"], "🔴 Service Down: A&amp;B &lt;svc&gt;");
    assert_eq!(
        p["blocks"][0]["text"]["text"], "🔴 Service Down: A&B <svc>",
        "the header is plain_text, shown as written"
    );
    assert_eq!(
        p["blocks"][2]["elements"][0]["text"],
        "<https://s/?a=1&amp;b=2|View Status Page>"
    );
    assert_eq!(escape_mrkdwn("a & b < c > d"), "a &amp; b &lt; c &gt; d");
}
