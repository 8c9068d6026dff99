//! Reading CSV exports record by record: preamble lines, a UTF-8 BOM,
//! Windows-1252 text, any one-byte delimiter, quoted fields with embedded
//! newlines, CRLF. Each record keeps its 1-based row number (data rows after
//! the header) and the file line it starts on, so every message and reject can
//! point at it.
//!
//! Records are read one at a time from a buffered reader: a file is never
//! held in memory whole. [`RecordsAt`] reads records again at their byte
//! offsets, for the raw values of rows rejected after staging.

#[cfg(test)]
use super::records::OwnedRecord;
use super::records::{RawRecord, RecordReader};
use super::{Fields, Record};
use crate::config::{Encoding, Input};
use crate::ingest::IngestError;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub struct CsvSource {
    reader: RecordReader<BufReader<Box<dyn Read + Send>>>,
    pub header: Vec<String>,
    encoding: Encoding,
    /// Lines consumed before the CSV reader started (preamble).
    line_offset: u64,
    /// Bytes consumed before the CSV reader started (BOM and preamble).
    byte_offset: u64,
    row: u64,
}

fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, ()> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|_| ()),
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0),
    }
}

/// The fields of `record` as text borrowed from it, when the whole record
/// is valid UTF-8 (or ASCII in a Windows-1252 file) and every field starts
/// and ends on a character boundary: one validation per record instead of
/// one per field. `None` sends the record to the field-by-field path, which
/// finds the field at fault.
fn whole_record_text<'r>(record: &RawRecord<'r>, encoding: Encoding) -> Option<Vec<Cow<'r, str>>> {
    let bytes = record.as_slice();
    let text = match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).ok()?,
        // ASCII reads the same in both encodings.
        Encoding::Windows1252 if bytes.is_ascii() => std::str::from_utf8(bytes).ok()?,
        Encoding::Windows1252 => return None,
    };
    // The fields are ranges of `text`. A field cut inside a character (a
    // file whose two fields each hold half of one) is not valid text even
    // though the whole is: `get` refuses such a range. (A loop, not
    // `collect` into `Option<Vec>`, which cannot size the vector up front
    // and grew it three or four times per record.)
    let mut fields = Vec::with_capacity(record.len());
    for i in 0..record.len() {
        fields.push(Cow::Borrowed(record.range(i).and_then(|r| text.get(r))?));
    }
    Some(fields)
}

impl CsvSource {
    /// Starts reading `file` (opened from `path`): skips the BOM and the
    /// preamble, and reads the header.
    pub fn open_with(
        path: &Path,
        input: &Input,
        file: Box<dyn Read + Send>,
    ) -> Result<CsvSource, IngestError> {
        let io = |source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        };
        // Small: it only serves the preamble; the record reader's larger
        // reads then go past it.
        let mut buf = BufReader::with_capacity(64 * 1024, file);
        let mut byte_offset = 0;
        // A UTF-8 byte order mark is not part of the first header.
        if buf.fill_buf().map_err(io)?.starts_with(b"\xEF\xBB\xBF") {
            buf.consume(3);
            byte_offset += 3;
        }
        let mut skipped = Vec::new();
        for _ in 0..input.skip_rows {
            skipped.clear();
            let n = buf.read_until(b'\n', &mut skipped).map_err(io)?;
            if n == 0 {
                break;
            }
            byte_offset += n as u64;
        }
        let reader = RecordReader::new(buf, input.delimiter, 1 << 20);
        let mut source = CsvSource {
            reader,
            header: Vec::new(),
            encoding: input.encoding,
            line_offset: input.skip_rows as u64,
            byte_offset,
            row: 0,
        };
        let has_header = source.reader.read().map_err(io)?;
        if !has_header {
            return Err(IngestError::Empty {
                path: path.to_path_buf(),
                skip_rows: input.skip_rows,
            });
        }
        source.header = source
            .reader
            .record()
            .iter()
            .map(|b| {
                decode(b, source.encoding)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| String::from_utf8_lossy(b).trim().to_string())
            })
            .collect();
        Ok(source)
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self, path: &Path) -> Result<Option<Record<'_>>, IngestError> {
        let more = self.reader.read().map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if !more {
            return Ok(None);
        }
        self.row += 1;
        let record = self.reader.record();
        let line = self.line_offset + record.line;
        let offset = self.byte_offset + record.byte;
        let expected = self.header.len();
        let lossy = |r: &RawRecord| -> Vec<String> {
            r.iter()
                .map(|b| match decode(b, self.encoding) {
                    Ok(s) => s.into_owned(),
                    Err(()) => String::from_utf8_lossy(b).into_owned(),
                })
                .collect()
        };
        let fields = if record.len() != expected {
            Fields::WrongFieldCount {
                expected,
                found: record.len(),
                fields: lossy(&record),
            }
        } else if let Some(out) = whole_record_text(&record, self.encoding) {
            Fields::Ok(out)
        } else {
            let mut out = Vec::with_capacity(expected);
            let mut bad = None;
            for (i, b) in record.iter().enumerate() {
                match decode(b, self.encoding) {
                    Ok(s) => out.push(s),
                    Err(()) => {
                        bad = Some((i, b.to_vec()));
                        break;
                    }
                }
            }
            match bad {
                None => Fields::Ok(out),
                Some((column, bytes)) => Fields::InvalidUtf8 {
                    column,
                    bytes,
                    fields: lossy(&record),
                },
            }
        };
        Ok(Some(Record {
            row: self.row,
            line,
            offset: Some(offset),
            fields,
        }))
    }
}

