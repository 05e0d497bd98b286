//! Text a monitored target controls (error fields, redirect locations, bodies), made safe to
//! keep: capped in size before it is stored, logged or alerted, and escaped for log lines so a
//! target cannot forge one.

use std::borrow::Cow;
use std::fmt::Write;

/// The most target-derived text kept per check, in bytes (a cut text ends with `…` within it).
pub const TARGET_TEXT_MAX: usize = 1024;

/// `text` cut to at most `max` bytes on a character boundary, ending with `…` when cut.
pub fn cap(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let ellipsis = '…';
    let room = max >= ellipsis.len_utf8();
    let mut end = if room { max - ellipsis.len_utf8() } else { max };
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    if room {
        text.push(ellipsis);
    }
    text
}

/// [`cap`] at [`TARGET_TEXT_MAX`].
pub fn cap_target_text(text: String) -> String {
    cap(text, TARGET_TEXT_MAX)
}

/// `text` with every control character (newlines, carriage returns, escapes, C1 controls) and
/// the Unicode line and paragraph separators written as escapes (`\n`, `\u{1b}`), so that it
/// stays on one log line and cannot colour or rewrite a terminal.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            // Writing into a String cannot fail.
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(
            cap("Expected 200, got 503".into(), 1024),
            "Expected 200, got 503"
        );
        let exact = "x".repeat(1024);
        assert_eq!(cap(exact.clone(), 1024), exact);
    }

    #[test]
    fn long_text_is_cut_within_the_limit_on_a_character_boundary() {
        let long = "é".repeat(2000); // two bytes each
        let cut = cap(long, 1024);
        assert!(cut.len() <= 1024, "{} bytes", cut.len());
        assert!(cut.ends_with('…'));
        assert!(cut.len() > 1000);
        let mixed = format!("a{}", "€".repeat(1000)); // three bytes each after one
        let cut = cap(mixed, 1024);
        assert!(cut.len() <= 1024 && cut.ends_with('…'));
        assert_eq!(cap("abcdef".into(), 2), "ab");
    }

    #[test]
    fn controls_are_escaped_and_plain_text_borrowed() {
        assert!(matches!(escape_controls("plain text"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("a\nb\r\u{1b}[31mc\u{2028}d\te"),
            "a\\nb\\r\\u{1b}[31mc\\u{2028}d\\te"
        );
        assert_eq!(escape_controls("naïve ✓"), "naïve ✓");
    }
}
