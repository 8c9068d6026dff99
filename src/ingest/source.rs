//! One interface over the export formats: a header, then records of text
//! fields with their row and line. CSV is read record by record; XLSX and
//! Parquet cells are rendered as text a parser reads without a format list
//! (ISO 8601 datetimes, RFC 3339 instants), so every format goes through the
//! same field parsing and the same rejects.

use super::csv::CsvSource;
use super::IngestError;
use crate::config::{Format, Input};
use chrono::{DateTime, Timelike, Utc};
use polars::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A record's fields as text, or why the record cannot be read.
pub enum Fields<'r> {
    Ok(Vec<Cow<'r, str>>),
    /// The record has a different number of fields than the header.
    WrongFieldCount {
        expected: usize,
        found: usize,
        fields: Vec<String>,
    },
    /// A field is not valid UTF-8 in a file declared UTF-8.
    InvalidUtf8 {
        column: usize,
        bytes: Vec<u8>,
        fields: Vec<String>,
    },
}

pub struct Record<'r> {
    /// 1-based data row (the first row after the header is row 1).
    pub row: u64,
    /// 1-based line of a text file where the record starts; the spreadsheet
    /// row number in a workbook; the row number in Parquet.
    pub line: u64,
    /// Byte offset in the file where the record starts (CSV only), so that
    /// its raw text can be read again without reading the file again.
    pub offset: Option<u64>,
    pub fields: Fields<'r>,
}

pub enum Source {
    Csv(Box<CsvSource>),
    Xlsx(XlsxSource),
    Parquet(ParquetSource),
}

impl Source {
    /// Opens `path` per the input's format. `file` is the already opened
    /// stream for CSV (so that it can be hashed while read).
    pub fn open(
        path: &Path,
        input: &Input,
        file: Box<dyn std::io::Read + Send>,
    ) -> Result<Source, IngestError> {
        Ok(match input.format {
            Format::Csv => Source::Csv(Box::new(CsvSource::open_with(path, input, file)?)),
            Format::Xlsx => Source::Xlsx(XlsxSource::open(path, input)?),
            Format::Parquet => Source::Parquet(ParquetSource::open(path)?),
        })
    }

    pub fn header(&self) -> &[String] {
        match self {
            Source::Csv(s) => &s.header,
            Source::Xlsx(s) => &s.header,
            Source::Parquet(s) => &s.header,
        }
    }

    pub fn next_record(&mut self, path: &Path) -> Result<Option<Record<'_>>, IngestError> {
        match self {
            Source::Csv(s) => s.next_record(path),
            Source::Xlsx(s) => Ok(s.next_record()),
            Source::Parquet(s) => s.next_record(),
        }
    }
}

/// An Excel workbook sheet. calamine reads a sheet whole; a sheet holds at
/// most 1,048,576 rows, so this is bounded.
pub struct XlsxSource {
    rows: calamine::Range<calamine::Data>,
    header: Vec<String>,
    /// Index in `rows` of the next data row.
    next: usize,
    /// Spreadsheet row number (1-based) of `rows`' first row.
    first_row: u64,
    row: u64,
}

/// A cell as text: numbers without a spurious `.0`, datetimes in ISO form
/// (whatever the workbook's 1900 or 1904 date system), a date alone as a
/// date, a time alone as a time.
pub fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            if dt.as_f64() < 1.0 {
                // A time of day alone (a time column beside a date column).
                return dt
                    .as_datetime()
                    .map(|t| t.format("%H:%M:%S").to_string())
                    .unwrap_or_default();
            }
            match dt.as_datetime() {
                Some(t) if t.num_seconds_from_midnight() == 0 => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => dt.as_f64().to_string(),
            }
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

impl XlsxSource {
    fn open(path: &Path, input: &Input) -> Result<XlsxSource, IngestError> {
        use calamine::Reader;
        let bad = |message: String| IngestError::Workbook {
            path: path.to_path_buf(),
            message,
        };
        let mut book = calamine::open_workbook_auto(path).map_err(|e| bad(e.to_string()))?;
        let names = book.sheet_names();
        let range = match &input.sheet {
            Some(name) => {
                if !names.iter().any(|n| n == name) {
                    return Err(bad(format!(
                        "no sheet named `{name}`; sheets: {}",
                        names.join(", ")
                    )));
                }
                book.worksheet_range(name).map_err(|e| bad(e.to_string()))?
            }
            None => book
                .worksheet_range_at(0)
                .ok_or_else(|| bad("the workbook has no sheet".to_string()))?
                .map_err(|e| bad(e.to_string()))?,
        };
        let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
        let skip = input.skip_rows;
        let header: Vec<String> = match range.rows().nth(skip) {
            Some(cells) => cells
                .iter()
                .map(|c| cell_text(c).trim().to_string())
                .collect(),
            None => {
                return Err(IngestError::Empty {
                    path: path.to_path_buf(),
                    skip_rows: skip,
                })
            }
        };
        Ok(XlsxSource {
            rows: range,
            header,
            next: skip + 1,
            first_row,
            row: 0,
        })
    }

    fn next_record(&mut self) -> Option<Record<'static>> {
        let height = self.rows.height();
        while self.next < height {
            let i = self.next;
            self.next += 1;
            let cells: Vec<String> = self.rows.rows().nth(i)?.iter().map(cell_text).collect();
            // Excel keeps formatted but empty rows; they are not data.
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            self.row += 1;
            return Some(Record {
                row: self.row,
                line: self.first_row + i as u64,
                offset: None,
                fields: Fields::Ok(cells.into_iter().map(Cow::Owned).collect()),
            });
        }
        None
    }
}

/// A Parquet file made by another tool, read in slices.
pub struct ParquetSource {
    path: PathBuf,
    header: Vec<String>,
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
    fn open(path: &Path) -> Result<ParquetSource, IngestError> {
        let file = std::fs::File::open(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = ParquetReader::new(file);
        let schema = reader.schema().map_err(polars_err(path))?;
        let total = reader.num_rows().map_err(polars_err(path))?;
        Ok(ParquetSource {
            path: path.to_path_buf(),
            header: schema.iter_names().map(|n| n.to_string()).collect(),
            total,
            offset: 0,
            batch: Vec::new(),
            batch_pos: 0,
            row: 0,
        })
    }

    fn next_record(&mut self) -> Result<Option<Record<'static>>, IngestError> {
        if self.batch_pos >= self.batch.first().map_or(0, Vec::len) {
            if self.offset >= self.total {
                return Ok(None);
            }
            let file = std::fs::File::open(&self.path).map_err(|source| IngestError::Io {
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

#[cfg(test)]
mod tests {
    use super::cell_text;
    use calamine::{Data, ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_render_as_text_in_both_excel_date_systems() {
        // 43539.5 is 2019-03-15 12:00 in the 1900 system; the 1904 system
        // counts 1462 days fewer for the same day.
        let dt = |v, is_1904| {
            Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, is_1904))
        };
        assert_eq!(cell_text(&dt(43539.5, false)), "2019-03-15 12:00:00");
        assert_eq!(
            cell_text(&dt(43539.5 - 1462.0, true)),
            "2019-03-15 12:00:00"
        );
        assert_eq!(cell_text(&dt(43539.0, false)), "2019-03-15");
        assert_eq!(cell_text(&dt(0.75, false)), "18:00:00");
        assert_eq!(cell_text(&Data::Float(123.0)), "123");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::String("00123".into())), "00123");
    }
}
