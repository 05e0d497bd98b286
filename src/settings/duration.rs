//! Durations in configuration: seconds as a number (fractional allowed) or `"250ms"`, `"10s"`,
//! `"5m"`, `"1h"`.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// A configured duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Secs(pub Duration);

impl Secs {
    /// Whole or fractional seconds.
    pub fn from_secs_f64(secs: f64) -> Self {
        Secs(Duration::from_secs_f64(secs))
    }
}

/// Parses `"1.5"`, `"250ms"`, `"10s"`, `"5m"`, `"1h"`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad(text))?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad(text)),
    };
    seconds(value * scale).ok_or_else(|| bad(text))
}

fn seconds(value: f64) -> Option<Duration> {
    (value.is_finite() && (0.0..1e9).contains(&value)).then(|| Duration::from_secs_f64(value))
}

fn bad(text: &str) -> String {
    format!("invalid duration {text:?}: expected seconds (e.g. 10 or 0.5) or a string like \"250ms\" or \"10s\"")
}

/// Formats a duration the way [`parse`] reads it back: `"250ms"`, `"10s"`, `"1.5s"`.
pub fn format(d: Duration) -> String {
    if d.subsec_millis() != 0 && d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

impl Serialize for Secs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(self.0))
    }
}

impl<'de> Deserialize<'de> for Secs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SecsVisitor)
    }
}

struct SecsVisitor;

impl Visitor<'_> for SecsVisitor {
    type Value = Secs;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("seconds as a number, or a string like \"250ms\" or \"10s\"")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secs, E> {
        Ok(Secs(Duration::from_secs(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secs, E> {
        u64::try_from(v)
            .map(|v| Secs(Duration::from_secs(v)))
            .map_err(|_| E::custom(format!("invalid duration {v}: must not be negative")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Secs, E> {
        seconds(v)
            .map(Secs)
            .ok_or_else(|| E::custom(format!("invalid duration {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Secs, E> {
        parse(v).map(Secs).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_units() {
        assert_eq!(parse("0.2"), Ok(Duration::from_millis(200)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert!(parse("abc").is_err());
        assert!(parse("-1").is_err());
        assert!(parse("10 parsecs").is_err());
        assert_eq!(format(Duration::from_millis(250)), "250ms");
        assert_eq!(format(Duration::from_secs(60)), "60s");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
    }
}
