//! The xlsx writer under the workbook: tables written a row at a time into
//! rust_xlsxwriter's constant-memory sheets, a table continued on a further
//! sheet when one is full, date cells in date-formatted columns, and the
//! saved file the same bytes for the same rows.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// The workbook's deflate level (see [`Book::new`]).
const ZIP_LEVEL: u8 = 2;

/// Rows per sheet, header included, in Excel.
pub const EXCEL_MAX_ROWS: usize = 1_048_576;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Empty,
}

/// A table's columns, (title, width), as [`Book::table`] takes them.
pub(super) fn cols(c: &[(&str, f64)]) -> Vec<(String, f64)> {
    c.iter().map(|(n, w)| (n.to_string(), *w)).collect()
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn excel_datetime(t: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    excel_date(t.date())?.and_hms(t.hour() as u16, t.minute() as u8, t.second() as f64)
}

/// Writes date `at` in row `r`, column `c` of `sheet`: without a format of
/// its own when the column has the date format `kind` (given to it here if
/// it has no date format yet), else with `format`.
fn write_date(
    sheet: &mut Worksheet,
    dates: &mut [Option<DateKind>],
    r: u32,
    c: usize,
    (kind, format): (DateKind, &Format),
    at: ExcelDateTime,
) -> Result<(), XlsxError> {
    let col = c as u16;
    let in_column = match dates.get_mut(c) {
        Some(Some(k)) => *k == kind,
        Some(slot) => {
            sheet.set_column_format(col, format)?;
            *slot = Some(kind);
            true
        }
        None => false,
    };
    if in_column {
        sheet.write_datetime(r, col, at)?;
    } else {
        sheet.write_datetime_with_format(r, col, at, format)?;
    }
    Ok(())
}

/// A workbook written a row at a time, tables possibly in parallel (the
/// long tables are filled while counties are still being audited), each
/// table's sheets put in place at the end.
pub struct Book {
    book: Workbook,
    header: Format,
    date: Format,
    datetime: Format,
    /// Excel's General number format, for a number in a date column.
    general: Format,
    /// Data rows per sheet.
    data_rows: usize,
}

/// One table being written: its sheets so far, the last one open.
pub struct TableSheets {
    name: String,
    columns: Vec<(String, f64)>,
    sheets: Vec<Sheet>,
}

/// One sheet of a table: its data rows so far, and the date format given to
/// each of its columns, if any (see [`Book::push_row`]).
struct Sheet {
    sheet: Worksheet,
    rows: u32,
    dates: Vec<Option<DateKind>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DateKind {
    Date,
    DateTime,
}

impl Book {
    /// `max_rows` is the rows per sheet, header included.
    pub fn new(max_rows: usize) -> Result<Book, XlsxError> {
        let mut book = Workbook::new();
        // Deflate at level 2, not the default 6: the zip of the sheets was
        // the slowest part of the workbook, on one thread at the end of the
        // run. A low level zips much faster for a somewhat larger file, and
        // level 2 is as fast as level 1 with a smaller file; the figures
        // are in bench/HISTORY.md.
        book.set_zip_compression_level(ZIP_LEVEL);
        // A fixed creation time instead of the clock: the same inputs must
        // give a byte-identical workbook (the manifest records its SHA-256).
        let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
        book.set_properties(
            &DocProperties::new()
                .set_creation_datetime(&created)
                .set_title("detainer-audit class members")
                .set_comment(concat!("detainer-audit ", env!("CARGO_PKG_VERSION"))),
        );
        Ok(Book {
            book,
            header: Format::new().set_bold().set_text_wrap(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            general: Format::new().set_num_format("General"),
            data_rows: max_rows.max(2) - 1,
        })
    }

    pub fn table(&mut self, name: &str, columns: Vec<(String, f64)>) -> TableSheets {
        TableSheets {
            name: name.to_string(),
            columns,
            sheets: Vec::new(),
        }
    }

    fn new_sheet(&mut self, t: &mut TableSheets) -> Result<(), XlsxError> {
        let part = t.sheets.len();
        let name = if part == 0 {
            t.name.clone()
        } else {
            format!("{} ({})", t.name, part + 1)
        };
        let mut sheet = self.book.new_worksheet_with_constant_memory()?;
        sheet.set_name(&name)?;
        for (c, (title, width)) in t.columns.iter().enumerate() {
            sheet.set_column_width(c as u16, *width)?;
            sheet.write_string_with_format(0, c as u16, title, &self.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        t.sheets.push(Sheet {
            sheet,
            rows: 0,
            dates: vec![None; t.columns.len()],
        });
        Ok(())
    }

    /// Appends a row to the table, on a new sheet when the last is full.
    ///
    /// A date goes into a column given the date format (on its first date),
    /// as a cell without a format of its own: rust_xlsxwriter gives such a
    /// cell its column's format, the same style index a format per cell
    /// would give, without hashing a `Format` for every date (a run spent
    /// more on that than on writing the dates). A number or a boolean in a
    /// column with a date format, or a date in a column of the other date
    /// format, gets a format of its own instead.
    pub fn push_row(&mut self, t: &mut TableSheets, row: &[Cell]) -> Result<(), XlsxError> {
        if t.sheets
            .last()
            .is_none_or(|s| s.rows as usize >= self.data_rows)
        {
            self.new_sheet(t)?;
        }
        let Some(Sheet { sheet, rows, dates }) = t.sheets.last_mut() else {
            return Err(XlsxError::ParameterError("no sheet".into()));
        };
        *rows += 1;
        let r = *rows;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let dated = dates.get(c).copied().flatten();
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, col, s)?;
                }
                Cell::Number(x) if dated.is_some() => {
                    sheet.write_number_with_format(r, col, *x, &self.general)?;
                }
                Cell::Number(x) => {
                    sheet.write_number(r, col, *x)?;
                }
                Cell::Bool(b) if dated.is_some() => {
                    sheet.write_boolean_with_format(r, col, *b, &self.general)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, col, *b)?;
                }
                Cell::Date(d) => {
                    let format = (DateKind::Date, &self.date);
                    write_date(sheet, dates, r, c, format, excel_date(*d)?)?;
                }
                Cell::DateTime(t) => {
                    let format = (DateKind::DateTime, &self.datetime);
                    write_date(sheet, dates, r, c, format, excel_datetime(*t)?)?;
                }
                Cell::Empty => {}
            }
        }
        Ok(())
    }

    /// The table's sheets, filtered on their header row; an empty table
    /// still gets its sheet.
    pub fn finish_table(&mut self, mut t: TableSheets) -> Result<Vec<Worksheet>, XlsxError> {
        if t.sheets.is_empty() {
            self.new_sheet(&mut t)?;
        }
        let last_col = t.columns.len().saturating_sub(1) as u16;
        t.sheets
            .into_iter()
            .map(
                |Sheet {
                     mut sheet, rows, ..
                 }| {
                    sheet.autofilter(0, 0, rows, last_col)?;
                    Ok(sheet)
                },
            )
            .collect()
    }

    /// Puts the sheets in the workbook in the order given and saves it.
    pub fn save(mut self, path: &Path, sheets: Vec<Worksheet>) -> Result<(), XlsxError> {
        for sheet in sheets {
            self.book.push_worksheet(sheet);
        }
        self.book.save(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader};

    #[test]
    fn long_tables_continue_on_more_sheets_with_real_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let day = NaiveDate::from_ymd_opt(2019, 3, 15).unwrap();
        let rows: Vec<Vec<Cell>> = (0..5)
            .map(|i| {
                vec![
                    Cell::Text(format!("P{i}")),
                    Cell::Number(i as f64),
                    Cell::Date(day),
                    Cell::DateTime(day.and_hms_opt(12, 30, 0).unwrap()),
                ]
            })
            .collect();
        // 3 rows per sheet: a header and 2 data rows.
        let mut book = Book::new(3).unwrap();
        let mut table = book.table(
            "Class members",
            cols(&[("key", 10.0), ("n", 6.0), ("day", 12.0), ("at", 16.0)]),
        );
        for row in &rows {
            book.push_row(&mut table, row).unwrap();
        }
        let sheets = book.finish_table(table).unwrap();
        book.save(&path, sheets).unwrap();
        let mut book = calamine::open_workbook_auto(&path).unwrap();
        assert_eq!(
            book.sheet_names(),
            ["Class members", "Class members (2)", "Class members (3)"]
        );
        let last = book.worksheet_range("Class members (3)").unwrap();
        assert_eq!(last.height(), 2);
        let first = book.worksheet_range("Class members").unwrap();
        assert_eq!(first.get((0, 0)), Some(&Data::String("key".into())));
        assert_eq!(first.get((1, 1)), Some(&Data::Float(0.0)));
        match first.get((1, 3)) {
            Some(Data::DateTime(dt)) => {
                assert_eq!(dt.as_datetime(), Some(day.and_hms_opt(12, 30, 0).unwrap()))
            }
            other => panic!("not a datetime cell: {other:?}"),
        }
        // Every sheet's date columns are dates, not only the first sheet's.
        match last.get((1, 2)) {
            Some(Data::DateTime(dt)) => {
                assert_eq!(dt.as_datetime(), Some(day.and_hms_opt(0, 0, 0).unwrap()))
            }
            other => panic!("not a date cell: {other:?}"),
        }
    }

    #[test]
    fn a_column_of_dates_keeps_other_cells_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let day = NaiveDate::from_ymd_opt(2019, 3, 15).unwrap();
        let at = day.and_hms_opt(12, 30, 0).unwrap();
        // One column: a date first (the column takes the date format), then
        // a number, a boolean, a datetime, a text and an empty cell.
        let cells = [
            Cell::Date(day),
            Cell::Number(43000.0),
            Cell::Bool(true),
            Cell::DateTime(at),
            Cell::Text("n/a".into()),
            Cell::Empty,
            Cell::Date(day),
        ];
        let mut book = Book::new(100).unwrap();
        let mut table = book.table("T", cols(&[("key", 10.0), ("v", 12.0)]));
        for (i, cell) in cells.iter().enumerate() {
            book.push_row(&mut table, &[Cell::Text(format!("P{i}")), cell.clone()])
                .unwrap();
        }
        let sheets = book.finish_table(table).unwrap();
        book.save(&path, sheets).unwrap();
        let mut book = calamine::open_workbook_auto(&path).unwrap();
        let sheet = book.worksheet_range("T").unwrap();
        let datetime = |row: u32| match sheet.get((row as usize, 1)) {
            Some(Data::DateTime(dt)) => dt.as_datetime(),
            other => panic!("row {row}: not a date cell: {other:?}"),
        };
        assert_eq!(datetime(1), Some(day.and_hms_opt(0, 0, 0).unwrap()));
        assert_eq!(sheet.get((2, 1)), Some(&Data::Float(43000.0)));
        assert_eq!(sheet.get((3, 1)), Some(&Data::Bool(true)));
        assert_eq!(datetime(4), Some(at));
        assert_eq!(sheet.get((5, 1)), Some(&Data::String("n/a".into())));
        assert_eq!(sheet.get((6, 1)), Some(&Data::Empty));
        assert_eq!(datetime(7), Some(day.and_hms_opt(0, 0, 0).unwrap()));
    }
}
