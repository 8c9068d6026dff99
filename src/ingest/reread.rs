//! The raw values of rows rejected after staging, read again: from the
//! source file at their byte offsets for CSV, which must not have changed
//! since it was staged (`unchanged`); from the private copy staging read
//! for a workbook or Parquet file, by reading a workbook to the last of
//! them and a Parquet file's slices that hold them.

use super::schema::raw_json;
use super::unchanged::{self, While};
use super::{source, IngestError, RowOffsets, Staged};
use crate::config::Input;
use std::path::Path;

fn open(path: &Path) -> Result<std::fs::File, IngestError> {
    std::fs::File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The raw values (JSON, as in rejects) of some rows of a staged input
/// file, read again: used for rows rejected after staging, so staging need
/// not carry every row's text. A CSV file that changed since it was staged
/// is an error, before and after its rows are read: its rows may no longer
/// be where they were, or what they were.
pub fn raw_values(
    input: &Input,
    staged: &Staged,
    rows: &std::collections::BTreeSet<i64>,
) -> Result<std::collections::HashMap<i64, String>, IngestError> {
    if rows.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let path = &staged.stats.path;
    let Some(copy) = &staged.read_back.copy else {
        let before = &staged.read_back.fingerprint;
        unchanged::check(path, before, While::ReadingBack)?;
        let out = read(input, path, path, rows, staged.offsets.as_deref())?;
        unchanged::check(path, before, While::ReadingBack)?;
        return Ok(out);
    };
    read(input, path, copy, rows, None)
}

/// Reads the rows of the input file `path` from `from` (itself or its
/// copy): at their offsets when given, else in order to the last of them.
fn read(
    input: &Input,
    path: &Path,
    from: &Path,
    rows: &std::collections::BTreeSet<i64>,
    offsets: Option<&RowOffsets>,
) -> Result<std::collections::HashMap<i64, String>, IngestError> {
    let mut out = std::collections::HashMap::new();
    // A CSV file staged with its row offsets (read in place, so `from` is
    // `path`): each row read from the nearest offset before it, or on from
    // the row before it when that is nearer (`rows` is in order).
    if let Some(offsets) = offsets {
        let mut header = None;
        let mut records = source::csv::RecordsAt::open(path, input)?;
        // The row the reader reads next, once it has been placed.
        let mut next: Option<i64> = None;
        for &row in rows {
            let Some((start, offset)) = offsets.before(row) else {
                continue;
            };
            if !next.is_some_and(|n| start <= n && n <= row) {
                records.seek(path, offset)?;
                next = Some(start);
            }
            let mut at = next.unwrap_or(start);
            while at < row {
                records.skip(path)?;
                at += 1;
            }
            next = Some(row + 1);
            let header = match &header {
                Some(h) => h,
                None => header.insert(
                    source::Source::open(path, from, input, Box::new(open(from)?))?
                        .header()
                        .to_vec(),
                ),
            };
            out.insert(row, raw_json(header, &records.fields(path)?));
        }
        return Ok(out);
    }
    let mut source = source::Source::open(path, from, input, Box::new(open(from)?))?;
    let header = source.header().to_vec();
    if let source::Source::Parquet(parquet) = &source {
        for (row, fields) in parquet.rows_text(rows)? {
            out.insert(row, raw_json(&header, &fields));
        }
        return Ok(out);
    }
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
