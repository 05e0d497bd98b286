//! Masking of secret-bearing configuration values, wherever configuration is printed
//! (`config check`, configuration errors): URL passwords and query values, whole paths of
//! secret URLs (a Slack webhook's path is its key), request bodies and token hashes. Pure.

use serde_json::Value;
use url::Url;

/// What stands for a hidden value.
pub const HIDDEN: &str = "***";

/// A URL with its user name (when it stands alone, as a token would), password, query values
/// and fragment hidden; scheme, host, port and path kept: `https://user:***@host/path?api_key=***`.
/// Text that does not parse as a URL shows only its scheme (`ftp://***`), or nothing (`***`)
/// when it has no scheme but could hold a secret: what makes a URL unparseable (a `/`, `?` or
/// `#` in a password) is exactly what would defeat masking it piece by piece.
pub fn url(raw: &str) -> String {
    match Url::parse(raw) {
        // Nothing to hide: the text as written, not as the parser would normalise it.
        Ok(parsed) if !has_secrets(&parsed) => raw.to_string(),
        Ok(mut parsed) => {
            url_in_place(&mut parsed);
            parsed.to_string()
        }
        Err(_) => unparsed(raw, false),
    }
}

fn has_secrets(url: &Url) -> bool {
    !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
}

/// [`url()`] on a parsed URL, in place.
pub fn url_in_place(url: &mut Url) {
    // Both fail only for a URL that cannot have credentials, which has none to hide.
    if url.password().is_some() {
        let _ = url.set_password(Some(HIDDEN));
    } else if !url.username().is_empty() {
        let _ = url.set_username(HIDDEN);
    }
    if let Some(q) = url.query().map(query) {
        url.set_query(Some(&q));
    }
    if url.fragment().is_some() {
        url.set_fragment(Some(HIDDEN));
    }
}

/// A URL whose path is itself a secret (a Slack webhook): scheme, host and port only, the rest
/// as `/***`: `https://hooks.slack.com/***`. Unparseable text as in [`url()`].
pub fn secret_url(raw: &str) -> String {
    let Ok(parsed) = Url::parse(raw) else {
        return unparsed(raw, true);
    };
    let host = parsed.host_str().unwrap_or_default();
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let userinfo = if parsed.username().is_empty() && parsed.password().is_none() {
        ""
    } else {
        "***@"
    };
    let has_more = parsed.path() != "/" && !parsed.path().is_empty()
        || parsed.query().is_some()
        || parsed.fragment().is_some();
    let tail = if has_more { "/***" } else { "" };
    format!("{}://{userinfo}{host}{port}{tail}", parsed.scheme())
}

/// Text that does not parse as a URL: its scheme if it has one, else [`HIDDEN`] when it is
/// secret as a whole or could hold a credential or a query, else itself.
fn unparsed(raw: &str, secret: bool) -> String {
    if raw.is_empty() {
        return String::new();
    }
    match raw.split_once("://") {
        Some((scheme, _)) if is_scheme(scheme) => format!("{scheme}://{HIDDEN}"),
        _ if secret || raw.contains(['@', '?', '#', ':']) => HIDDEN.to_string(),
        _ => raw.to_string(),
    }
}

fn is_scheme(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
}

/// Free text (a parser's message) with every `scheme://...` in it masked as a secret URL, and
/// every line that quotes the configuration file's source (`2 | key = "..."`, ` | ^`) left
/// out: such a line may hold a secret that is no URL (a session secret, a body's token). The
/// message keeps its file, line and column, and the parser's reason.
pub fn text(raw: &str) -> String {
    let kept: Vec<&str> = raw.lines().filter(|l| !quotes_source(l)).collect();
    let mut out = String::with_capacity(raw.len());
    let joined = kept.join("\n");
    let mut rest = joined.as_str();
    while let Some(at) = rest.find("://") {
        let start = rest[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || "+.-".contains(*c)))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || "\"'<>`".contains(c))
            .map_or(rest.len(), |i| at + i);
        out.push_str(&rest[..start]);
        out.push_str(&secret_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A parser's excerpt of the source: `  |`, `2 | key = ...`, `  |     ^`.
fn quotes_source(line: &str) -> bool {
    let t = line.trim_start();
    let digits = t.trim_start_matches(|c: char| c.is_ascii_digit());
    digits.trim_start().starts_with('|')
}

/// True for a key whose value is a secret in itself (a session secret, a token or its hash, a
/// password, a webhook URL, a request body): an error about its value must not quote it.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "token", "password", "webhook", "request_body"]
        .iter()
        .any(|word| key.contains(word))
}