/// Reads records at known byte offsets of a CSV file: the raw values of
/// rows rejected after staging, read again from the source. One file handle
/// and one parser for all of a file's rows (building a parser per row cost
/// more than reading the row).
pub struct RecordsAt {
    reader: csv::Reader<BufReader<std::fs::File>>,
    encoding: Encoding,
    record: csv::ByteRecord,
}

impl RecordsAt {
    pub fn open(path: &Path, input: &Input) -> Result<RecordsAt, IngestError> {
        let file = std::fs::File::open(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(RecordsAt {
            reader: csv::ReaderBuilder::new()
                .delimiter(input.delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(BufReader::with_capacity(16 * 1024, file)),
            encoding: input.encoding,
            record: csv::ByteRecord::new(),
        })
    }

    /// Places the reader at byte `offset`, where a record starts.
    pub fn seek(&mut self, path: &Path, offset: u64) -> Result<(), IngestError> {
        let mut pos = csv::Position::new();
        pos.set_byte(offset);
        self.reader.seek(pos).map_err(|e| csv_error(path, e))
    }

    /// The fields of the next record, as text (lossy where the bytes are not
    /// valid in the input's encoding).
    pub fn fields(&mut self, path: &Path) -> Result<Vec<String>, IngestError> {
        self.skip(path)?;
        Ok(self
            .record
            .iter()
            .map(|b| match decode(b, self.encoding) {
                Ok(s) => s.into_owned(),
                Err(()) => String::from_utf8_lossy(b).into_owned(),
            })
            .collect())
    }

    /// Reads the next record and leaves it. The `csv` crate's records are
    /// the staged rows one for one from any record's start: both skip blank
    /// lines and split records by `csv_core`'s rules (`records`).
    pub fn skip(&mut self, path: &Path) -> Result<(), IngestError> {
        // The file is unchanged since it was staged (`reread` checks), so
        // it has every row it had then: an early end is a changed file.
        if self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(path, e))?
        {
            Ok(())
        } else {
            Err(IngestError::Csv {
                path: path.to_path_buf(),
                line: None,
                message: "the file ended before a row it had when it was staged".into(),
            })
        }
    }
}

fn csv_error(path: &Path, e: csv::Error) -> IngestError {
    let line = e.position().map(|p| p.line());
    IngestError::Csv {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&[u8]]) -> OwnedRecord {
        OwnedRecord::new(fields)
    }

    #[test]
    fn a_valid_record_is_read_whole_and_borrowed() {
        let r = record(&[b"Ord\xC3\xB3\xC3\xB1ez", b"", b"2019-03-01 10:00"]);
        let fields = whole_record_text(&r.view(), Encoding::Utf8).unwrap();
        assert_eq!(fields, ["Ordóñez", "", "2019-03-01 10:00"]);
        assert!(fields.iter().all(|f| matches!(f, Cow::Borrowed(_))));
    }

    #[test]
    fn a_character_split_across_two_fields_is_left_to_the_field_path() {
        // Each field holds half of "é": the record's bytes are valid UTF-8
        // end to end, the fields are not.
        let r = record(&[b"a\xC3", b"\xA9b"]);
        assert!(std::str::from_utf8(r.view().as_slice()).is_ok());
        assert_eq!(whole_record_text(&r.view(), Encoding::Utf8), None);
        assert!(decode(r.view().get(0).unwrap(), Encoding::Utf8).is_err());
    }

    #[test]
    fn invalid_utf8_is_left_to_the_field_path() {
        assert_eq!(
            whole_record_text(&record(&[b"ok", b"\xFF"]).view(), Encoding::Utf8),
            None
        );
    }

    #[test]
    fn windows_1252_is_read_whole_only_when_ascii() {
        let ascii = record(&[b"Smith", b"2019-03-01"]);
        assert_eq!(
            whole_record_text(&ascii.view(), Encoding::Windows1252).unwrap(),
            ["Smith", "2019-03-01"]
        );
        // 0xF3 is "ó" in Windows-1252 and must be decoded, not taken as UTF-8;
        // and "\xC3\xB3" is two Windows-1252 characters, not one.
        for bytes in [&b"Ord\xF3\xF1ez"[..], &b"Ord\xC3\xB3"[..]] {
            assert_eq!(
                whole_record_text(&record(&[bytes]).view(), Encoding::Windows1252),
                None
            );
        }
    }
}
