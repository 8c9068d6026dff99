//! `class_members.xlsx`: a workbook a lawyer can open and read.
//!
//! Sheets: the summary by county and year, the class members, the flagged
//! holds, the rejects summary, and a "Method" sheet with the rules, the
//! parameters used and the tool version. Header rows are frozen and
//! filtered, dates and numbers are real cells, and a table longer than
//! Excel's 1,048,576 rows continues on a second sheet (`Class members (2)`)
//! instead of being cut. Written in rust_xlsxwriter's constant-memory mode,
//! row by row, so a statewide list does not sit in memory as cells.
//!
//! This file holds what a run hands the workbook and the order of its
//! sheets ([`finish`]). The rest:
//!
//! - `book`: the xlsx writer: [`Book`], its [`Cell`]s, tables continued on
//!   further sheets, date formats, and saving;
//! - `sheets`: the columns and rows of each sheet, the Method sheet's rules
//!   and parameters among them.

mod book;
mod sheets;

use rust_xlsxwriter::{Worksheet, XlsxError};
use std::path::Path;

pub use book::{Book, Cell, TableSheets, EXCEL_MAX_ROWS};
pub use sheets::{flagged_columns, flagged_rows, member_columns, member_row, SummaryYears};

use book::cols;
use sheets::{rejects_columns, small_rows, summary_columns};

/// What one county contributes to the workbook's small sheets.
pub struct CountyPart<'a> {
    pub pipeline: &'a crate::config::Pipeline,
    /// `as_of` of the audit (UTC microseconds).
    pub as_of: i64,
    /// Its rows of the Summary sheet ([`SummaryYears::rows`]).
    pub summary: Vec<Vec<Cell>>,
    /// Rejects as (table, file, reason, rows).
    pub rejects: Vec<(String, String, String, u64)>,
}

/// Finishes a workbook whose long sheets were filled while counties were
/// audited: adds the small sheets and saves, sheets in the usual order.
pub fn finish(
    mut book: Book,
    path: &Path,
    parts: &[CountyPart],
    members: TableSheets,
    flagged: TableSheets,
    privacy: &crate::outputs::privacy::Privacy,
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
