//! One `[[inputs]]` entry checked and turned into an [`Input`]
//! (docs/PIPELINE_FILES.md, "`[[inputs]]`"): its table, how its files are
//! read, the files its path matches, and its column and format mappings
//! against the canonical fields of its table. No data file is opened here:
//! a mapped header is looked for only when the data is read.

use super::defaults;
use super::locate::{Checker, Seg};
use super::raw::{RawColumn, RawFormats, RawInput};
use super::suggest::did_you_mean;
use super::{ColumnMap, Encoding, Format, Input};
use crate::model::{Kind, Table};
use std::path::{Path, PathBuf};
use Seg::{Index, Key};

/// Entry `i` of `[[inputs]]`: `None` when a problem leaves a value the
/// input needs unknown; every check runs either way, so all the entry's
/// problems are reported together.
pub(super) fn validate_input(
    c: &mut Checker,
    base: &Path,
    i: usize,
    ri: &RawInput,
) -> Option<Input> {
    let at = |k: &'static str| [Key("inputs"), Index(i), Key(k)];
    let table = Table::parse(&ri.table);
    if table.is_none() {
        c.report(
            &at("table"),
            format!(
                "`{}` is not a table; tables: bookings, releases, charges, detainers",
                ri.table
            ),
        );
    }
    let format = format(c, i, ri);
    let delimiter = delimiter(c, i, ri);
    let encoding = encoding(c, i, ri);
    if ri.sheet.is_some() && format != Some(Format::Xlsx) {
        c.report(&at("sheet"), "`sheet` applies to xlsx inputs only");
    }
    let files = matching_files(c, base, i, ri);

    // Fields can be checked only against a known table.
    let columns = match table {
        Some(table) => {
            let columns = column_maps(c, i, table, ri);
            check_formats(c, i, table, ri);
            check_required_fields(c, i, table, ri);
            columns
        }
        None => Vec::new(),
    };

    Some(Input {
        index: i,
        table: table?,
        pattern: ri.path.clone(),
        files,
        format: format?,
        delimiter: delimiter?,
        encoding: encoding?,
        sheet: ri.sheet.clone(),
        skip_rows: ri.skip_rows.unwrap_or(defaults::SKIP_ROWS),
        null_values: ri.null_values.clone().unwrap_or_else(|| {
            defaults::NULL_VALUES
                .iter()
                .map(|s| s.to_string())
                .collect()
        }),
        columns,
    })
}

/// `format`, or the one the path's extension gives.
fn format(c: &mut Checker, i: usize, ri: &RawInput) -> Option<Format> {
    let written = ri
        .format
        .as_deref()
        .unwrap_or_else(|| defaults::format_by_extension(&ri.path));
    match written {
        "csv" => Some(Format::Csv),
        "xlsx" => Some(Format::Xlsx),
        "parquet" => Some(Format::Parquet),
        other => {
            c.report(
                &[Key("inputs"), Index(i), Key("format")],
                format!("`{other}` is not a format; formats: csv, xlsx, parquet"),
            );
            None
        }
    }
}

/// `delimiter`: one byte, or a tab written as `"\t"`, `'\t'` or `"tab"`.
fn delimiter(c: &mut Checker, i: usize, ri: &RawInput) -> Option<u8> {
    match ri.delimiter.as_deref() {
        None => Some(defaults::DELIMITER),
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => {
            c.report(
                &[Key("inputs"), Index(i), Key("delimiter")],
                format!("`{d}` is not a one-byte delimiter (use \",\", \";\", \"|\" or \"\\t\")"),
            );
            None
        }
    }
}

/// `encoding`, in any case.
fn encoding(c: &mut Checker, i: usize, ri: &RawInput) -> Option<Encoding> {
    match ri.encoding.as_deref().map(|e| e.to_lowercase()) {
        None => Some(defaults::ENCODING),
        Some(e) if e == "utf-8" || e == "utf8" => Some(Encoding::Utf8),
        Some(e) if e == "windows-1252" || e == "cp1252" => Some(Encoding::Windows1252),
        Some(e) => {
            c.report(
                &[Key("inputs"), Index(i), Key("encoding")],
                format!("`{e}` is not a supported encoding: utf-8 or windows-1252"),
            );
            None
        }
    }
}

