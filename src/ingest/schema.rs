//! The shape of staged data: the source columns every staged table starts
//! with, the schema of a table's staged rows and of its rejects, and a
//! rejected row with its raw values as JSON.

use crate::model::{Kind, Table};
use polars::prelude::*;

/// Columns every staged table starts with.
pub const SOURCE_FILE: &str = "source_file";
pub const SOURCE_ROW: &str = "source_row";
pub const SOURCE_LINE: &str = "source_line";

/// The schema of a staged table: source columns, then the table's fields.
/// Datetimes are `Int64` microseconds since the epoch, UTC.
pub fn staged_schema(table: Table) -> Schema {
    let mut s = Schema::default();
    s.insert(SOURCE_FILE.into(), DataType::String);
    s.insert(SOURCE_ROW.into(), DataType::Int64);
    s.insert(SOURCE_LINE.into(), DataType::Int64);
    for f in table.fields() {
        let dt = match f.kind {
            Kind::Id | Kind::Text | Kind::Coded(_) => DataType::String,
            Kind::DateTime => DataType::Int64,
            Kind::Date => DataType::Date,
            Kind::Decimal => DataType::Float64,
            Kind::Bool => DataType::Boolean,
        };
        s.insert(f.name.into(), dt);
    }
    s
}

/// The schema of staged rejects, also the schema of the `rejects/` output.
pub fn reject_schema() -> Schema {
    let mut s = Schema::default();
    for name in ["table", SOURCE_FILE] {
        s.insert(name.into(), DataType::String);
    }
    s.insert(SOURCE_ROW.into(), DataType::Int64);
    s.insert(SOURCE_LINE.into(), DataType::Int64);
    for name in ["reason", "detail", "raw"] {
        s.insert(name.into(), DataType::String);
    }
    s
}

/// A rejected row, before it is written.
#[derive(Debug, Clone)]
pub struct Reject {
    pub table: Table,
    pub source_file: String,
    pub source_row: i64,
    pub source_line: i64,
    pub reason: &'static str,
    pub detail: String,
    /// The row's raw values as a JSON object of source header → text.
    pub raw: String,
}

/// Rejects as a DataFrame of [`reject_schema`].
pub fn rejects_frame(rejects: &[Reject]) -> PolarsResult<DataFrame> {
    let n = rejects.len();
    let strs = |name: &str, f: &dyn Fn(&Reject) -> &str| -> Column {
        Column::new(name.into(), rejects.iter().map(f).collect::<Vec<_>>())
    };
    DataFrame::new(
        n,
        vec![
            strs("table", &|r| r.table.name()),
            strs(SOURCE_FILE, &|r| &r.source_file),
            Column::new(
                SOURCE_ROW.into(),
                rejects.iter().map(|r| r.source_row).collect::<Vec<_>>(),
            ),
            Column::new(
                SOURCE_LINE.into(),
                rejects.iter().map(|r| r.source_line).collect::<Vec<_>>(),
            ),
            strs("reason", &|r| r.reason),
            strs("detail", &|r| &r.detail),
            strs("raw", &|r| &r.raw),
        ],
    )
}

/// JSON object of header → value, in header order.
pub fn raw_json(header: &[String], fields: &[String]) -> String {
    let mut map = serde_json::Map::new();
    for (i, v) in fields.iter().enumerate() {
        let key = header
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("_extra_{}", i + 1));
        map.insert(key, serde_json::Value::String(v.clone()));
    }
    serde_json::Value::Object(map).to_string()
}
