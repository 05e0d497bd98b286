//! Reading one JSON row of an import: each field by name and type, every problem as
//! `field NAME: why`.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Map, Value};

/// Reads the fields of one JSON row, remembering the first problem as `field: why`.
pub struct Fields<'a> {
    row: &'a Map<String, Value>,
}

/// A field read, or what is wrong with it.
pub type Read<T> = Result<T, String>;

impl<'a> Fields<'a> {
    /// The row `value` with exactly the columns `allowed`.
    pub fn new(value: &'a Value, allowed: &[&str]) -> Read<Self> {
        let row = value.as_object().ok_or("not a JSON object")?;
        if let Some(unknown) = row.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!(
                "field {unknown}: unknown column (known: {})",
                allowed.join(", ")
            ));
        }
        Ok(Fields { row })
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.row.get(name).filter(|v| !v.is_null())
    }

    fn required<T>(&self, name: &str, value: Read<Option<T>>) -> Read<T> {
        value?.ok_or_else(|| format!("field {name}: required"))
    }

    /// An optional string.
    pub fn opt_text(&self, name: &str) -> Read<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("field {name}: expected a string")),
        }
    }

    /// A string.
    pub fn text(&self, name: &str) -> Read<String> {
        self.required(name, self.opt_text(name))
    }

    /// An optional 32-bit integer.
    pub fn opt_int(&self, name: &str) -> Read<Option<i32>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("field {name}: expected an integer")),
        }
    }

    /// A boolean.
    pub fn flag(&self, name: &str) -> Read<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Ok(*b),
            None => Err(format!("field {name}: required")),
            Some(_) => Err(format!("field {name}: expected true or false")),
        }
    }

    /// An optional RFC 3339 time.
    pub fn opt_time(&self, name: &str) -> Read<Option<DateTime<Utc>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let t = DateTime::parse_from_rfc3339(s)
                    .map(|t| micros(t.with_timezone(&Utc)))
                    .map_err(|_| format!("field {name}: {} is not an RFC 3339 time", shown(s)))?;
                crate::store::changes::year_in_range(t)
                    .map_err(|why| format!("field {name}: {why}"))?;
                Ok(Some(t))
            }
            Some(_) => Err(format!("field {name}: expected an RFC 3339 time string")),
        }
    }

    /// An RFC 3339 time.
    pub fn time(&self, name: &str) -> Read<DateTime<Utc>> {
        self.required(name, self.opt_time(name))
    }

    /// A list of strings.
    pub fn names(&self, name: &str) -> Read<Vec<String>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("field {name}: expected a list of strings")),
            Some(_) => Err(format!("field {name}: expected a list of strings")),
        }
    }
}

/// Most characters of a bad value an error quotes: a hostile file's megabyte of text is named,
/// not echoed.
const SHOWN_CHARS: usize = 40;

/// `value` quoted for an error message, cut to 40 characters.
pub fn shown(value: &str) -> String {
    if value.chars().count() <= SHOWN_CHARS {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(SHOWN_CHARS).collect();
        format!("{head:?}… ({} characters)", value.chars().count())
    }
}

/// `value` when it is one of `allowed`.
pub fn one_of(name: &str, value: String, allowed: &[&str]) -> Read<String> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(format!(
            "field {name}: {} is not one of {}",
            shown(&value),
            allowed.join(", ")
        ))
    }
}

/// `end` not before `start`.
pub fn not_before(
    name: &str,
    end: DateTime<Utc>,
    start: DateTime<Utc>,
    start_name: &str,
) -> Read<()> {
    if end < start {
        Err(format!(
            "field {name}: {} is before {start_name} {}",
            end.to_rfc3339(),
            start.to_rfc3339()
        ))
    } else {
        Ok(())
    }
}

/// Times as both databases keep them: microseconds.
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