/// An error message about `key`'s value, with every quoted value in it hidden when the key is
/// secret (`invalid type: integer `***`, expected a string`), and URLs masked in any case.
pub fn value_error(key: &str, message: &str) -> String {
    let message = text(message);
    if !is_secret_key(key) {
        return message;
    }
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => {
                out.push_str(HIDDEN);
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None if c == '`' || c == '"' => {
                out.push(c);
                open = Some(c);
            }
            None => out.push(c),
        }
    }
    out
}

/// A JSON body with every string, number and boolean replaced by `***` (keys and shape kept).
pub fn json(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), json(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(json).collect()),
        Value::Null => Value::Null,
        _ => Value::String(HIDDEN.to_string()),
    }
}

/// `a=1&b=2` becomes `a=***&b=***`; a bare item (`?TOKEN`) is hidden whole.
fn query(q: &str) -> String {
    let items: Vec<String> = q
        .split('&')
        .map(|item| match item.split_once('=') {
            Some((key, _)) => format!("{key}={HIDDEN}"),
            None if item.is_empty() => String::new(),
            None => HIDDEN.to_string(),
        })
        .collect();
    items.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_where_they_go_and_hide_their_secrets() {
        let cases = [
            ("https://example.com/healthz", "https://example.com/healthz"),
            (
                "https://u:pw@example.com:8443/a/b?api_key=K&x=1#frag",
                "https://u:***@example.com:8443/a/b?api_key=***&x=***#***",
            ),
            ("https://TOKEN@example.com/", "https://***@example.com/"),
            ("http://h/p?SECRET", "http://h/p?***"),
            ("postgres://w:pw@db/name", "postgres://w:***@db/name"),
            ("sqlite://watchpost.db", "sqlite://watchpost.db"),
            ("not a url u:pw@x?k=v", "***"),
            ("https://u:pa/ss@host/x", "https://***"),
            ("https://u:pa?ss@h/", "https://***"),
            ("https://u:p w@h/", "https://u:***@h/"),
            ("ftp://x", "ftp://x"),
            ("watchpost.db", "watchpost.db"),
            ("", ""),
        ];
        for (raw, masked) in cases {
            assert_eq!(url(raw), masked, "{raw}");
        }
    }

    #[test]
    fn parsed_urls_are_masked_alike() {
        let raw = "https://u:pw@example.com:8443/a/b?api_key=K&x=1#frag";
        let mut parsed = Url::parse(raw).expect("url");
        url_in_place(&mut parsed);
        assert_eq!(parsed.as_str(), url(raw));
        let mut plain = Url::parse("https://example.com/healthz").expect("url");
        url_in_place(&mut plain);
        assert_eq!(plain.as_str(), "https://example.com/healthz");
    }

    #[test]
    fn secret_urls_show_scheme_and_host_only() {
        let cases = [
            (
                "https://hooks.slack.com/services/T/B/X",
                "https://hooks.slack.com/***",
            ),
            (
                "ftp://hooks.slack.com/services/X",
                "ftp://hooks.slack.com/***",
            ),
            ("https://hooks.slack.com", "https://hooks.slack.com"),
            ("https://a:pw@h/?k=v", "https://***@h/***"),
            ("https://u:p/w@hooks.slack.com/x", "https://***"),
            ("https://h:8443/x", "https://h:8443/***"),
            ("hooks.slack.com/services/T/B/X", HIDDEN),
            ("", ""),
        ];
        for (raw, masked) in cases {
            assert_eq!(secret_url(raw), masked, "{raw}");
        }
    }

    #[test]
    fn urls_in_free_text_are_masked_and_quoted_source_left_out() {
        let message = "TOML parse error at line 2, column 9\n  |\n2 | session_secret = \"S3CRET\n  |         ^\ninvalid basic string, see https://u:pw@h/services/T";
        assert_eq!(
            text(message),
            "TOML parse error at line 2, column 9\ninvalid basic string, see https://***@h/***"
        );
        assert_eq!(text("no urls here"), "no urls here");
        // A character of several bytes right before a scheme (a pasted curly quote).
        assert_eq!(text("url = “https://h/x/y”"), "url = “https://h/***");
    }

    #[test]
    fn errors_about_secret_values_hide_the_value() {
        let e = "invalid type: integer `12345678`, expected a string";
        assert_eq!(
            value_error("session_secret", e),
            "invalid type: integer `***`, expected a string"
        );
        assert_eq!(value_error("retries", e), e);
        let s = "invalid type: string \"hunter2\", expected a sequence";
        assert_eq!(
            value_error("tokens", s),
            "invalid type: string \"***\", expected a sequence"
        );
    }

    #[test]
    fn bodies_keep_their_shape_only() {
        let body = serde_json::json!({"token": "s", "n": 4, "list": [true, null], "o": {"k": "v"}});
        assert_eq!(
            json(&body),
            serde_json::json!({"token": "***", "n": "***", "list": ["***", null], "o": {"k": "***"}})
        );
    }
}
