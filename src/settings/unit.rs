//! One table of the configuration and where it came from: deserialized whole, or key by key
//! when some keys are malformed, so that every problem is reported with its file and path.

use config::{Map, Value};
use serde::de::DeserializeOwned;

/// One table of the configuration (a section or a service) and where it came from.
pub struct Unit {
    value: Option<Value>,
    path: String,
    /// The file (or layer) it came from.
    pub origin: String,
}

impl Unit {
    /// The unit at `path` holding `value`.
    pub fn new(value: Option<Value>, path: String) -> Self {
        let origin = origin(value.as_ref());
        Unit {
            value,
            path,
            origin,
        }
    }

    /// Deserializes the unit and runs `check`, prefixing its problems with the file and path.
    /// When some keys do not deserialize, each is reported, and `check` still runs on the
    /// others so that their problems are listed too; the unit then resolves to nothing.
    pub fn resolve<R, T>(
        self,
        errors: &mut Vec<String>,
        check: impl FnOnce(R, &mut Vec<String>) -> Option<T>,
    ) -> Option<T>
    where
        R: DeserializeOwned + Default,
    {
        let (raw, bad_keys) = match self.value.clone() {
            None => (R::default(), Vec::new()),
            Some(value) => match value.clone().try_deserialize::<R>() {
                Ok(raw) => (raw, Vec::new()),
                Err(whole) => self.report_each_key::<R>(value, whole, errors)?,
            },
        };
        let mut problems = Vec::new();
        let resolved = check(raw, &mut problems);
        // A key already reported as malformed is not reported again as missing.
        let about_bad_key = |p: &String| {
            bad_keys
                .iter()
                .any(|k| p.starts_with(&format!("{k}:")) || p.starts_with(&format!("{k}.")))
        };
        errors.extend(
            problems
                .into_iter()
                .filter(|p| !about_bad_key(p))
                .map(|p| format!("{}: {}.{p}", self.origin, self.path)),
        );
        if bad_keys.is_empty() {
            resolved
        } else {
            None
        }
    }

    /// Reports every key that does not deserialize alone; returns the unit without them and
    /// their names, or nothing when even that does not deserialize.
    fn report_each_key<R: DeserializeOwned>(
        &self,
        value: Value,
        whole: config::ConfigError,
        errors: &mut Vec<String>,
    ) -> Option<(R, Vec<String>)> {
        let Ok(table) = value.into_table() else {
            errors.push(format!(
                "{}: {}: expected a table ({whole})",
                self.origin, self.path
            ));
            return None;
        };
        let mut rest = Map::new();
        let mut bad_keys = Vec::new();
        for (key, item) in table {
            let at = origin(Some(&item));
            let single: Map<String, Value> = std::iter::once((key.clone(), item.clone())).collect();
            match Value::new(None, single).try_deserialize::<R>() {
                Ok(_) => {
                    rest.insert(key, item);
                }
                Err(e) => {
                    let why = super::mask::value_error(&key, &e.to_string());
                    errors.push(format!("{at}: {}.{key}: {why}", self.path));
                    bad_keys.push(key);
                }
            }
        }
        let rest = Value::new(None, rest).try_deserialize::<R>().ok()?;
        Some((rest, bad_keys))
    }
}

/// The file a value came from, or a description of the layer.
pub fn origin(value: Option<&Value>) -> String {
    let leaf = value.and_then(|v| match v.clone().into_table() {
        Ok(t) => t.into_values().find_map(|v| v.origin().map(str::to_string)),
        Err(_) => v.origin().map(str::to_string),
    });
    leaf.unwrap_or_else(|| "configuration".to_string())
}
