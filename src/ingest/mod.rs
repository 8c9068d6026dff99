//! Ingest: each input file of a pipeline read once, row by row, into a staged
//! Parquet file of its canonical table (SPEC 2), typed and time-zoned, plus a
//! staged Parquet file of the rows that could not be used, each with its
//! source file, row, line, raw values and a reason code.
//!
//! This is the only module that reads export files. Staging keeps memory flat
//! (rows are written in batches) and lets every later stage scan typed,
//! columnar data lazily instead of parsing text twice.

mod csv;
pub mod parse;
pub mod source;

use crate::config::{ColumnMap, Input, Pipeline};
use crate::model::{Kind, Table};
use parse::{CodeMap, DateParser, DateTimeParser, FieldError};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Rows per staged batch: large enough for good Parquet pages, small enough
/// that memory stays flat whatever the file size.
const BATCH_ROWS: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}: CSV error: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    #[error("{}: cannot read the workbook or Parquet file: {message}", path.display())]
    Workbook { path: PathBuf, message: String },
    #[error("{}: the file is empty (no header line after skipping {skip_rows} preamble lines)", path.display())]
    Empty { path: PathBuf, skip_rows: usize },
    #[error("{0}")]
    MissingColumn(Box<MissingColumn>),
    #[error("{}: cannot write staged data: {source}", path.display())]
    Stage {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
}

/// A mapped source column that is not in a file's header.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}: column `{column}` (mapped to `{field}` by {pipeline}, inputs[{input}]) is not in the header{hint}; \
     the header has: {available}",
    path.display()
)]
pub struct MissingColumn {
    pub path: PathBuf,
    pub pipeline: String,
    pub input: usize,
    pub field: String,
    pub column: String,
    pub hint: String,
    pub available: String,
}

/// What happened to one input file.
#[derive(Debug, Clone)]
pub struct FileStats {
    pub path: PathBuf,
    /// The path as shown in outputs: relative to the pipeline file's folder.
    pub display: String,
    pub sha256: String,
    pub rows_in: u64,
    /// Rows rejected while reading, by reason code.
    pub rejected: BTreeMap<String, u64>,
    /// Coded field → source code that no `[codes.*]` entry maps → count.
    pub unmapped: BTreeMap<String, BTreeMap<String, u64>>,
}

/// One input file staged: its table's rows and its rejects, as Parquet.
#[derive(Debug, Clone)]
pub struct Staged {
    pub table: Table,
    pub input: usize,
    pub rows: PathBuf,
    pub rejects: PathBuf,
    pub stats: FileStats,
}

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

