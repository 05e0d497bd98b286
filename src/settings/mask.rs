//! Masking of secret-bearing configuration values, wherever configuration is printed
//! (`config check`, configuration errors): URL passwords and query values, whole paths of
//! secret URLs (a Slack webhook's path is its key), request bodies and token hashes. Pure.

use serde_json::Value;
use url::Url;

/// What stands for a hidden value.
pub const HIDDEN: &str = "***";

/// A URL with its password, query values and fragment hidden; scheme, user, host, port and
/// path kept: `https://user:***@host/path?api_key=***`. Works on text that does not parse as
/// a URL too, so a malformed value can be named in an error without leaking its secrets.
pub fn url(raw: &str) -> String {
    let (rest, fragment) = match raw.split_once('#') {
        Some((rest, _)) => (rest, format!("#{HIDDEN}")),
        None => (raw, String::new()),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, q)) => (rest, format!("?{}", query(q))),
        None => (rest, String::new()),
    };
    format!("{}{query}{fragment}", authority(rest))
}

/// [`url`] on a parsed URL, in place: password, query values and fragment hidden.
pub fn url_in_place(url: &mut Url) {
    if url.password().is_some() {
        // Fails only for a URL without a host, which has no password to hide.
        let _ = url.set_password(Some(HIDDEN));
    }
    if let Some(q) = url.query().map(query) {
        url.set_query(Some(&q));
    }
    if url.fragment().is_some() {
        url.set_fragment(Some(HIDDEN));
    }
}

/// A URL whose path is itself a secret (a Slack webhook): scheme and host only, the rest as
/// `/***`: `https://hooks.slack.com/***`. Text with no `scheme://host` at all is hidden whole.
pub fn secret_url(raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return HIDDEN.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = authority(&rest[..end]);
    let tail = if end < rest.len() && &rest[end..] != "/" {
        format!("/{HIDDEN}")
    } else {
        String::new()
    };
    format!("{scheme}://{host}{tail}")
}

/// Free text (a parser's message quoting the configuration) with every `scheme://...` in it
/// masked as a secret URL: scheme and host only, passwords hidden.
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find("://") {
        let start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .map_or(0, |i| i + 1);
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

/// `user:password@` in the part before the path becomes `user:***@`.
fn authority(text: &str) -> String {
    let (prefix, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let (auth, path) = rest.split_at(end);
    let auth = match auth.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:{HIDDEN}@{host}"),
            None => format!("{user}@{host}"),
        },
        None => auth.to_string(),
    };
    format!("{prefix}{auth}{path}")
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
            ("https://TOKEN@example.com/", "https://TOKEN@example.com/"),
            ("http://h/p?SECRET", "http://h/p?***"),
            ("postgres://w:pw@db/name", "postgres://w:***@db/name"),
            ("sqlite://watchpost.db", "sqlite://watchpost.db"),
            ("not a url u:pw@x?k=v", "not a url u:***@x?k=***"),
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
            ("https://a:pw@h/?k=v", "https://a:***@h/***"),
            ("hooks.slack.com/services/T/B/X", HIDDEN),
            ("", ""),
        ];
        for (raw, masked) in cases {
            assert_eq!(secret_url(raw), masked, "{raw}");
        }
    }

    #[test]
    fn urls_in_free_text_are_masked() {
        let message =
            "line 2 | url = \"https://u:pw@h/services/T/B/X\" x\n in a.toml, see http://h";
        assert_eq!(
            text(message),
            "line 2 | url = \"https://u:***@h/***\" x\n in a.toml, see http://h"
        );
        assert_eq!(text("no urls here"), "no urls here");
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
