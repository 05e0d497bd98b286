//! Export, import, and migration from the original Django monitor's database.
//!
//! The document is one JSON object keyed by table (`health_checks`, `outages`,
//! `service_states`, `incidents`, `maintenance_windows`), rows in time order, ids left out,
//! times RFC 3339 UTC (microseconds). Export streams it; import reads it whole, checks every
//! row against the admin API's rules (a bad one names its table, row and field; then nothing
//! is written) and writes everything in one transaction, skipping rows already present by
//! their natural key.

pub mod django;
pub mod export;
pub mod fields;
pub mod rows;
pub mod rules;
pub mod store;

use rows::{CheckRow, IncidentRow, OutageRow, StateRow, WindowRow};
use serde_json::Value;

/// The tables of a document, in the order they are written.
pub const TABLES: [&str; 5] = [
    "health_checks",
    "outages",
    "service_states",
    "incidents",
    "maintenance_windows",
];

/// A whole document in memory (import side).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// `health_checks`
    pub checks: Vec<CheckRow>,
    /// `outages`
    pub outages: Vec<OutageRow>,
    /// `service_states`
    pub states: Vec<StateRow>,
    /// `incidents`
    pub incidents: Vec<IncidentRow>,
    /// `maintenance_windows`
    pub windows: Vec<WindowRow>,
}

fn rows_of<T>(
    table: &str,
    value: &Value,
    read: fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("table {table}: expected a list of rows"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, row)| read(row).map_err(|e| format!("table {table}, row {}: {e}", i + 1)))
        .collect()
}

impl Document {
    /// Reads a document, checking every row; the first problem is reported with its table,
    /// row number (from 1) and field.
    pub fn parse(value: &Value) -> Result<Document, String> {
        let tables = value
            .as_object()
            .ok_or("the document is not a JSON object keyed by table")?;
        if let Some(unknown) = tables.keys().find(|k| !TABLES.contains(&k.as_str())) {
            return Err(format!(
                "table {unknown}: unknown table (known: {})",
                TABLES.join(", ")
            ));
        }
        let empty = Value::Array(Vec::new());
        let table = |name: &str| tables.get(name).unwrap_or(&empty);
        Ok(Document {
            checks: rows_of("health_checks", table("health_checks"), CheckRow::read)?,
            outages: rows_of("outages", table("outages"), OutageRow::read)?,
            states: rows_of("service_states", table("service_states"), StateRow::read)?,
            incidents: rows_of("incidents", table("incidents"), IncidentRow::read)?,
            windows: rows_of(
                "maintenance_windows",
                table("maintenance_windows"),
                WindowRow::read,
            )?,
        })
    }
}

/// Rows written and rows skipped (already present) per table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// (table, written, skipped) in [`TABLES`] order.
    pub tables: Vec<(&'static str, usize, usize)>,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .tables
            .iter()
            .map(|(t, written, skipped)| {
                if *skipped > 0 {
                    format!("{t} {written} ({skipped} already present)")
                } else {
                    format!("{t} {written}")
                }
            })
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}
