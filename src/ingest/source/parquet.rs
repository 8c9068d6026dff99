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
const SLICE_ROWS: i64 = PARQUET_SLICE as i64;

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

    /// The fields of some data rows (1-based, as [`Self::next_record`]
    /// numbers them), as it gives them: for reading rejected rows again.
    /// Only the slices that hold one of them are read, and only their
    /// values rendered as text (what a read in order spent most of its
    /// time on). Rows past the end are left out.
    pub fn rows_text(
        &self,
        rows: &std::collections::BTreeSet<i64>,
    ) -> Result<Vec<(i64, Vec<String>)>, IngestError> {
        let mut out = Vec::with_capacity(rows.len());
        let wanted: Vec<i64> = rows
            .iter()
            .copied()
            .filter(|&r| r >= 1 && r as u64 <= self.total as u64)
            .collect();
        for slice in wanted.chunk_by(|a, b| (a - 1) / SLICE_ROWS == (b - 1) / SLICE_ROWS) {
            let start = ((slice[0] - 1) / SLICE_ROWS * SLICE_ROWS) as usize;
            let df = self.slice(start)?;
            let at: Vec<IdxSize> = slice
                .iter()
                .map(|r| (r - 1 - start as i64) as IdxSize)
                .collect();
            let df = df
                .take(&IdxCa::from_vec("".into(), at))
                .map_err(polars_err(&self.path))?;
            let texts: Vec<Vec<String>> = df
                .columns()
                .iter()
                .map(column_text)
                .collect::<PolarsResult<_>>()
                .map_err(polars_err(&self.path))?;
            for (k, &row) in slice.iter().enumerate() {
                out.push((row, texts.iter().map(|col| col[k].clone()).collect()));
            }
        }
        Ok(out)
    }

    /// The rows of the slice that starts at row offset `start`.
    fn slice(&self, start: usize) -> Result<DataFrame, IngestError> {
        let file = std::fs::File::open(&self.from).map_err(|source| IngestError::Io {
            path: self.path.clone(),
            source,
        })?;
        ParquetReader::new(file)
            .with_slice(Some((start, PARQUET_SLICE)))
            .finish()
            .map_err(polars_err(&self.path))
    }

    pub(super) fn next_record(&mut self) -> Result<Option<Record<'static>>, IngestError> {
        if self.batch_pos >= self.batch.first().map_or(0, Vec::len) {
            if self.offset >= self.total {
                return Ok(None);
            }
            let df = self.slice(self.offset)?;
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
        // Each value is handed out once: taken, not copied.
        let fields = self
            .batch
            .iter_mut()
            .map(|col| Cow::Owned(std::mem::take(&mut col[i])))
            .collect();
        Ok(Some(Record {
            row: self.row,
            line: self.row,
            offset: None,
            fields: Fields::Ok(fields),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn rows_read_again_are_those_read_in_order() {
        // Two slices and a bit, a time missing in every seventh row.
        let n = PARQUET_SLICE + 100;
        let ids: Vec<String> = (0..n).map(|i| format!("B{i}")).collect();
        // 2019-03-01 18:00 UTC, a minute later each row.
        let at: Vec<Option<i64>> = (0..n)
            .map(|i| (i % 7 != 0).then_some(1_551_463_200_000_000 + i as i64 * 60_000_000))
            .collect();
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("id".into(), ids),
                Column::new("at".into(), at)
                    .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
                    .unwrap(),
            ],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();

        let edge = PARQUET_SLICE as i64;
        let rows: BTreeSet<i64> = [1, 2, 8, edge, edge + 1, n as i64, n as i64 + 1].into();
        let mut source = ParquetSource::open(&path, &path).unwrap();
        let got = source.rows_text(&rows).unwrap();
        let mut in_order = Vec::new();
        while let Some(r) = source.next_record().unwrap() {
            if rows.contains(&(r.row as i64)) {
                let Fields::Ok(fields) = r.fields else {
                    panic!("a Parquet row is always whole")
                };
                in_order.push((r.row as i64, fields.iter().map(|f| f.to_string()).collect()));
            }
        }
        assert_eq!(got, in_order);
        // By hand: the row past the end is left out; row 8 has no time.
        let row = |id: &str, at: &str| vec![id.to_string(), at.to_string()];
        assert_eq!(got.len(), 6);
        assert_eq!(got[0], (1, row("B0", "")));
        assert_eq!(got[1], (2, row("B1", "2019-03-01 18:01:00")));
        assert_eq!(got[2], (8, row("B7", "")));
        assert_eq!(
            got[4],
            (edge + 1, row(&format!("B{edge}"), "2019-04-16 06:16:00"))
        );
    }
}
