//! Ingest: each input file of a pipeline read once, row by row, into a staged
//! table of its canonical table (docs/PIPELINE_FILES.md), typed and time-zoned, plus a staged
//! table of the rows that could not be used, each with its source file, row,
//! line, raw values and a reason code. Staged tables are kept in memory
//! within a budget shared by the run, else in Arrow IPC files (see `store`).
//!
//! This is the only module that reads export files. Staging keeps memory
//! bounded (rows are staged in batches, and the budget caps what stays in
//! memory) and lets every later stage scan typed, columnar data lazily
//! instead of parsing text twice.

pub mod parse;
pub mod source;
mod store;

use store::StagedSink;
pub use store::{MemoryBudget, Reservation, StagedData};

use crate::config::{ColumnMap, Input, Pipeline};
use crate::model::{Kind, Table};
use crate::progress::Task;
use chrono::Datelike;
use parse::{CodeMap, DateParser, DateTimeParser, FieldError};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per staged batch: large enough for cheap batches, small enough
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
    /// Coded field → empty (or null-valued) fields mapped by its `""` code.
    pub empty_codes: BTreeMap<String, u64>,
}

/// One input file staged: its table's rows and its rejects, in memory or as
/// Arrow IPC files (see `store`).
#[derive(Debug, Clone)]
pub struct Staged {
    pub table: Table,
    pub input: usize,
    pub rows: StagedData,
    pub rejects: StagedData,
    pub stats: FileStats,
    /// Byte offset of each data row (CSV only; row `n` at index `n - 1`), to
    /// read a row's raw text again when the rules reject it.
    pub offsets: Option<Arc<Vec<u64>>>,
    /// The booking ids that can still be read from the rows rejected here
    /// (releases and charges only): a rejected release or charge row leaves
    /// its booking's hold unmeasured (method rules 1, 2).
    pub rejected_ids: Vec<String>,
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
/// that parses it, and reports the bytes read to the progress display.
struct HashingReader<R> {
    inner: R,
    hasher: std::sync::Arc<std::sync::Mutex<Sha256>>,
    bytes: Arc<dyn Fn(u64) + Send + Sync>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hasher.lock() {
            h.update(&buf[..n]);
        }
        (self.bytes)(n as u64);
        Ok(n)
    }
}

/// Who hears how far staging has got: rows read (per county) and bytes read
/// (overall).
#[derive(Clone)]
pub struct Observer {
    pub rows: Arc<Task>,
    pub bytes: Arc<dyn Fn(u64) + Send + Sync>,
}

