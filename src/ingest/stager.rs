//! One input's share of a file being read: its mapped columns found in the
//! header, each record's fields parsed into a batch of rows or turned into a
//! reject with its reason, the booking ids of rejected rows kept, and the
//! batches written to the input's staged tables.

use super::failure::{field_failure, invalid_bytes};
use super::parse::{self, CodeMap, DateParser, DateTimeParser, FieldError};
use super::schema::{raw_json, reject_schema, rejects_frame, staged_schema, Reject};
use super::source;
use super::staged::{FileStats, ReadBack, RowOffsets, Staged};
use super::store::{MemoryBudget, StagedSink};
use super::value::{reuse, Builder, RowBatch, Value, BATCH_ROWS};
use super::{IngestError, MissingColumn};
use crate::config::{ColumnMap, Input, Pipeline};
use crate::model::{Field, Kind, Table};
use chrono::Datelike;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

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

/// One input's share of a file being read: its columns, the batch being
/// filled, its writers and its counts. Several inputs of a pipeline often
/// read the same file (bookings and releases from one export): the file is
/// then read once and every row offered to each of them.
pub(super) struct Stager<'p> {
    input: &'p Input,
    mapped: Vec<Mapped<'p>>,
    /// Position of each table field among `mapped`, if mapped.
    field_map: Vec<Option<usize>>,
    /// The staged fields (`Field::staged`): the columns of the batch.
    staged_fields: Vec<Field>,
    /// Position of each staged field among `mapped`, if mapped.
    staged_map: Vec<Option<usize>>,
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

/// Sets up one input's share of a file: its columns found in the header,
/// its parsers and its staged writers.
#[allow(clippy::too_many_arguments)]
pub(super) fn stager<'p>(
    pipeline: &'p Pipeline,
    input: &'p Input,
    path: &Path,
    header: &[String],
    as_of: Option<i64>,
    work: &Path,
    tag: &str,
    display: &str,
    budget: &MemoryBudget,
    parts: usize,
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
    let position_of = |f: &Field| mapped.iter().position(|m| m.map.field.name == f.name);
    let field_map: Vec<Option<usize>> = fields.iter().map(position_of).collect();
    let staged_fields = input.table.staged_fields();
    let staged_map: Vec<Option<usize>> = staged_fields.iter().map(position_of).collect();
    let builders = staged_fields.iter().map(Builder::for_field).collect();
    let rows_path = work.join(format!("{tag}.rows.arrow"));
    let rows_writer = match input.table {
        Table::Bookings | Table::Releases | Table::Charges | Table::Detainers if parts > 1 => {
            StagedSink::in_parts(rows_path, staged_schema(input.table), budget, parts)
        }
        _ => StagedSink::new(rows_path, staged_schema(input.table), budget),
    };
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
        staged_map,
        staged_fields,
        rows_writer,
        rejects_writer,
        batch: RowBatch {
            rows: Vec::with_capacity(BATCH_ROWS),
            lines: Vec::with_capacity(BATCH_ROWS),
            builders,
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
    pub(super) fn offer(
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
        for (b, pos) in self.batch.builders.iter_mut().zip(&self.staged_map) {
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
            self.batch.flush(
                &mut self.rows_writer,
                &self.stats.display,
                &self.staged_fields,
            )?;
        }
        if self.rejects.len() >= min {
            flush_rejects(&mut self.rejects_writer, &mut self.rejects, &mut self.stats)?;
        }
        Ok(())
    }

    pub(super) fn finish(
        mut self,
        rows_in: u64,
        sha256: &str,
        offsets: Option<Arc<RowOffsets>>,
        read_back: ReadBack,
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
            read_back,
        })
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
