//! One interface over the export formats: a header, then records of text
//! fields with their row and line. CSV is read record by record; XLSX and
//! Parquet cells are rendered as text a parser reads without a format list
//! (ISO 8601 datetimes, RFC 3339 instants), so every format goes through the
//! same field parsing and the same rejects.
//!
//! This module owns the record types ([`Record`], [`Fields`]) and the
//! [`Source`] that dispatches to one reader per format: `csv` (with
//! `records`, its record splitter), `xlsx` and `parquet`. The readers take
//! the record types from here; this module calls the readers only to
//! dispatch to them.

pub(super) mod csv;
mod parquet;
mod records;
mod xlsx;

use self::csv::CsvSource;
use crate::config::{Format, Input};
use crate::ingest::IngestError;
pub use parquet::ParquetSource;
use std::borrow::Cow;
use std::path::Path;
pub use xlsx::{cell_text, XlsxSource};

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
    /// Opens the input file `path` per the input's format. `file` is the
    /// already opened stream for CSV (so that it can be hashed while read);
    /// a workbook or Parquet file, which its reader opens itself, is read
    /// from `from`, its private copy (see `ingest::stage_file`). Messages
    /// name `path`.
    pub fn open(
        path: &Path,
        from: &Path,
        input: &Input,
        file: Box<dyn std::io::Read + Send>,
    ) -> Result<Source, IngestError> {
        Ok(match input.format {
            Format::Csv => Source::Csv(Box::new(CsvSource::open_with(path, input, file)?)),
            Format::Xlsx => Source::Xlsx(XlsxSource::open(path, from, input)?),
            Format::Parquet => Source::Parquet(ParquetSource::open(path, from)?),
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
            Source::Xlsx(s) => s.next_record(),
            Source::Parquet(s) => s.next_record(),
        }
    }
}
