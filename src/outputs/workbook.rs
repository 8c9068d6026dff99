//! `class_members.xlsx`: a workbook a lawyer can open and read.
//!
//! Sheets: the summary by county and year, the class members, the flagged
//! holds, the rejects summary, and a "Method" sheet with the rules, the
//! parameters used and the tool version. Header rows are frozen and
//! filtered, dates and numbers are real cells, and a table longer than
//! Excel's 1,048,576 rows continues on a second sheet (`Class members (2)`)
//! instead of being cut. Written in rust_xlsxwriter's constant-memory mode,
//! row by row, so a statewide list does not sit in memory as cells.

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

fn cols(c: &[(&str, f64)]) -> Vec<(String, f64)> {
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
        // level 2 is as fast as level 1 with a smaller file; the README's
        // benchmark section has the figures.
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

/// What one county contributes to the workbook's small sheets.
pub struct CountyPart<'a> {
    pub pipeline: &'a crate::config::Pipeline,
    /// `as_of` of the audit (UTC microseconds).
    pub as_of: i64,
    /// Its rows of the Summary sheet ([`summary_rows`]).
    pub summary: Vec<Vec<Cell>>,
    /// Rejects as (table, file, reason, rows).
    pub rejects: Vec<(String, String, String, u64)>,
}

fn local(micros: i64, tz: &chrono_tz::Tz) -> Cell {
    crate::calendar::local_datetime(micros, tz).map_or(Cell::Empty, Cell::DateTime)
}

fn opt_text(s: &Option<String>) -> Cell {
    s.as_ref().map_or(Cell::Empty, |s| Cell::Text(s.clone()))
}

fn days_to_date(days: Option<i32>) -> Cell {
    days.map_or(Cell::Empty, |d| Cell::Date(crate::model::date_from_days(d)))
}

/// A county's rows of the Summary sheet: per local year, bookings from the
/// monthly counts and holds from the holds table (by the year of
/// hold_start).
pub fn summary_rows(p: &crate::config::Pipeline, a: &crate::audit::Audit) -> Vec<Vec<Cell>> {
    use std::collections::{BTreeMap, BTreeSet};
    #[derive(Default)]
    struct Year {
        bookings: u64,
        holds: u64,
        flagged: u64,
        persons: BTreeSet<String>,
        over_limit: u64,
        warrant_unknown: u64,
        hours: f64,
    }
    let mut years: BTreeMap<i32, Year> = BTreeMap::new();
    for ((y, _), m) in &a.months {
        years.entry(*y).or_default().bookings += m.bookings;
    }
    for h in &a.holds {
        let y = years.entry(h.year).or_default();
        y.holds += 1;
        y.over_limit += u64::from(h.over_limit == Some(true));
        y.warrant_unknown += u64::from(
            h.warrant_status == crate::model::Warrant::Unknown
                && h.unwarranted_minutes
                    .is_some_and(|u| u > p.rules.grace_minutes),
        );
        if h.flagged {
            y.flagged += 1;
            y.persons.insert(h.person_key.clone());
            y.hours += h.hold_minutes.unwrap_or(0) as f64 / 60.0;
        }
    }
    years
        .range(p.rules.since.year()..)
        .map(|(year, y)| {
            vec![
                Cell::Text(p.county.clone()),
                Cell::Number(f64::from(*year)),
                Cell::Number(y.bookings as f64),
                Cell::Number(y.holds as f64),
                Cell::Number(y.flagged as f64),
                Cell::Number(y.persons.len() as f64),
                Cell::Number(y.over_limit as f64),
                Cell::Number(y.warrant_unknown as f64),
                Cell::Number((y.hours * 100.0).round() / 100.0),
            ]
        })
        .collect()
}

