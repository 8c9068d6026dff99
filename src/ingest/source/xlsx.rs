//! Excel workbooks (XLSX and the formats calamine opens): one sheet, its
//! cells rendered as text a parser reads without a format list (ISO 8601
//! dates and datetimes), so that a workbook goes through the same field
//! parsing and the same rejects as a CSV file.
//!
//! A sheet is read on a thread of its own, which hands its rows over about
//! a thousand at a time. An `.xlsx` sheet is read cell by cell, twice: once
//! for the rectangle its filled cells cover (what calamine's whole-sheet
//! range spans: a row has a field for each of its columns), and once for
//! the rows. The rectangle is kept, so that reading the sheet again (for
//! rows rejected after staging) takes one pass. A sheet read whole held
//! every cell in memory at once: over a gigabyte for one year of a large
//! county's bookings (bench/README.md). Other workbooks (`.xls`, `.xlsb`,
//! `.ods`), and an `.xlsx` sheet whose rows are stored out of order, are
//! read whole by calamine, which has no cell reader for them, and their
//! rows handed over the same way.

use super::{Fields, Record};
use crate::config::Input;
use crate::ingest::IngestError;
use calamine::{Data, DataRef, Reader};
use chrono::Timelike;
use std::borrow::Cow;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Rows handed over at a time, and batches waiting at most: what the
/// reader runs ahead of the rows staged is bounded.
const BATCH: usize = 1024;
const BATCHES_AHEAD: usize = 4;

/// An Excel workbook sheet, its rows read by a thread of its own.
pub struct XlsxSource {
    pub(super) header: Vec<String>,
    path: PathBuf,
    /// Rows from the reader; `None` once it is done.
    rows: Option<Receiver<Message>>,
    batch: std::vec::IntoIter<SheetRow>,
    reader: Option<std::thread::JoinHandle<()>>,
    row: u64,
}

/// A data row of a sheet: its spreadsheet row number (1-based) and its
/// cells as text.
struct SheetRow {
    line: u64,
    cells: Vec<String>,
}

enum Message {
    /// The header row's cells (trimmed), or none when the sheet has no row
    /// there.
    Header(Option<Vec<String>>),
    Rows(Vec<SheetRow>),
    Failed(String),
}

