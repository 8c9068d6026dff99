//! Excel workbooks (XLSX and the formats calamine opens): one sheet, its
//! cells rendered as text a parser reads without a format list (ISO 8601
//! dates and datetimes), so that a workbook goes through the same field
//! parsing and the same rejects as a CSV file.

use super::{Fields, Record};
use crate::config::Input;
use crate::ingest::IngestError;
use chrono::Timelike;
use std::borrow::Cow;
use std::path::Path;

/// An Excel workbook sheet. calamine reads a sheet whole; a sheet holds at
/// most 1,048,576 rows, so this is bounded.
pub struct XlsxSource {
    rows: calamine::Range<calamine::Data>,
    pub(super) header: Vec<String>,
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
    /// Reads the workbook at `from`; messages name `path`.
    pub(super) fn open(path: &Path, from: &Path, input: &Input) -> Result<XlsxSource, IngestError> {
        use calamine::Reader;
        let bad = |message: String| IngestError::Workbook {
            path: path.to_path_buf(),
            message,
        };
        let mut book = calamine::open_workbook_auto(from).map_err(|e| bad(e.to_string()))?;
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

    pub(super) fn next_record(&mut self) -> Option<Record<'static>> {
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