/// A county's rows of the Flagged holds sheet.
pub fn flagged_rows<'a>(
    p: &'a crate::config::Pipeline,
    holds: &'a [crate::audit::Hold],
    privacy: &'a super::privacy::Privacy,
) -> impl Iterator<Item = Vec<Cell>> + 'a {
    holds.iter().filter(|h| h.flagged).map(move |h| {
        vec![
            Cell::Text(p.county.clone()),
            Cell::Text(privacy.value("booking_id", &h.booking_id)),
            Cell::Text(privacy.value("person_key", &h.person_key)),
            opt_text(&privacy.opt("name", h.last_name.as_deref())),
            opt_text(&privacy.opt("name", h.first_name.as_deref())),
            h.eligible_at.map_or(Cell::Empty, |t| local(t, &p.tz)),
            h.hold_start.map_or(Cell::Empty, |t| local(t, &p.tz)),
            h.hold_end.map_or(Cell::Empty, |t| local(t, &p.tz)),
            h.hold_minutes
                .map_or(Cell::Empty, |m| Cell::Number(m as f64)),
            h.unwarranted_minutes
                .map_or(Cell::Empty, |m| Cell::Number(m as f64)),
            Cell::Text(h.status.to_string()),
            Cell::Text(h.form.map_or(String::new(), |f| f.to_string())),
            Cell::Text(h.warrant_status.to_string()),
            h.over_limit.map_or(Cell::Empty, Cell::Bool),
            h.limit_hours_counted.map_or(Cell::Empty, Cell::Number),
            Cell::Text(h.regime.to_string()),
            Cell::Text(h.source_file.clone()),
            Cell::Number(h.source_row as f64),
        ]
    })
}

/// A member's row of the Class members sheet.
pub fn member_row(
    m: &super::class::Member,
    subclasses: &[String],
    tz: &chrono_tz::Tz,
    privacy: &super::privacy::Privacy,
) -> Vec<Cell> {
    let mut row = vec![
        Cell::Text(m.county_name.clone()),
        Cell::Text(privacy.value("person_key", &m.person_key)),
        opt_text(&privacy.opt("person_id", m.person_id.as_deref())),
        opt_text(&privacy.opt("name", m.last_name.as_deref())),
        opt_text(&privacy.opt("name", m.first_name.as_deref())),
        if privacy.is_on() {
            opt_text(&privacy.dob_text(m.dob))
        } else {
            days_to_date(m.dob)
        },
        Cell::Number(m.flagged_holds as f64),
        local(m.first_hold_start, tz),
        local(m.last_hold_start, tz),
        Cell::Number((m.hold_hours_total * 100.0).round() / 100.0),
        Cell::Number(m.days_held as f64),
        Cell::Number(m.damages_estimate),
        Cell::Text(privacy.list("booking_id", &m.booking_ids)),
        Cell::Text(m.match_basis.clone()),
    ];
    row.extend(
        subclasses
            .iter()
            .map(|n| super::class::subclass_value(m, n).map_or(Cell::Empty, Cell::Bool)),
    );
    row
}

/// The small sheets' rows (Summary, Rejects, Method) of the counties.
fn small_rows(parts: &[CountyPart], privacy: &super::privacy::Privacy) -> [Vec<Vec<Cell>>; 3] {
    let mut summary = Vec::new();
    let mut rejects = Vec::new();
    let mut method = vec![vec![
        Cell::Text("tool".into()),
        Cell::Text(format!("detainer-audit {}", env!("CARGO_PKG_VERSION"))),
    ]];
    for part in parts {
        let p = part.pipeline;
        summary.extend(part.summary.iter().cloned());
        for (table, file, reason, n) in &part.rejects {
            rejects.push(vec![
                Cell::Text(p.county.clone()),
                Cell::Text(table.clone()),
                Cell::Text(file.clone()),
                Cell::Text(reason.clone()),
                Cell::Number(*n as f64),
            ]);
        }
        let r = &p.rules;
        let mut param = |k: &str, v: String| {
            method.push(vec![
                Cell::Text(format!("{}: {k}", p.county)),
                Cell::Text(v),
            ])
        };
        param("pipeline file", p.file.display().to_string());
        param("time zone", p.tz.name().to_string());
        param("as_of", super::local_text(part.as_of, &p.tz));
        param("since", r.since.to_string());
        param("until", r.until.map_or("none".into(), |u| u.to_string()));
        param("grace_minutes", r.grace_minutes.to_string());
        param(
            "damages",
            format!("{} per day, capped at {}", r.per_day, r.cap),
        );
        param("missing warrant read as", r.missing_warrant.clone());
        param("max_reject_rate", r.max_reject_rate.to_string());
        param(
            "names, dates of birth and ids",
            if privacy.is_on() {
                "replaced by keyed pseudonyms (--pseudonymize)".into()
            } else {
                "as in the export".into()
            },
        );
    }
    // The rules, as docs/METHOD.md states them.
    for (section, text) in super::method::blocks() {
        method.push(vec![
            Cell::Text(format!("method: {section}")),
            Cell::Text(text),
        ]);
    }
    [summary, rejects, method]
}

