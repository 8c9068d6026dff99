//! Parquet files made by another tool, read in slices (from the private copy
//! staging made, so every slice comes from the bytes that were hashed), each
//! column rendered as text a parser reads without a format list (RFC 3339
//! instants for timestamps with a zone, ISO local times and dates
//! otherwise), so that a Parquet file goes through the same field parsing
//! and the same rejects as a CSV file.

use super::{Fields, Record};
use crate::ingest::IngestError;
use chrono::{DateTime, Utc};
use polars::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A Parquet file made by another tool, read in slices.
pub struct ParquetSource {
    /// The input file, named in messages.
    path: PathBuf,
    /// Where its bytes are read (its private copy).
    from: PathBuf,
    pub(super) header: Vec<String>,
    total: usize,
    offset: usize,
    batch: Vec<Vec<String>>,
    batch_pos: usize,
    row: u64,
}

const PARQUET_SLICE: usize = 64 * 1024;

fn polars_err(path: &Path) -> impl Fn(PolarsError) -> IngestError + '_ {
    move |e| IngestError::Workbook {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A column as text: timestamps with a zone as RFC 3339 instants in UTC,
/// without one as ISO local times, dates as ISO dates.
fn column_text(c: &Column) -> PolarsResult<Vec<String>> {
    let micros = |c: &Column, unit: &TimeUnit| -> PolarsResult<Vec<Option<i64>>> {
        let v = c.cast(&DataType::Int64)?;
        let per = match unit {
            TimeUnit::Nanoseconds => -1000,
            TimeUnit::Microseconds => 1,
            TimeUnit::Milliseconds => 1000,
        };
        Ok(v.i64()?
            .iter()
            .map(|x| x.map(|x| if per < 0 { x / 1000 } else { x * per }))
            .collect())
    };
    let fmt = |v: Vec<Option<i64>>, f: &str| -> Vec<String> {
        v.into_iter()
            .map(|x| {
                x.and_then(DateTime::<Utc>::from_timestamp_micros)
                    .map(|t| t.format(f).to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    Ok(match c.dtype() {
        DataType::Datetime(unit, Some(_)) => fmt(micros(c, unit)?, "%Y-%m-%dT%H:%M:%S%.fZ"),
        DataType::Datetime(unit, None) => fmt(micros(c, unit)?, "%Y-%m-%d %H:%M:%S%.f"),
        DataType::Date => {
            let d = c.cast(&DataType::Int32)?;
            d.i32()?
                .iter()
                .map(|x| {
                    x.and_then(|d| DateTime::<Utc>::from_timestamp(i64::from(d) * 86_400, 0))
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                })
                .collect()
        }
        _ => {
            let s = c.cast(&DataType::String)?;
            s.str()?
                .iter()
                .map(|x| x.unwrap_or_default().to_string())
                .collect()
        }
    })
}

impl ParquetSource {
    pub(super) fn open(path: &Path, from: &Path) -> Result<ParquetSource, IngestError> {
        let file = std::fs::File::open(from).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = ParquetReader::new(file);
        let schema = reader.schema().map_err(polars_err(path))?;
        let total = reader.num_rows().map_err(polars_err(path))?;
        Ok(ParquetSource {
            path: path.to_path_buf(),
            from: from.to_path_buf(),
            header: schema.iter_names().map(|n| n.to_string()).collect(),
            total,
            offset: 0,
            batch: Vec::new(),
            batch_pos: 0,
            row: 0,
        })
    }

    pub(super) fn next_record(&mut self) -> Result<Option<Record<'static>>, IngestError> {
        if self.batch_pos >= self.batch.first().map_or(0, Vec::len) {
            if self.offset >= self.total {
                return Ok(None);
            }
            let file = std::fs::File::open(&self.from).map_err(|source| IngestError::Io {
                path: self.path.clone(),
                source,
            })?;
            let df = ParquetReader::new(file)
                .with_slice(Some((self.offset, PARQUET_SLICE)))
                .finish()
                .map_err(polars_err(&self.path))?;
            self.offset += PARQUET_SLICE;
            self.batch = df
                .columns()
                .iter()
                .map(column_text)
                .collect::<PolarsResult<_>>()
                .map_err(polars_err(&self.path))?;
            self.batch_pos = 0;
            if df.height() == 0 {
                return Ok(None);
            }
        }
        let i = self.batch_pos;
        self.batch_pos += 1;
        self.row += 1;
        let fields = self
            .batch
            .iter()
            .map(|col| Cow::Owned(col[i].clone()))
            .collect();
        Ok(Some(Record {
            row: self.row,
            line: self.row,
            offset: None,
            fields: Fields::Ok(fields),
        }))
    }
}