/// A cell as text: numbers without a spurious `.0`, datetimes in ISO form
/// (whatever the workbook's 1900 or 1904 date system), a date alone as a
/// date, a time alone as a time.
pub fn cell_text(cell: &Data) -> String {
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
        let book = calamine::open_workbook_auto(from).map_err(|e| bad(path, e.to_string()))?;
        let (send, rows) = sync_channel(BATCHES_AHEAD);
        let (sheet, skip) = (input.sheet.clone(), input.skip_rows);
        let key = SheetKey::of(from, &sheet);
        let reader = std::thread::Builder::new()
            .name("workbook reader".into())
            .spawn(move || read_sheet(book, sheet, key, skip, &send))
            .map_err(|source| IngestError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let mut source = XlsxSource {
            header: Vec::new(),
            path: path.to_path_buf(),
            rows: Some(rows),
            batch: Vec::new().into_iter(),
            reader: Some(reader),
            row: 0,
        };
        source.header = match source.receive()? {
            Some(Message::Header(Some(header))) => header,
            _ => {
                return Err(IngestError::Empty {
                    path: path.to_path_buf(),
                    skip_rows: skip,
                })
            }
        };
        Ok(source)
    }

    /// The reader's next message; `None` when it has sent everything.
    fn receive(&mut self) -> Result<Option<Message>, IngestError> {
        let Some(rows) = &self.rows else {
            return Ok(None);
        };
        match rows.recv() {
            Ok(Message::Failed(message)) => {
                self.rows = None;
                Err(bad(&self.path, message))
            }
            Ok(message) => Ok(Some(message)),
            Err(_) => {
                // The reader is done: it returned, or it panicked, which
                // calamine may do on a malformed workbook.
                self.rows = None;
                match self.reader.take().map(std::thread::JoinHandle::join) {
                    Some(Err(panic)) => {
                        let what = panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("no message");
                        Err(bad(
                            &self.path,
                            format!("the workbook reader stopped: {what}"),
                        ))
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    pub(super) fn next_record(&mut self) -> Result<Option<Record<'static>>, IngestError> {
        loop {
            if let Some(SheetRow { line, cells }) = self.batch.next() {
                self.row += 1;
                return Ok(Some(Record {
                    row: self.row,
                    line,
                    offset: None,
                    fields: Fields::Ok(cells.into_iter().map(Cow::Owned).collect()),
                }));
            }
            match self.receive()? {
                Some(Message::Rows(rows)) => self.batch = rows.into_iter(),
                _ => return Ok(None),
            }
        }
    }
}

impl Drop for XlsxSource {
    /// Stops the reader (its next hand-over fails) and waits for it, so
    /// that no thread outlives the file it reads.
    fn drop(&mut self) {
        self.rows = None;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

fn bad(path: &Path, message: String) -> IngestError {
    IngestError::Workbook {
        path: path.to_path_buf(),
        message,
    }
}

/// The reader thread: finds the sheet, sends its header row, then its data
/// rows; or why it cannot.
fn read_sheet<RS: Read + Seek>(
    mut book: calamine::Sheets<RS>,
    sheet: Option<String>,
    key: Option<SheetKey>,
    skip: usize,
    send: &SyncSender<Message>,
) {
    let names = book.sheet_names();
    let name = match sheet {
        Some(name) if names.contains(&name) => name,
        Some(name) => {
            let _ = send.send(Message::Failed(format!(
                "no sheet named `{name}`; sheets: {}",
                names.join(", ")
            )));
            return;
        }
        None => match names.first() {
            Some(first) => first.clone(),
            None => {
                let _ = send.send(Message::Failed("the workbook has no sheet".into()));
                return;
            }
        },
    };
    let result = match &mut book {
        calamine::Sheets::Xlsx(xlsx) => {
            let rect = match key.as_ref().and_then(SheetKey::known) {
                Some(rect) => Ok(rect),
                None => {
                    let rect = filled_rectangle(xlsx, &name);
                    if let (Some(key), Ok(rect)) = (key, &rect) {
                        key.remember(*rect);
                    }
                    rect
                }
            };
            match rect {
                Ok(Some(rect)) if rect.in_order => stream_rows(xlsx, &name, &rect, skip, send),
                Ok(Some(_)) => send_whole(xlsx.worksheet_range(&name), skip, send),
                Ok(None) => {
                    let _ = send.send(Message::Header(None));
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        }
        other => send_whole(other.worksheet_range(&name), skip, send),
    };
    if let Err(message) = result {
        let _ = send.send(Message::Failed(message));
    }
}

/// The rows and columns a sheet's filled cells span, as calamine's range
/// of the whole sheet does, and whether its rows come in order.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rectangle {
    rows: (u32, u32),
    columns: (u32, u32),
    in_order: bool,
}

/// A sheet of a file as it is on disk: the file's path, length and time
/// of last change, and the sheet asked for.
#[derive(Clone, PartialEq)]
struct SheetKey(PathBuf, u64, Option<std::time::SystemTime>, Option<String>);

/// The rectangles of the `.xlsx` sheets read so far. A file's rows
/// rejected after staging are read again from the private copy staging
/// read (`ingest::reread`), once per table read from it: the pass that
/// finds the rectangle is made once per file, not each time.
static RECTANGLES: std::sync::Mutex<Vec<(SheetKey, Option<Rectangle>)>> =
    std::sync::Mutex::new(Vec::new());

impl SheetKey {
    fn of(file: &Path, sheet: &Option<String>) -> Option<SheetKey> {
        let meta = std::fs::metadata(file).ok()?;
        Some(SheetKey(
            file.to_path_buf(),
            meta.len(),
            meta.modified().ok(),
            sheet.clone(),
        ))
    }

    fn known(&self) -> Option<Option<Rectangle>> {
        let known = RECTANGLES.lock().ok()?;
        known.iter().find(|(k, _)| k == self).map(|(_, r)| *r)
    }

    fn remember(self, rect: Option<Rectangle>) {
        if let Ok(mut known) = RECTANGLES.lock() {
            known.push((self, rect));
        }
    }
}

/// The [`Rectangle`] of an `.xlsx` sheet, read cell by cell; none for a
/// sheet with no filled cell (or no cells: a chart sheet).
fn filled_rectangle<RS: Read + Seek>(
    xlsx: &mut calamine::Xlsx<RS>,
    name: &str,
) -> Result<Option<Rectangle>, calamine::XlsxError> {
    let mut cells = match xlsx.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut rect: Option<Rectangle> = None;
    while let Some(cell) = cells.next_cell()? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        match &mut rect {
            None => {
                rect = Some(Rectangle {
                    rows: (r, r),
                    columns: (c, c),
                    in_order: true,
                })
            }
            Some(rect) => {
                rect.in_order &= r >= rect.rows.1;
                rect.rows = (rect.rows.0.min(r), rect.rows.1.max(r));
                rect.columns = (rect.columns.0.min(c), rect.columns.1.max(c));
            }
        }
    }
    Ok(rect)
}

/// Sends the header and data rows of an `.xlsx` sheet whose rows come in
/// order, read cell by cell: the rows calamine's whole-sheet range gives
/// (`rect` wide, from its first filled row), one row in memory at a time.
fn stream_rows<RS: Read + Seek>(
    xlsx: &mut calamine::Xlsx<RS>,
    name: &str,
    rect: &Rectangle,
    skip: usize,
    send: &SyncSender<Message>,
) -> Result<(), String> {
    let header_row = u64::from(rect.rows.0) + skip as u64;
    if header_row > u64::from(rect.rows.1) {
        let _ = send.send(Message::Header(None));
        return Ok(());
    }
    let width = (rect.columns.1 - rect.columns.0) as usize + 1;
    let mut cells = xlsx
        .worksheet_cells_reader(name)
        .map_err(|e| e.to_string())?;
    let mut rows = Rows {
        header_row,
        header_sent: false,
        width,
        batch: Vec::with_capacity(BATCH),
        send,
    };
    // The row being filled: its number and its cells' text.
    let mut current: Option<(u64, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let r = u64::from(r);
        if r < header_row {
            continue;
        }
        if current.as_ref().is_some_and(|(at, _)| *at != r) {
            let (at, row) = current.take().expect("checked above");
            if !rows.row(at, row) {
                return Ok(());
            }
        }
        let (_, row) = current.get_or_insert_with(|| (r, vec![String::new(); width]));
        // The first pass found every filled cell within the rectangle.
        let place = c
            .checked_sub(rect.columns.0)
            .and_then(|i| row.get_mut(i as usize))
            .ok_or("the sheet changed while it was read")?;
        // A later cell at the same place wins, as in calamine's range.
        *place = ref_text(value);
    }
    if let Some((at, row)) = current {
        if !rows.row(at, row) {
            return Ok(());
        }
    }
    rows.flush();
    Ok(())
}

/// [`cell_text`] of a cell as the cell reader gives it, without copying
/// its text twice.
fn ref_text(value: &DataRef) -> String {
    match value {
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::String(s) => s.clone(),
        other => cell_text(&Data::from(other.clone())),
    }
}

/// Rows on their way from [`stream_rows`] to the staging thread.
struct Rows<'s> {
    header_row: u64,
    header_sent: bool,
    width: usize,
    batch: Vec<SheetRow>,
    send: &'s SyncSender<Message>,
}

impl Rows<'_> {
    /// Takes the row `at` (0-based), one with a filled cell: the header,
    /// or a data row, sent when the batch is full. A data row of blank
    /// cells is left out, as Excel keeps formatted but empty rows. False
    /// once the staging side has stopped listening.
    fn row(&mut self, at: u64, cells: Vec<String>) -> bool {
        if !self.header_sent {
            self.header_sent = true;
            let is_header = at == self.header_row;
            let header = if is_header {
                cells.iter().map(|c| c.trim().to_string()).collect()
            } else {
                // The header row has no filled cell: calamine's range
                // gives it as a row of empty cells.
                vec![String::new(); self.width]
            };
            if self.send.send(Message::Header(Some(header))).is_err() {
                return false;
            }
            if is_header {
                return true;
            }
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        self.batch.push(SheetRow {
            line: at + 1,
            cells,
        });
        self.batch.len() < BATCH || self.flush()
    }

    /// Sends the rows gathered; false once the staging side has stopped
    /// listening.
    fn flush(&mut self) -> bool {
        self.batch.is_empty()
            || self
                .send
                .send(Message::Rows(std::mem::take(&mut self.batch)))
                .is_ok()
    }
}

/// Sends the rows of a sheet calamine read whole, or why it could not.
fn send_whole<E: std::fmt::Display>(
    range: Result<calamine::Range<Data>, E>,
    skip: usize,
    send: &SyncSender<Message>,
) -> Result<(), String> {
    let range = range.map_err(|e| e.to_string())?;
    send_range(&range, skip, send);
    Ok(())
}

/// Sends the header and data rows of a sheet read whole.
fn send_range(range: &calamine::Range<Data>, skip: usize, send: &SyncSender<Message>) {
    let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
    let mut rows = range.rows();
    let header = rows.nth(skip).map(|cells| {
        cells
            .iter()
            .map(|c| cell_text(c).trim().to_string())
            .collect()
    });
    let has_header = header.is_some();
    if send.send(Message::Header(header)).is_err() || !has_header {
        return;
    }
    let mut batch = Vec::with_capacity(BATCH);
    for (i, cells) in rows.enumerate() {
        let cells: Vec<String> = cells.iter().map(cell_text).collect();
        // Excel keeps formatted but empty rows; they are not data.
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        batch.push(SheetRow {
            line: first_row + (skip + 1 + i) as u64,
            cells,
        });
        if batch.len() == BATCH
            && send
                .send(Message::Rows(std::mem::take(&mut batch)))
                .is_err()
        {
            return;
        }
    }
    if !batch.is_empty() {
        let _ = send.send(Message::Rows(batch));
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

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

    fn input(sheet: &str, skip_rows: usize) -> Input {
        Input {
            index: 0,
            table: crate::model::Table::Bookings,
            pattern: String::new(),
            files: Vec::new(),
            format: crate::config::Format::Xlsx,
            delimiter: b',',
            encoding: crate::config::Encoding::Utf8,
            sheet: Some(sheet.to_string()),
            skip_rows,
            null_values: vec![String::new()],
            columns: Vec::new(),
        }
    }

    type Rows = (Vec<String>, Vec<(u64, Vec<String>)>);

    /// The header and data rows (spreadsheet row, fields) as the source
    /// gives them.
    fn streamed(path: &Path, sheet: &str, skip_rows: usize) -> Rows {
        let mut source = XlsxSource::open(path, path, &input(sheet, skip_rows)).unwrap();
        let mut rows = Vec::new();
        while let Some(r) = source.next_record().unwrap() {
            assert_eq!(r.row as usize, rows.len() + 1);
            let Fields::Ok(fields) = r.fields else {
                panic!("an xlsx row always has the header's width")
            };
            rows.push((r.line, fields.iter().map(|f| f.to_string()).collect()));
        }
        (source.header.clone(), rows)
    }

    /// The same from calamine's range of the whole sheet, row by row: what
    /// the source gave before it read sheets cell by cell.
    fn whole(path: &Path, sheet: &str, skip_rows: usize) -> Rows {
        let mut book = calamine::open_workbook_auto(path).unwrap();
        let range = book.worksheet_range(sheet).unwrap();
        let first = u64::from(range.start().unwrap().0) + 1;
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        let header = rows[skip_rows]
            .iter()
            .map(|c| c.trim().to_string())
            .collect();
        let data = rows
            .iter()
            .enumerate()
            .skip(skip_rows + 1)
            .filter(|(_, r)| !r.iter().all(|c| c.trim().is_empty()))
            .map(|(i, r)| (first + i as u64, r.clone()))
            .collect();
        (header, data)
    }

    #[test]
    fn a_sheet_read_cell_by_cell_gives_the_rows_of_the_whole_sheet() {
        use rust_xlsxwriter::{Format, Workbook};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.xlsx");
        let mut book = Workbook::new();
        book.add_worksheet().set_name("Notes").unwrap();
        let sheet = book.add_worksheet().set_name("Data").unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let filled = Format::new().set_background_color("#FFFF00");
        // Spreadsheet rows 2 to 10 (0-based 1 to 9): a preamble cell in C2,
        // an empty row, the header in B4:D4.
        sheet.write(1, 2, "EXPORT").unwrap();
        for (c, h) in ["Id", " Booked ", "Bail"].iter().enumerate() {
            sheet.write(3, c as u16 + 1, *h).unwrap();
        }
        sheet.write(4, 1, "A1").unwrap();
        let at = rust_xlsxwriter::ExcelDateTime::parse_from_str("2019-03-01 10:00:00").unwrap();
        sheet.write_datetime_with_format(4, 2, at, &date).unwrap();
        sheet.write(4, 3, 1500.0).unwrap();
        // Row 6: formatted but empty; row 7: spaces only. Neither is data.
        sheet.write_blank(5, 1, &filled).unwrap();
        sheet.write(6, 1, "  ").unwrap();
        // Row 8: cells left and right of the header widen every row.
        sheet.write(7, 0, "left").unwrap();
        sheet.write(7, 5, "right").unwrap();
        sheet.write(9, 2, 12.5).unwrap();
        sheet.write(9, 3, true).unwrap();
        book.save(&path).unwrap();

        let (header, rows) = streamed(&path, "Data", 2);
        // The first pass's rectangle is kept for the next read of the sheet.
        let key = SheetKey::of(&path, &Some("Data".to_string())).unwrap();
        let rect = Rectangle {
            rows: (1, 9),
            columns: (0, 5),
            in_order: true,
        };
        assert_eq!(key.known(), Some(Some(rect)));
        // Worked out by hand: the sheet's filled cells span A2:F10.
        assert_eq!(header, ["", "Id", "Booked", "Bail", "", ""]);
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [5, 8, 10]);
        assert_eq!(rows[0].1, ["", "A1", "2019-03-01 10:00:00", "1500", "", ""]);
        assert_eq!(rows[1].1, ["left", "", "", "", "", "right"]);
        assert_eq!(rows[2].1, ["", "", "12.5", "true", "", ""]);
        assert_eq!((header, rows), whole(&path, "Data", 2));

        // A header row with no filled cell is a row of empty names.
        let (header, rows) = streamed(&path, "Data", 1);
        assert_eq!(header, vec![String::new(); 6]);
        assert_eq!(rows.len(), 4);
        assert_eq!((header, rows), whole(&path, "Data", 1));

        // Past the last row there is no header; a sheet without filled
        // cells has none either.
        for (sheet, skip) in [("Data", 9), ("Notes", 0)] {
            let err = XlsxSource::open(&path, &path, &input(sheet, skip)).err();
            assert!(matches!(err, Some(IngestError::Empty { .. })), "{sheet}");
        }
        let err = XlsxSource::open(&path, &path, &input("Bookings", 0)).err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("no sheet named `Bookings`; sheets: Notes, Data"),
            "{message}"
        );

        // A source left before its last row stops its reader.
        let mut source = XlsxSource::open(&path, &path, &input("Data", 2)).unwrap();
        assert!(source.next_record().unwrap().is_some());
        drop(source);
    }

    #[test]
    fn a_sheet_read_whole_gives_the_same_rows() {
        // calamine's range of cells stored out of order (read whole).
        let cell = |r, c, v: &str| calamine::Cell::new((r, c), Data::String(v.to_string()));
        let range = calamine::Range::from_sparse(vec![
            cell(4, 2, "B2"),
            cell(1, 1, "Id"),
            cell(1, 2, "Name"),
            cell(2, 1, "B1"),
            cell(3, 1, " "),
        ]);
        let (send, receive) = sync_channel(BATCHES_AHEAD);
        send_range(&range, 0, &send);
        drop(send);
        let messages: Vec<Message> = receive.iter().collect();
        let Some(Message::Header(Some(header))) = messages.first() else {
            panic!("no header first")
        };
        assert_eq!(header, &["Id", "Name"]);
        let rows: Vec<(u64, Vec<String>)> = messages[1..]
            .iter()
            .flat_map(|m| match m {
                Message::Rows(rows) => rows.iter().map(|r| (r.line, r.cells.clone())).collect(),
                _ => Vec::new(),
            })
            .collect();
        let want = |line, cells: [&str; 2]| (line, cells.map(str::to_string).to_vec());
        assert_eq!(rows, [want(3, ["B1", ""]), want(5, ["", "B2"])]);
    }
}