/// Finishes a workbook whose long sheets were filled while counties were
/// audited: adds the small sheets and saves, sheets in the usual order.
pub fn finish(
    mut book: Book,
    path: &Path,
    parts: &[CountyPart],
    members: TableSheets,
    flagged: TableSheets,
    privacy: &super::privacy::Privacy,
) -> Result<(), XlsxError> {
    let [summary, rejects, method] = small_rows(parts, privacy);
    let mut small =
        |name: &str, columns, rows: Vec<Vec<Cell>>| -> Result<Vec<Worksheet>, XlsxError> {
            let mut t = book.table(name, columns);
            for row in &rows {
                book.push_row(&mut t, row)?;
            }
            book.finish_table(t)
        };
    let mut sheets = small("Summary", summary_columns(), summary)?;
    let rejects = small("Rejects", rejects_columns(), rejects)?;
    let method = small("Method", cols(&[("What", 34.0), ("Value", 120.0)]), method)?;
    sheets.extend(book.finish_table(members)?);
    sheets.extend(book.finish_table(flagged)?);
    sheets.extend(rejects);
    sheets.extend(method);
    book.save(path, sheets)
}

fn summary_columns() -> Vec<(String, f64)> {
    cols(&[
        ("County", 16.0),
        ("Year", 7.0),
        ("Bookings", 10.0),
        ("Holds", 8.0),
        ("Flagged holds", 9.0),
        ("Flagged persons", 9.0),
        ("Over 48-hour limit", 9.0),
        ("Warrant unknown", 9.0),
        ("Flagged hold hours", 11.0),
    ])
}

fn rejects_columns() -> Vec<(String, f64)> {
    cols(&[
        ("County", 16.0),
        ("Table", 10.0),
        ("File", 36.0),
        ("Reason", 24.0),
        ("Rows", 8.0),
    ])
}

pub fn flagged_columns() -> Vec<(String, f64)> {
    cols(&[
        ("County", 16.0),
        ("Booking id", 14.0),
        ("Person key", 28.0),
        ("Last name", 18.0),
        ("First name", 16.0),
        ("Eligible at", 17.0),
        ("Hold start", 17.0),
        ("Hold end", 17.0),
        ("Hold minutes", 10.0),
        ("Unwarranted minutes", 12.0),
        ("Status", 10.0),
        ("Form", 8.0),
        ("Warrant", 14.0),
        ("Over limit", 9.0),
        ("Limit hours counted", 10.0),
        ("Regime", 11.0),
        ("Source file", 30.0),
        ("Source row", 9.0),
    ])
}

pub fn member_columns(subclasses: &[String]) -> Vec<(String, f64)> {
    let mut member_columns = cols(&[
        ("County", 16.0),
        ("Person key", 28.0),
        ("Person id", 12.0),
        ("Last name", 18.0),
        ("First name", 16.0),
        ("Date of birth", 12.0),
        ("Flagged holds", 9.0),
        ("First hold start", 17.0),
        ("Last hold start", 17.0),
        ("Hold hours", 10.0),
        ("Days held", 8.0),
        ("Damages estimate", 12.0),
        ("Booking ids", 24.0),
        ("Match basis", 11.0),
    ]);
    member_columns.extend(subclasses.iter().map(|n| (n.clone(), 12.0)));
    member_columns
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