/// The files `path` matches, sorted so that runs are reproducible. Paths
/// are relative to the pipeline file; globs allowed.
fn matching_files(c: &mut Checker, base: &Path, i: usize, ri: &RawInput) -> Vec<PathBuf> {
    let at = [Key("inputs"), Index(i), Key("path")];
    let pattern = base.join(&ri.path);
    let pattern_text = pattern.to_string_lossy().to_string();
    let mut files: Vec<PathBuf> = match glob::glob(&pattern_text) {
        Ok(paths) => paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect(),
        Err(e) => {
            c.report(&at, format!("`{}` is not a valid glob: {e}", ri.path));
            Vec::new()
        }
    };
    files.sort();
    if files.is_empty() {
        c.report(
            &at,
            format!(
                "`{}` matches no file (looked for {}; paths are relative to the pipeline file)",
                ri.path, pattern_text
            ),
        );
    }
    files
}

/// `[inputs.columns]`: each key a field of the table, each value one
/// source header, or a date and a time header for a datetime field. A
/// field without `[inputs.formats]` takes the default formats of its kind.
fn column_maps(c: &mut Checker, i: usize, table: Table, ri: &RawInput) -> Vec<ColumnMap> {
    let mut columns = Vec::new();
    for (name, col) in &ri.columns {
        let key = [Key("inputs"), Index(i), Key("columns"), Key(name)];
        let Some(field) = table.field(name) else {
            let names: Vec<&str> = table.fields().iter().map(|f| f.name).collect();
            let hint = did_you_mean(name, &names);
            c.report(
                &key,
                format!(
                    "`{name}` is not a field of {table}{hint}; fields: {}",
                    names.join(", ")
                ),
            );
            continue;
        };
        let sources = match col {
            RawColumn::One(s) => vec![s.clone()],
            RawColumn::Many(v) => v.clone(),
        };
        let ok_len = match field.kind {
            Kind::DateTime => (1..=2).contains(&sources.len()),
            _ => sources.len() == 1,
        };
        if !ok_len || sources.iter().any(|s| s.is_empty()) {
            c.report(
                &key,
                "give one source header, or [date header, time header] for a datetime field",
            );
            continue;
        }
        let formats = match ri.formats.get(name) {
            Some(RawFormats::One(s)) => vec![s.clone()],
            Some(RawFormats::Many(v)) => v.clone(),
            None => match field.kind {
                Kind::DateTime => defaults::DATETIME_FORMATS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                Kind::Date => defaults::DATE_FORMATS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                _ => Vec::new(),
            },
        };
        columns.push(ColumnMap {
            field,
            sources,
            formats,
        });
    }
    columns
}

/// `[inputs.formats]`: each key a mapped date or datetime field of the
/// table, each list non-empty and every format well formed.
fn check_formats(c: &mut Checker, i: usize, table: Table, ri: &RawInput) {
    for (name, fmts) in &ri.formats {
        let list = match fmts {
            RawFormats::One(s) => vec![s.clone()],
            RawFormats::Many(v) => v.clone(),
        };
        let key = [Key("inputs"), Index(i), Key("formats"), Key(name)];
        match table.field(name) {
            Some(f) if matches!(f.kind, Kind::DateTime | Kind::Date) => {
                if !ri.columns.contains_key(name) {
                    c.report(&key, format!("`{name}` has formats but no column mapping"));
                }
                if list.is_empty() {
                    c.report(&key, "give at least one format");
                }
                for fmt in list {
                    if !format_is_valid(&fmt) {
                        c.report(&key, format!("`{fmt}` is not a valid chrono format string"));
                    }
                }
            }
            _ => c.report(
                &key,
                format!("`{name}` is not a date or datetime field of {table}"),
            ),
        }
    }
}

/// The table's required fields must be mapped; detainers need an id that
/// attaches them to bookings (method rule 3).
fn check_required_fields(c: &mut Checker, i: usize, table: Table, ri: &RawInput) {
    let at = [Key("inputs"), Index(i), Key("columns")];
    for field in table.fields() {
        if field.required && !ri.columns.contains_key(field.name) {
            c.report(
                &at,
                format!(
                    "required field `{}` of {table} is not mapped to a source column",
                    field.name
                ),
            );
        }
    }
    if table == Table::Detainers
        && !ri.columns.contains_key("booking_id")
        && !ri.columns.contains_key("person_id")
    {
        c.report(
            &at,
            "detainers need `booking_id` or `person_id` mapped, to attach them to bookings",
        );
    }
}

/// True when a chrono format string is well formed.
pub fn format_is_valid(fmt: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    !fmt.is_empty() && StrftimeItems::new(fmt).all(|i| !matches!(i, Item::Error))
}