/// Hashes everything read through it, so a file is hashed in the same pass
/// that parses it.
struct HashingReader<R> {
    inner: R,
    hasher: std::sync::Arc<std::sync::Mutex<Sha256>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hasher.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// SHA-256 of a whole file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The path of a data file as shown in outputs: relative to the folder of
/// the pipeline file, as the pipeline file wrote it, so outputs do not depend
/// on where the project is checked out.
pub fn display_path(pipeline: &Pipeline, file: &Path) -> String {
    let base = pipeline.file.parent().unwrap_or(Path::new(""));
    file.strip_prefix(base)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

/// How to read one mapped field.
enum FieldReader {
    Text,
    DateTime(DateTimeParser),
    Date(DateParser),
    Decimal,
    Coded(CodeMap),
}

struct Mapped<'p> {
    map: &'p ColumnMap,
    /// Header positions of the source columns (one, or date and time).
    positions: Vec<usize>,
    reader: FieldReader,
}

/// One output column being filled.
enum Builder {
    Str(Vec<Option<String>>),
    I64(Vec<Option<i64>>),
    Date(Vec<Option<i32>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Builder {
    fn for_kind(kind: Kind) -> Builder {
        match kind {
            Kind::Id | Kind::Text | Kind::Coded(_) => Builder::Str(Vec::new()),
            Kind::DateTime => Builder::I64(Vec::new()),
            Kind::Date => Builder::Date(Vec::new()),
            Kind::Decimal => Builder::F64(Vec::new()),
            Kind::Bool => Builder::Bool(Vec::new()),
        }
    }

    fn push_null(&mut self) {
        match self {
            Builder::Str(v) => v.push(None),
            Builder::I64(v) => v.push(None),
            Builder::Date(v) => v.push(None),
            Builder::F64(v) => v.push(None),
            Builder::Bool(v) => v.push(None),
        }
    }

    fn take(&mut self, name: &str) -> PolarsResult<Column> {
        Ok(match self {
            Builder::Str(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::I64(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::Date(v) => {
                Column::new(name.into(), std::mem::take(v)).cast(&DataType::Date)?
            }
            Builder::F64(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::Bool(v) => Column::new(name.into(), std::mem::take(v)),
        })
    }
}

/// A parsed value of one field.
enum Value {
    Str(String),
    I64(i64),
    Date(i32),
    F64(f64),
    Bool(bool),
}

/// Stages one input file. `work` is a private folder for staged files.
pub fn stage_file(
    pipeline: &Pipeline,
    input: &Input,
    path: &Path,
    work: &Path,
    tag: &str,
) -> Result<Staged, IngestError> {
    let display = display_path(pipeline, path);
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let file = std::fs::File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut source = source::Source::open(
        path,
        input,
        Box::new(HashingReader {
            inner: file,
            hasher: hasher.clone(),
        }),
    )?;

    let as_of = pipeline
        .as_of
        .and_then(|t| parse::local_to_utc_micros(t, &pipeline.tz).ok());

    // Resolve every mapped header before reading data: a missing column is a
    // configuration error, reported with the columns that do exist.
    let header = source.header().to_vec();
    let mut mapped = Vec::new();
    for map in &input.columns {
        let mut positions = Vec::new();
        for col in &map.sources {
            let pos = header
                .iter()
                .position(|h| h == col)
                .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(col)));
            match pos {
                Some(p) => positions.push(p),
                None => {
                    let names: Vec<&str> = header.iter().map(String::as_str).collect();
                    return Err(IngestError::MissingColumn(Box::new(MissingColumn {
                        path: path.to_path_buf(),
                        pipeline: pipeline.file.display().to_string(),
                        input: input.index,
                        field: map.field.name.to_string(),
                        column: col.clone(),
                        hint: crate::config::suggest(col, &names)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default(),
                        available: names.join(", "),
                    })));
                }
            }
        }
        let reader = match map.field.kind {
            Kind::Id | Kind::Text => FieldReader::Text,
            Kind::DateTime => FieldReader::DateTime(
                DateTimeParser::new(
                    &map.formats,
                    pipeline.rules.date_only(map.field.name),
                    pipeline.tz,
                )
                .with_latest(as_of),
            ),
            Kind::Date => FieldReader::Date(DateParser::new(&map.formats)),
            Kind::Decimal => FieldReader::Decimal,
            Kind::Coded(_) | Kind::Bool => FieldReader::Coded(CodeMap::new(
                pipeline.codes.get(map.field.name),
                map.field.kind == Kind::Bool,
            )),
        };
        mapped.push(Mapped {
            map,
            positions,
            reader,
        });
    }

    let table = input.table;
    let fields = table.fields();
    // Position of each table field among `mapped`, if mapped.
    let field_map: Vec<Option<usize>> = fields
        .iter()
        .map(|f| mapped.iter().position(|m| m.map.field.name == f.name))
        .collect();

    let rows_path = work.join(format!("{tag}.rows.parquet"));
    let rejects_path = work.join(format!("{tag}.rejects.parquet"));
    let schema = staged_schema(table);
    let mut rows_writer = batched_writer(&rows_path, &schema)?;
    let mut rejects_writer = batched_writer(&rejects_path, &reject_schema())?;

    let mut batch = RowBatch {
        rows: Vec::new(),
        lines: Vec::new(),
        builders: fields.iter().map(|f| Builder::for_kind(f.kind)).collect(),
    };
    let mut rejects: Vec<Reject> = Vec::new();
    let mut stats = FileStats {
        path: path.to_path_buf(),
        display: display.clone(),
        sha256: String::new(),
        rows_in: 0,
        rejected: BTreeMap::new(),
        unmapped: BTreeMap::new(),
    };
    let nulls = &input.null_values;
    let mut values: Vec<Option<Value>> = Vec::with_capacity(fields.len());

    while let Some(record) = source.next_record(path)? {
        stats.rows_in += 1;
        let reject = |reason: &'static str, detail: String, raw: String| Reject {
            table,
            source_file: display.clone(),
            source_row: record.row as i64,
            source_line: record.line as i64,
            reason,
            detail,
            raw,
        };
        let texts = match &record.fields {
            source::Fields::Ok(t) => t,
            source::Fields::WrongFieldCount {
                expected,
                found,
                fields: f,
            } => {
                rejects.push(reject(
                    "wrong_field_count",
                    format!("expected {expected} fields as in the header, found {found}"),
                    raw_json(&header, f),
                ));
                continue;
            }
            source::Fields::InvalidUtf8 {
                column,
                bytes,
                fields: f,
            } => {
                rejects.push(reject(
                    "invalid_utf8",
                    format!(
                        "column `{}` is not valid UTF-8: {} (is the file Windows-1252? set encoding)",
                        header.get(*column).map_or("?", String::as_str),
                        invalid_bytes(bytes)
                    ),
                    raw_json(&header, f),
                ));
                continue;
            }
        };

        values.clear();
        let mut failure: Option<(&'static str, String)> = None;
        for m in &mapped {
            let text = |p: usize| -> Option<&str> {
                let t = texts.get(p).map(|c| c.trim())?;
                (!nulls.iter().any(|n| n == t) && !t.is_empty()).then_some(t)
            };
            let joined;
            let value_text: Option<&str> = if m.positions.len() == 2 {
                match (text(m.positions[0]), text(m.positions[1])) {
                    (Some(d), Some(t)) => {
                        joined = format!("{d} {t}");
                        Some(&joined)
                    }
                    (Some(d), None) => Some(d),
                    (None, _) => None,
                }
            } else {
                text(m.positions[0])
            };
            let Some(t) = value_text else {
                values.push(None);
                continue;
            };
            let name = m.map.field.name;
            let parsed = match &m.reader {
                FieldReader::Text => Ok(Value::Str(t.to_string())),
                FieldReader::DateTime(p) => p.parse_utc_micros(t).map(Value::I64),
                FieldReader::Date(p) => p.parse_days(t).map(Value::Date),
                FieldReader::Decimal => parse::parse_decimal(t)
                    .map(Value::F64)
                    .ok_or(FieldError::Unparseable),
                FieldReader::Coded(c) => {
                    let (cat, mapped) = c.map(t);
                    if !mapped {
                        *stats
                            .unmapped
                            .entry(name.to_string())
                            .or_default()
                            .entry(t.to_string())
                            .or_default() += 1;
                    }
                    Ok(if m.map.field.kind == Kind::Bool {
                        match cat {
                            "true" => Value::Bool(true),
                            "false" => Value::Bool(false),
                            _ => {
                                values.push(None);
                                continue;
                            }
                        }
                    } else {
                        Value::Str(cat.to_string())
                    })
                }
            };
            match parsed {
                Ok(v) => values.push(Some(v)),
                Err(e) => {
                    failure = Some(field_failure(name, t, &m.map.formats, e));
                    break;
                }
            }
        }
        if failure.is_none() {
            let missing: Vec<&str> = fields
                .iter()
                .zip(&field_map)
                .filter(|(f, pos)| f.required && pos.is_none_or(|p| values[p].is_none()))
                .map(|(f, _)| f.name)
                .collect();
            if !missing.is_empty() {
                failure = Some((
                    "missing_required",
                    format!("required field empty: {}", missing.join(", ")),
                ));
            } else if table == Table::Detainers {
                let has = |name: &str| {
                    fields
                        .iter()
                        .zip(&field_map)
                        .any(|(f, pos)| f.name == name && pos.is_some_and(|p| values[p].is_some()))
                };
                if !has("booking_id") && !has("person_id") {
                    failure = Some((
                        "missing_required",
                        "neither booking_id nor person_id is given: the detainer cannot be \
                         attached to a booking"
                            .to_string(),
                    ));
                }
            }
        }
        if let Some((reason, detail)) = failure {
            let owned: Vec<String> = texts.iter().map(|c| c.to_string()).collect();
            rejects.push(reject(reason, detail, raw_json(&header, &owned)));
            continue;
        }

        batch.rows.push(record.row as i64);
        batch.lines.push(record.line as i64);
        for (b, pos) in batch.builders.iter_mut().zip(&field_map) {
            let v = pos.and_then(|p| values[p].take());
            match (b, v) {
                (Builder::Str(col), Some(Value::Str(s))) => col.push(Some(s)),
                (Builder::I64(col), Some(Value::I64(x))) => col.push(Some(x)),
                (Builder::Date(col), Some(Value::Date(x))) => col.push(Some(x)),
                (Builder::F64(col), Some(Value::F64(x))) => col.push(Some(x)),
                (Builder::Bool(col), Some(Value::Bool(x))) => col.push(Some(x)),
                (b, _) => b.push_null(),
            }
        }
        if batch.rows.len() >= BATCH_ROWS {
            batch.flush(&mut rows_writer, &rows_path, &display, fields)?;
        }
        if rejects.len() >= BATCH_ROWS {
            flush_rejects(&mut rejects_writer, &rejects_path, &mut rejects, &mut stats)?;
        }
    }
    drop(source);
    batch.flush(&mut rows_writer, &rows_path, &display, fields)?;
    flush_rejects(&mut rejects_writer, &rejects_path, &mut rejects, &mut stats)?;
    let stage = |source| IngestError::Stage {
        path: rows_path.clone(),
        source,
    };
    rows_writer.finish().map_err(stage)?;
    rejects_writer.finish().map_err(stage)?;
    // CSV is hashed as it is read; workbooks and Parquet files are opened
    // by their own readers, so they are hashed apart.
    stats.sha256 = match input.format {
        crate::config::Format::Csv => hex(&hasher
            .lock()
            .map(|h| h.clone().finalize())
            .unwrap_or_default()),
        _ => sha256_file(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?,
    };
    Ok(Staged {
        table,
        input: input.index,
        rows: rows_path,
        rejects: rejects_path,
        stats,
    })
}

/// The first invalid UTF-8 sequence of a field and where it is: only those
/// bytes, so that the detail shows the fault without the rest of the field
/// (which may be a name; the whole row is in `raw`).
fn invalid_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(_) => "no invalid bytes".to_string(),
        Err(e) => {
            let start = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - start).min(4);
            let shown: Vec<String> = bytes[start..start + len]
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect();
            format!("byte {} at offset {start}", shown.join(" "))
        }
    }
}

/// Reason code and detail for a field that failed to parse. The detail names
/// the field and shows the value, never more than 200 characters of it.
fn field_failure(
    field: &str,
    text: &str,
    formats: &[String],
    e: FieldError,
) -> (&'static str, String) {
    // A date of birth is personal data: its value stays in `raw` (0600),
    // never in the detail. Other values are dates and amounts.
    let shown: String = if field == "dob" {
        "(value in raw)".to_string()
    } else {
        text.chars().take(200).collect()
    };
    match e {
        FieldError::Unparseable if formats.is_empty() => (
            "bad_number",
            format!("{field}: `{shown}` is not a number"),
        ),
        FieldError::Unparseable => (
            "bad_datetime",
            format!(
                "{field}: `{shown}` matches none of the formats {formats:?} and is no Excel serial date"
            ),
        ),
        FieldError::NonExistentLocalTime(t) => (
            "nonexistent_local_time",
            format!(
                "{field}: {t} does not exist in the pipeline's time zone (clocks skipped that hour); \
                 not shifted (SPEC 3.3)"
            ),
        ),
        FieldError::OutOfRange(y) => (
            "date_out_of_range",
            format!("{field}: `{shown}` is in year {y}, outside the plausible range"),
        ),
        FieldError::AfterAsOf(t) => (
            "date_out_of_range",
            format!("{field}: {t} is after as_of, when the export was taken"),
        ),
    }
}

fn batched_writer(
    path: &Path,
    schema: &Schema,
) -> Result<polars::io::parquet::write::BatchedWriter<std::fs::File>, IngestError> {
    let file = std::fs::File::create(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Lz4Raw)
        .batched(schema)
        .map_err(|source| IngestError::Stage {
            path: path.to_path_buf(),
            source,
        })
}

/// Staged rows not yet written: source row and line, and one builder per
/// field of the table.
struct RowBatch {
    rows: Vec<i64>,
    lines: Vec<i64>,
    builders: Vec<Builder>,
}

impl RowBatch {
    fn flush(
        &mut self,
        writer: &mut polars::io::parquet::write::BatchedWriter<std::fs::File>,
        path: &Path,
        display: &str,
        fields: &[crate::model::Field],
    ) -> Result<(), IngestError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let stage = |source| IngestError::Stage {
            path: path.to_path_buf(),
            source,
        };
        let n = self.rows.len();
        let mut cols = vec![
            Column::new_scalar(
                SOURCE_FILE.into(),
                Scalar::from(PlSmallStr::from(display)),
                n,
            ),
            Column::new(SOURCE_ROW.into(), std::mem::take(&mut self.rows)),
            Column::new(SOURCE_LINE.into(), std::mem::take(&mut self.lines)),
        ];
        for (b, f) in self.builders.iter_mut().zip(fields) {
            cols.push(b.take(f.name).map_err(stage)?);
        }
        let df = DataFrame::new(n, cols).map_err(stage)?;
        writer.write_batch(&df).map_err(stage)
    }
}

fn flush_rejects(
    writer: &mut polars::io::parquet::write::BatchedWriter<std::fs::File>,
    path: &Path,
    rejects: &mut Vec<Reject>,
    stats: &mut FileStats,
) -> Result<(), IngestError> {
    if rejects.is_empty() {
        return Ok(());
    }
    for r in rejects.iter() {
        *stats.rejected.entry(r.reason.to_string()).or_default() += 1;
    }
    let stage = |source| IngestError::Stage {
        path: path.to_path_buf(),
        source,
    };
    let df = rejects_frame(rejects).map_err(stage)?;
    rejects.clear();
    writer.write_batch(&df).map_err(stage)
}

/// The raw values (JSON, as in rejects) of some rows of an input file, read
/// again from the source: used for rows rejected after staging, so staging
/// need not carry every row's text.
pub fn raw_values(
    input: &Input,
    path: &Path,
    rows: &std::collections::BTreeSet<i64>,
) -> Result<std::collections::HashMap<i64, String>, IngestError> {
    let mut out = std::collections::HashMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    let file = std::fs::File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut source = source::Source::open(path, input, Box::new(file))?;
    let header = source.header().to_vec();
    let last = *rows.iter().next_back().unwrap_or(&0);
    while let Some(record) = source.next_record(path)? {
        let row = record.row as i64;
        if rows.contains(&row) {
            let fields: Vec<String> = match &record.fields {
                source::Fields::Ok(t) => t.iter().map(|c| c.to_string()).collect(),
                source::Fields::WrongFieldCount { fields, .. }
                | source::Fields::InvalidUtf8 { fields, .. } => fields.clone(),
            };
            out.insert(row, raw_json(&header, &fields));
        }
        if row >= last {
            break;
        }
    }
    Ok(out)
}
