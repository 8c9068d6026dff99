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
    for f in table.staged_fields() {
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

/// JSON object of header → value. Its keys come out in the order of their
/// bytes, not the header's (serde_json's map without its `preserve_order`
/// feature); a field past the header is named `_extra_N` by its 1-based
/// position, and of a header named twice the later field is kept.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_types(s: &Schema) -> Vec<(String, DataType)> {
        s.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
    }

    fn expect(cols: &[(&str, DataType)]) -> Vec<(String, DataType)> {
        cols.iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect()
    }

    #[test]
    fn staged_schema_is_the_source_columns_then_the_fields_typed_by_kind() {
        use DataType::{Boolean, Date, Float64, Int64, String};
        assert_eq!(
            names_and_types(&staged_schema(Table::Bookings)),
            expect(&[
                ("source_file", String),
                ("source_row", Int64),
                ("source_line", Int64),
                ("booking_id", String),
                ("person_id", String),
                ("last_name", String),
                ("first_name", String),
                ("middle_name", String),
                ("dob", Date),
                ("sex", String),
                ("race", String),
                ("booked_at", Int64),
                ("facility", String),
                ("bail_amount", Float64),
                ("bail_status", String),
            ])
        );
        // The charge's text is checked, not kept: no rule or output reads it.
        assert_eq!(
            names_and_types(&staged_schema(Table::Charges)),
            expect(&[
                ("source_file", String),
                ("source_row", Int64),
                ("source_line", Int64),
                ("booking_id", String),
                ("charge_kind", String),
                ("charge_released_at", Int64),
            ])
        );
        assert_eq!(
            names_and_types(&staged_schema(Table::Detainers)),
            expect(&[
                ("source_file", String),
                ("source_row", Int64),
                ("source_line", Int64),
                ("booking_id", String),
                ("person_id", String),
                ("detainer_id", String),
                ("lodged_at", Int64),
                ("form", String),
                ("warrant", String),
                ("lifted_at", Int64),
                ("lift_reason", String),
                ("ice_custody_at", Int64),
                ("final_order", Boolean),
            ])
        );
    }

    #[test]
    fn reject_schema_names_table_source_reason_detail_and_raw() {
        use DataType::{Int64, String};
        assert_eq!(
            names_and_types(&reject_schema()),
            expect(&[
                ("table", String),
                ("source_file", String),
                ("source_row", Int64),
                ("source_line", Int64),
                ("reason", String),
                ("detail", String),
                ("raw", String),
            ])
        );
    }

    #[test]
    fn rejects_frame_has_the_reject_schema_and_the_rejects_in_order() {
        let reject = |row: i64, reason| Reject {
            table: Table::Releases,
            source_file: "data/b.csv".to_string(),
            source_row: row,
            source_line: row + 1,
            reason,
            detail: format!("detail {row}"),
            raw: format!("{{\"BKG\":\"B{row}\"}}"),
        };
        let df =
            rejects_frame(&[reject(3, "bad_datetime"), reject(1, "missing_required")]).unwrap();
        assert_eq!(
            names_and_types(df.schema()),
            names_and_types(&reject_schema())
        );
        let strs = |name: &str| -> Vec<Option<std::string::String>> {
            let c = df.column(name).unwrap().str().unwrap();
            c.iter().map(|v| v.map(str::to_string)).collect()
        };
        let ints = |name: &str| -> Vec<Option<i64>> {
            df.column(name).unwrap().i64().unwrap().iter().collect()
        };
        let some = |v: &[&str]| -> Vec<Option<std::string::String>> {
            v.iter().map(|s| Some(s.to_string())).collect()
        };
        assert_eq!(strs("table"), some(&["releases", "releases"]));
        assert_eq!(strs("source_file"), some(&["data/b.csv", "data/b.csv"]));
        assert_eq!(ints("source_row"), [Some(3), Some(1)]);
        assert_eq!(ints("source_line"), [Some(4), Some(2)]);
        assert_eq!(strs("reason"), some(&["bad_datetime", "missing_required"]));
        assert_eq!(strs("detail"), some(&["detail 3", "detail 1"]));
        assert_eq!(strs("raw"), some(&[r#"{"BKG":"B3"}"#, r#"{"BKG":"B1"}"#]));

        let none = rejects_frame(&[]).unwrap();
        assert_eq!(none.height(), 0);
        assert_eq!(
            names_and_types(none.schema()),
            names_and_types(&reject_schema())
        );
    }

    #[test]
    fn raw_json_names_extra_fields_by_position_and_sorts_keys_by_name() {
        let header: Vec<String> = ["id", "Name"].map(String::from).to_vec();
        let fields: Vec<String> = ["007", "Ann \"Bo\"", "x", "y"].map(String::from).to_vec();
        // serde_json's map (no `preserve_order`) orders keys by their bytes:
        // "Name" < "_extra_3" < "_extra_4" < "id".
        assert_eq!(
            raw_json(&header, &fields),
            r#"{"Name":"Ann \"Bo\"","_extra_3":"x","_extra_4":"y","id":"007"}"#
        );
        // A short row gives only the fields it has.
        assert_eq!(raw_json(&header, &fields[..1]), r#"{"id":"007"}"#);
        // A header named twice keeps the later field.
        let twice: Vec<String> = ["a", "a"].map(String::from).to_vec();
        assert_eq!(raw_json(&twice, &fields[..2]), r#"{"a":"Ann \"Bo\""}"#);
        assert_eq!(raw_json(&header, &[]), "{}");
    }
}