impl Observer {
    /// An observer that shows nothing.
    pub fn silent() -> Observer {
        let p = crate::progress::Progress::with_visibility(false, 0, crate::progress::Unit::Bytes);
        Observer {
            rows: Arc::new(p.task("")),
            bytes: Arc::new(|_| {}),
        }
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

/// One output column being filled. Text goes straight into polars' string
/// builder (no `String` per value).
enum Builder {
    Str(StringChunkedBuilder),
    I64(Vec<Option<i64>>),
    Date(Vec<Option<i32>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Builder {
    fn for_field(f: &crate::model::Field) -> Builder {
        match f.kind {
            Kind::Id | Kind::Text | Kind::Coded(_) => {
                Builder::Str(StringChunkedBuilder::new(f.name.into(), BATCH_ROWS))
            }
            Kind::DateTime => Builder::I64(Vec::with_capacity(BATCH_ROWS)),
            Kind::Date => Builder::Date(Vec::with_capacity(BATCH_ROWS)),
            Kind::Decimal => Builder::F64(Vec::with_capacity(BATCH_ROWS)),
            Kind::Bool => Builder::Bool(Vec::with_capacity(BATCH_ROWS)),
        }
    }

    fn push(&mut self, v: Option<Value<'_>>) {
        match (self, v) {
            (Builder::Str(col), Some(Value::Str(s))) => col.append_value(s),
            (Builder::Str(col), Some(Value::Owned(s))) => col.append_value(s),
            (Builder::I64(col), Some(Value::I64(x))) => col.push(Some(x)),
            (Builder::Date(col), Some(Value::Date(x))) => col.push(Some(x)),
            (Builder::F64(col), Some(Value::F64(x))) => col.push(Some(x)),
            (Builder::Bool(col), Some(Value::Bool(x))) => col.push(Some(x)),
            (Builder::Str(col), _) => col.append_null(),
            (Builder::I64(v), _) => v.push(None),
            (Builder::Date(v), _) => v.push(None),
            (Builder::F64(v), _) => v.push(None),
            (Builder::Bool(v), _) => v.push(None),
        }
    }

    fn take(&mut self, name: &str) -> PolarsResult<Column> {
        Ok(match self {
            Builder::Str(b) => {
                std::mem::replace(b, StringChunkedBuilder::new(name.into(), BATCH_ROWS))
                    .finish()
                    .into_column()
            }
            Builder::I64(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::Date(v) => {
                Column::new(name.into(), std::mem::take(v)).cast(&DataType::Date)?
            }
            Builder::F64(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::Bool(v) => Column::new(name.into(), std::mem::take(v)),
        })
    }
}

/// A parsed value of one field, borrowing the record's text where it can.
enum Value<'a> {
    Str(&'a str),
    Owned(String),
    I64(i64),
    Date(i32),
    F64(f64),
    Bool(bool),
}

/// One input's share of a file being read: its columns, the batch being
/// filled, its writers and its counts. Several inputs of a pipeline often
/// read the same file (bookings and releases from one export): the file is
/// then read once and every row offered to each of them.
struct Stager<'p> {
    input: &'p Input,
    mapped: Vec<Mapped<'p>>,
    /// Position of each table field among `mapped`, if mapped.
    field_map: Vec<Option<usize>>,
    rows_writer: StagedSink,
    rejects_writer: StagedSink,
    batch: RowBatch,
    rejects: Vec<Reject>,
    stats: FileStats,
    /// The allocation of a record's parsed values, kept from one record to
    /// the next (see [`reuse`]).
    values: Vec<Option<Value<'static>>>,
    /// Header position of the booking id, for a table whose rejected rows
    /// must name their booking (releases, charges).
    id_position: Option<usize>,
    rejected_ids: Vec<String>,
    /// Positions among `mapped` of `dob` and `booked_at`, for a date of
    /// birth read from a two-digit year (see [`Stager::pivot_dob`]).
    dob: Option<usize>,
    booked: Option<usize>,
}

/// An empty vector with `v`'s allocation, for values of another lifetime.
/// Collecting a vector's own `into_iter().map(..)` reuses its allocation
/// (the standard library collects in place when the element sizes agree);
/// a record's values so cost no allocation and no free.
fn reuse<'a, 'b>(mut v: Vec<Option<Value<'a>>>) -> Vec<Option<Value<'b>>> {
    v.clear();
    v.into_iter().map(|_| None).collect()
}

/// Stages one input file for every input in `inputs` that reads it (they
/// share its format, delimiter, encoding, sheet and preamble). `work` is a
/// private folder for staged files, used for the tables `budget` has no
/// room for. Errors of every input are returned together.
pub fn stage_file(
    pipeline: &Pipeline,
    inputs: &[&Input],
    path: &Path,
    work: &Path,
    tag: &str,
    observer: &Observer,
    budget: &MemoryBudget,
) -> Result<Vec<Staged>, Vec<IngestError>> {
    let Some(first) = inputs.first() else {
        return Ok(Vec::new());
    };
    let display = display_path(pipeline, path);
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let file = std::fs::File::open(path).map_err(|source| {
        vec![IngestError::Io {
            path: path.to_path_buf(),
            source,
        }]
    })?;
    let mut source = source::Source::open(
        path,
        first,
        Box::new(HashingReader {
            inner: file,
            hasher: hasher.clone(),
            bytes: match first.format {
                crate::config::Format::Csv => observer.bytes.clone(),
                _ => Arc::new(|_| {}),
            },
        }),
    )
    .map_err(|e| vec![e])?;

    let as_of = pipeline.as_of.and_then(|t| pipeline.as_of_utc(t));

    // Resolve every mapped header before reading data: a missing column is a
    // configuration error, reported with the columns that do exist.
    let header = source.header().to_vec();
    let mut errors = Vec::new();
    let mut stagers = Vec::new();
    for (k, input) in inputs.iter().enumerate() {
        match stager(
            pipeline,
            input,
            path,
            &header,
            as_of,
            work,
            &format!("{tag}-{k}"),
            &display,
            budget,
        ) {
            Ok(s) => stagers.push(s),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut rows_in = 0u64;
    let mut raw = String::new();
    let mut offsets = Vec::new();
    let result: Result<(), IngestError> = (|| {
        while let Some(record) = source.next_record(path)? {
            rows_in += 1;
            observer.rows.row();
            if let Some(o) = record.offset {
                offsets.push(o);
            }
            raw.clear();
            for s in &mut stagers {
                s.offer(&record, &header, &display, &mut raw)?;
            }
        }
        Ok(())
    })();
    result.map_err(|e| vec![e])?;
    drop(source);

    // CSV is hashed as it is read; workbooks and Parquet files are opened
    // by their own readers, so they are hashed apart.
    let sha256 = match first.format {
        crate::config::Format::Csv => hex(&hasher
            .lock()
            .map(|h| h.clone().finalize())
            .unwrap_or_default()),
        _ => {
            (observer.bytes)(std::fs::metadata(path).map_or(0, |m| m.len()));
            sha256_file(path).map_err(|source| {
                vec![IngestError::Io {
                    path: path.to_path_buf(),
                    source,
                }]
            })?
        }
    };
    let offsets = (offsets.len() as u64 == rows_in).then(|| Arc::new(offsets));
    stagers
        .into_iter()
        .map(|s| s.finish(rows_in, &sha256, offsets.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| vec![e])
}

/// Sets up one input's share of a file: its columns found in the header,
/// its parsers and its staged writers.
#[allow(clippy::too_many_arguments)]
fn stager<'p>(
    pipeline: &'p Pipeline,
    input: &'p Input,
    path: &Path,
    header: &[String],
    as_of: Option<i64>,
    work: &Path,
    tag: &str,
    display: &str,
    budget: &MemoryBudget,
) -> Result<Stager<'p>, IngestError> {
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
                    crate::model::Fold::for_field(map.field.name),
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
    let fields = input.table.fields();
    let field_map: Vec<Option<usize>> = fields
        .iter()
        .map(|f| mapped.iter().position(|m| m.map.field.name == f.name))
        .collect();
    let rows_writer = StagedSink::new(
        work.join(format!("{tag}.rows.arrow")),
        staged_schema(input.table),
        budget,
    );
    let rejects_writer = StagedSink::new(
        work.join(format!("{tag}.rejects.arrow")),
        reject_schema(),
        budget,
    );
    let position = |name: &str| mapped.iter().position(|m| m.map.field.name == name);
    let id_position = match input.table {
        Table::Releases | Table::Charges => position("booking_id").map(|i| mapped[i].positions[0]),
        Table::Bookings | Table::Detainers => None,
    };
    let (dob, booked) = (position("dob"), position("booked_at"));
    Ok(Stager {
        input,
        mapped,
        field_map,
        rows_writer,
        rejects_writer,
        batch: RowBatch {
            rows: Vec::with_capacity(BATCH_ROWS),
            lines: Vec::with_capacity(BATCH_ROWS),
            builders: fields.iter().map(Builder::for_field).collect(),
        },
        rejects: Vec::new(),
        stats: FileStats {
            path: path.to_path_buf(),
            display: display.to_string(),
            sha256: String::new(),
            rows_in: 0,
            rejected: BTreeMap::new(),
            unmapped: BTreeMap::new(),
            empty_codes: BTreeMap::new(),
        },
        values: Vec::new(),
        id_position,
        rejected_ids: Vec::new(),
        dob,
        booked,
    })
}

impl Stager<'_> {
    /// Takes one record: into the batch, or into the rejects with a reason.
    /// `raw` caches the row's raw JSON for the other inputs reading the same
    /// row (empty until a reject needs it).
    fn offer(
        &mut self,
        record: &source::Record<'_>,
        header: &[String],
        display: &str,
        raw: &mut String,
    ) -> Result<(), IngestError> {
        let table = self.input.table;
        let fields = table.fields();
        let mut reject = |reason: &'static str, detail: String, owned: &dyn Fn() -> String| {
            if raw.is_empty() {
                *raw = owned();
            }
            self.rejects.push(Reject {
                table,
                source_file: display.to_string(),
                source_row: record.row as i64,
                source_line: record.line as i64,
                reason,
                detail,
                raw: raw.clone(),
            });
        };
        let texts = match &record.fields {
            source::Fields::Ok(t) => t,
            source::Fields::WrongFieldCount {
                expected,
                found,
                fields: f,
            } => {
                reject(
                    "wrong_field_count",
                    format!("expected {expected} fields as in the header, found {found}"),
                    &|| raw_json(header, f),
                );
                // Its fields may have shifted: any of them may be the id.
                let ids: Vec<&str> = f.iter().map(String::as_str).collect();
                self.note_rejected(&ids, true);
                return self.flush_if_full();
            }
            source::Fields::InvalidUtf8 {
                column,
                bytes,
                fields: f,
            } => {
                reject(
                    "invalid_utf8",
                    format!(
                        "column `{}` is not valid UTF-8: {} (is the file Windows-1252? set encoding)",
                        header.get(*column).map_or("?", String::as_str),
                        invalid_bytes(bytes)
                    ),
                    &|| raw_json(header, f),
                );
                let ids: Vec<&str> = f.iter().map(String::as_str).collect();
                self.note_rejected(&ids, false);
                return self.flush_if_full();
            }
        };

        let nulls = &self.input.null_values;
        let mut values: Vec<Option<Value<'_>>> = reuse(std::mem::take(&mut self.values));
        values.reserve(self.mapped.len());
        let mut failure: Option<(&'static str, String)> = None;
        let mut dob_two_digits = false;
        for m in &self.mapped {
            let text = |p: usize| -> Option<&str> {
                let t = texts.get(p).map(|c| parse::trim(c))?;
                (!t.is_empty() && !nulls.iter().any(|n| n == t)).then_some(t)
            };
            let Some(first) = text(m.positions[0]) else {
                // A `""` code maps the empty fields of its column.
                let empty = match &m.reader {
                    FieldReader::Coded(c) => c.empty(),
                    _ => None,
                };
                match empty {
                    Some(cat) => {
                        *self
                            .stats
                            .empty_codes
                            .entry(m.map.field.name.to_string())
                            .or_default() += 1;
                        values.push(match (m.map.field.kind, cat) {
                            (Kind::Bool, "true") => Some(Value::Bool(true)),
                            (Kind::Bool, "false") => Some(Value::Bool(false)),
                            (Kind::Bool, _) => None,
                            _ => Some(Value::Str(cat)),
                        });
                    }
                    None => values.push(None),
                }
                continue;
            };
            // A date and a time in two columns are read as one value.
            let joined = match m.positions.get(1).map(|&p| text(p)) {
                Some(Some(time)) => {
                    // Not `format!`: its machinery cost more than the copy.
                    let mut j = String::with_capacity(first.len() + 1 + time.len());
                    j.push_str(first);
                    j.push(' ');
                    j.push_str(time);
                    Some(j)
                }
                _ => None,
            };
            let t = joined.as_deref().unwrap_or(first);
            let name = m.map.field.name;
            let parsed = match &m.reader {
                FieldReader::Text => Ok(match &joined {
                    Some(j) => Value::Owned(j.clone()),
                    None => Value::Str(first),
                }),
                FieldReader::DateTime(p) => p.parse_utc_micros(t).map(Value::I64),
                FieldReader::Date(p) => p.parse(t).map(|(days, two_digits)| {
                    dob_two_digits |= two_digits;
                    Value::Date(days)
                }),
                FieldReader::Decimal => parse::parse_decimal(t)
                    .map(Value::F64)
                    .ok_or(FieldError::Unparseable),
                FieldReader::Coded(c) => {
                    let (cat, mapped) = c.map(t);
                    if !mapped {
                        *self
                            .stats
                            .unmapped
                            .entry(name.to_string())
                            .or_default()
                            .entry(t.to_string())
                            .or_default() += 1;
                    }
                    if m.map.field.kind == Kind::Bool {
                        Ok(match cat {
                            "true" => Value::Bool(true),
                            "false" => Value::Bool(false),
                            _ => {
                                values.push(None);
                                continue;
                            }
                        })
                    } else {
                        Ok(Value::Str(cat))
                    }
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
                .zip(&self.field_map)
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
                        .zip(&self.field_map)
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
            let owned = || {
                let owned: Vec<String> = texts.iter().map(|c| c.to_string()).collect();
                raw_json(header, &owned)
            };
            reject(reason, detail, &owned);
            let ids: Vec<&str> = texts.iter().map(|c| c.as_ref()).collect();
            self.values = reuse(values);
            self.note_rejected(&ids, false);
            return self.flush_if_full();
        }
        if dob_two_digits {
            self.pivot_dob(&mut values);
        }

        self.batch.rows.push(record.row as i64);
        self.batch.lines.push(record.line as i64);
        for (b, pos) in self.batch.builders.iter_mut().zip(&self.field_map) {
            b.push(pos.and_then(|p| values[p].take()));
        }
        self.values = reuse(values);
        self.flush_if_full()
    }

    /// Keeps the booking id a rejected row of `fields` names, if it can be
    /// read: the field in the id's column, or, for a row whose fields may
    /// have shifted (`ragged`), every field that is not empty (ids that name
    /// no booking match nothing; an id wrongly taken can only leave a hold
    /// unmeasured, never lengthen one).
    fn note_rejected(&mut self, fields: &[&str], ragged: bool) {
        let Some(pos) = self.id_position else {
            return;
        };
        let nulls = &self.input.null_values;
        let usable = |t: &&str| !t.is_empty() && !nulls.iter().any(|n| n == t);
        if ragged {
            self.rejected_ids.extend(
                fields
                    .iter()
                    .map(|f| parse::trim(f))
                    .filter(usable)
                    .map(str::to_string),
            );
        } else if let Some(id) = fields.get(pos).map(|f| parse::trim(f)).filter(usable) {
            self.rejected_ids.push(id.to_string());
        }
    }

    /// A date of birth read from a two-digit year is never after the
    /// booking: one that would be is taken a century earlier (`%y` reads
    /// 00-69 as 2000-2069). Called only for a date read from two digits.
    fn pivot_dob(&self, values: &mut [Option<Value<'_>>]) {
        let (Some(d), Some(b)) = (self.dob, self.booked) else {
            return;
        };
        if let (Some(Value::Date(dob)), Some(Value::I64(booked))) = (&values[d], &values[b]) {
            let booked_day = booked.div_euclid(86_400_000_000) as i32;
            if *dob > booked_day {
                let date = crate::model::date_from_days(*dob);
                if let Some(earlier) = date.with_year(date.year() - 100) {
                    values[d] = Some(Value::Date(crate::model::days_from_date(earlier)));
                }
            }
        }
    }

    fn flush_if_full(&mut self) -> Result<(), IngestError> {
        self.flush(BATCH_ROWS)
    }

    /// Writes the rows and the rejects waiting, if at least `min` of them.
    fn flush(&mut self, min: usize) -> Result<(), IngestError> {
        if self.batch.rows.len() >= min {
            let fields = self.input.table.fields();
            self.batch
                .flush(&mut self.rows_writer, &self.stats.display, fields)?;
        }
        if self.rejects.len() >= min {
            flush_rejects(&mut self.rejects_writer, &mut self.rejects, &mut self.stats)?;
        }
        Ok(())
    }

    fn finish(
        mut self,
        rows_in: u64,
        sha256: &str,
        offsets: Option<Arc<Vec<u64>>>,
    ) -> Result<Staged, IngestError> {
        // Everything left (both writers skip an empty batch).
        self.flush(0)?;
        let rows = self.rows_writer.finish()?;
        let rejects = self.rejects_writer.finish()?;
        self.stats.rows_in = rows_in;
        self.stats.sha256 = sha256.to_string();
        Ok(Staged {
            table: self.input.table,
            input: self.input.index,
            rows,
            rejects,
            stats: self.stats,
            offsets,
            rejected_ids: self.rejected_ids,
        })
    }
}

fn open(path: &Path) -> Result<std::fs::File, IngestError> {
    std::fs::File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
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
                 not shifted (method rule 4)"
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

/// Writer of a staged file: Arrow IPC, uncompressed.
type StagedWriter = polars::io::ipc::BatchedWriter<std::fs::File>;

fn batched_writer(path: &Path, schema: &Schema) -> Result<StagedWriter, IngestError> {
    let file = std::fs::File::create(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Staged files live for one run, in the page cache. Arrow IPC is the
    // in-memory layout written as it is: Parquet cost its dictionary and
    // plain encodings both ways (about 10% of a run); compressing cost more
    // (LZ4 both ways, about 5%) than it saved.
    let arrow = schema.to_arrow(CompatLevel::newest());
    let fields = polars_arrow::io::ipc::write::default_ipc_fields(arrow.iter_values());
    IpcWriter::new(file)
        .with_compression(None)
        .batched(schema, fields)
        .map_err(|source| IngestError::Stage {
            path: path.to_path_buf(),
            source,
        })
}

/// A lazy scan of a staged (Arrow IPC) file: one this run wrote, in its
/// private work folder.
pub fn scan_staged(path: &Path) -> PolarsResult<LazyFrame> {
    // SAFETY: `checked` only turns off the re-validation of string data
    // (UTF-8 and view bounds) as it is read. Every staged file is written by
    // this process from polars' own string arrays, built from `&str`, into a
    // folder only it uses: checking them again was 14% of a run's profile.
    let checked = unsafe { polars::polars_utils::bool::UnsafeBool::new_false() };
    LazyFrame::scan_ipc(
        PlRefPath::try_from_path(path)?,
        IpcScanOptions {
            checked,
            ..Default::default()
        },
        UnifiedScanArgs::default(),
    )
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
        writer: &mut StagedSink,
        display: &str,
        fields: &[crate::model::Field],
    ) -> Result<(), IngestError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let stage = |source| IngestError::Stage {
            path: writer.path().to_path_buf(),
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
        writer.write_batch(df)
    }
}

fn flush_rejects(
    writer: &mut StagedSink,
    rejects: &mut Vec<Reject>,
    stats: &mut FileStats,
) -> Result<(), IngestError> {
    if rejects.is_empty() {
        return Ok(());
    }
    for r in rejects.iter() {
        *stats.rejected.entry(r.reason.to_string()).or_default() += 1;
    }
    let df = rejects_frame(rejects).map_err(|source| IngestError::Stage {
        path: writer.path().to_path_buf(),
        source,
    })?;
    rejects.clear();
    writer.write_batch(df)
}

/// The raw values (JSON, as in rejects) of some rows of an input file, read
/// again from the source: used for rows rejected after staging, so staging
/// need not carry every row's text.
pub fn raw_values(
    input: &Input,
    path: &Path,
    rows: &std::collections::BTreeSet<i64>,
    offsets: Option<&[u64]>,
) -> Result<std::collections::HashMap<i64, String>, IngestError> {
    let mut out = std::collections::HashMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    // A CSV file staged with its row offsets: read just those rows.
    if let Some(offsets) = offsets {
        let mut header = None;
        let mut records = source::csv::RecordsAt::open(path, input)?;
        for &row in rows {
            let Some(&offset) = usize::try_from(row - 1).ok().and_then(|i| offsets.get(i)) else {
                continue;
            };
            let header = match &header {
                Some(h) => h,
                None => header.insert(
                    source::Source::open(path, input, Box::new(open(path)?))?
                        .header()
                        .to_vec(),
                ),
            };
            out.insert(row, raw_json(header, &records.fields_at(path, offset)?));
        }
        return Ok(out);
    }
    let mut source = source::Source::open(path, input, Box::new(open(path)?))?;
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
