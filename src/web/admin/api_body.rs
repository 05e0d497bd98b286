//! Admin API request bodies: each is checked against the shape its operation takes before it
//! is read, so a 422 names every unknown, missing or mistyped field at once (serde stops at
//! the first problem, and does not name the field of a wrong type).

use crate::store::changes::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// `true` or `false`.
    Flag,
    /// A list of strings (service names).
    Names,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Flag => "true or false",
            Kind::Names => "a list of strings",
        }
    }

    fn fits(self, value: &Value) -> bool {
        match (self, value) {
            (Kind::Text, Value::String(_)) | (Kind::Flag, Value::Bool(_)) => true,
            (Kind::Names, Value::Array(items)) => items.iter().all(Value::is_string),
            _ => false,
        }
    }
}

/// One field a body may carry.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Its JSON name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// It must be present.
    pub required: bool,
    /// `null` is accepted (it means "leave as it is").
    pub nullable: bool,
}

const fn required(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
        nullable: false,
    }
}

const fn optional(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        nullable: false,
    }
}

const fn change(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        nullable: true,
    }
}

/// `POST /api/admin/incidents` ([`crate::store::changes::incidents::NewIncident`]).
pub const NEW_INCIDENT: &[Field] = &[
    required("severity", Kind::Text),
    required("text", Kind::Text),
];

/// `PATCH /api/admin/incidents/{id}` ([`crate::store::changes::incidents::IncidentPatch`]).
pub const INCIDENT_PATCH: &[Field] = &[
    change("severity", Kind::Text),
    change("text", Kind::Text),
    change("active", Kind::Flag),
];

/// `POST /api/admin/maintenance` ([`crate::store::changes::maintenance::NewWindow`]).
pub const NEW_WINDOW: &[Field] = &[
    required("title", Kind::Text),
    optional("description", Kind::Text),
    optional("services", Kind::Names),
    required("start", Kind::Text),
    required("end", Kind::Text),
];

/// `PATCH /api/admin/maintenance/{id}` ([`crate::store::changes::maintenance::WindowPatch`]).
pub const WINDOW_PATCH: &[Field] = &[
    change("title", Kind::Text),
    change("description", Kind::Text),
    change("services", Kind::Names),
    change("start", Kind::Text),
    change("end", Kind::Text),
    change("active", Kind::Flag),
];

/// Checks `body` against `shape`, naming every bad field, then reads it as `T`.
pub fn parse<T: DeserializeOwned>(body: Value, shape: &[Field]) -> Result<T, Vec<FieldError>> {
    let Value::Object(map) = &body else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let errors = check(map, shape);
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::from_value(body).map_err(|e| vec![from_serde(&e)])
}

fn check(map: &Map<String, Value>, shape: &[Field]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for field in shape {
        match map.get(field.name) {
            None if field.required => errors.push(FieldError::new(field.name, "is required")),
            Some(Value::Null) if field.nullable => {}
            Some(value) if !field.kind.fits(value) => errors.push(FieldError::new(
                field.name,
                format!("must be {}", field.kind.describe()),
            )),
            _ => {}
        }
    }
    let expected: Vec<&str> = shape.iter().map(|f| f.name).collect();
    for key in map.keys().filter(|k| !expected.contains(&k.as_str())) {
        errors.push(FieldError::new(
            key,
            format!("unknown field; expected one of {}", expected.join(", ")),
        ));
    }
    errors
}

/// The field a serde error is about, as well as its message allows (`body` otherwise).
pub fn from_serde(error: &serde_json::Error) -> FieldError {
    let message = error.to_string();
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| message.split_once(prefix))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name.to_string());
    match named {
        Some(field) => FieldError::new(&field, message),
        None => FieldError::new("body", message),
    }
}
