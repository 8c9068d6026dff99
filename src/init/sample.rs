//! The bounded sample `init` reads of each export: the first
//! [`ROWS`] data rows of a CSV file (never more than [`BYTES`] of it), of
//! each sheet of a workbook, or of a Parquet file, as the text the ingest
//! itself would see. CSV and Parquet rows come through the ingest's own
//! readers (`ingest::source`), so every value is the one `check` and `run`
//! will parse; workbook cells through the ingest's `cell_text`, an `.xlsx`
//! sheet read only as far as its sampled rows.
//!
//! A file that cannot be read is an error naming the file, never a row's
//! values.

use super::sniff::{self, CsvDialect};
use crate::config::{Encoding, Format, Input};
use crate::ingest::source::{cell_text, Fields, Source};
use crate::model::Table;
use anyhow::{anyhow, bail, Context};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Data rows read per file or sheet: enough for every common code and
/// format to show, few enough that a statewide export takes no time.
pub const ROWS: usize = 5_000;

/// Bytes of a CSV file read at most, whatever its rows' length.
pub const BYTES: usize = 8 << 20;

/// Rows looked at for a workbook sheet's preamble.
const SHEET_PREAMBLE: usize = 20;

/// How one part of an export is laid out.
#[derive(Debug, Clone)]
pub enum Layout {
    Csv(CsvDialect),
    Sheet {
        name: String,
        /// Rows above the header, counted from the sheet's first used row.
        skip_rows: usize,
    },
    /// Parquet: each column and its type.
    Parquet(Vec<(String, String)>),
}

/// One table-shaped part of an export (a CSV or Parquet file, or one sheet
/// of a workbook) and the rows read of it.
#[derive(Debug, Clone)]
pub struct Part {
    pub path: PathBuf,
    pub layout: Layout,
    pub header: Vec<String>,
    /// Column-major: `columns[c][r]` is row `r`'s field `c`, trimmed.
    pub columns: Vec<Vec<String>>,
    /// Rows whose fields could not be taken (another number of fields
    /// than the header, or text not valid in the encoding).
    pub unreadable: usize,
    /// The whole file (or sheet) was read.
    pub complete: bool,
    /// Preamble lines, kept for the export's date only (never printed).
    pub preamble: Vec<String>,
}

impl Part {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// The file name and, for a sheet, its name: how messages name a part.
    pub fn label(&self) -> String {
        let file = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match &self.layout {
            Layout::Sheet { name, .. } => format!("{file} [{name}]"),
            _ => file,
        }
    }
}

/// Reads the parts of one export file: a CSV or Parquet file is one part,
/// a workbook one per sheet that holds a table.
pub fn read(path: &Path) -> anyhow::Result<Vec<Part>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a file", path.display());
    }
    match crate::config::format_by_extension(&path.to_string_lossy()) {
        "xlsx" => read_workbook(path),
        "parquet" => read_parquet(path).map(|p| vec![p]),
        _ => read_csv(path, meta.len()).map(|p| vec![p]),
    }
}

/// An `Input` that reads `path` the way the sniffer found: what the
/// ingest's readers take.
fn input_for(path: &Path, format: Format, delimiter: u8, encoding: Encoding, skip: usize) -> Input {
    Input {
        index: 0,
        table: Table::Bookings,
        pattern: path.display().to_string(),
        files: vec![path.to_path_buf()],
        format,
        delimiter,
        encoding,
        sheet: None,
        skip_rows: skip,
        null_values: Vec::new(),
        columns: Vec::new(),
    }
}

fn read_csv(path: &Path, len: u64) -> anyhow::Result<Part> {
    let bytes = head(path)?;
    let truncated = (bytes.len() as u64) < len;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        bail!("{}: the file is empty", path.display());
    }
    // Text exports have no NUL byte; a workbook or Parquet file is read by
    // its extension, so one without it would be taken for CSV here.
    if bytes.iter().take(64 << 10).any(|&b| b == 0) {
        bail!(
            "{}: not a text file (it has NUL bytes); a workbook needs its .xlsx extension, a \
             Parquet file its .parquet extension",
            path.display()
        );
    }
    let dialect = sniff::sniff_csv(&bytes, truncated).ok_or_else(|| {
        anyhow!(
            "{}: no line in its first {} KiB has two fields with `,`, `;`, tab or `|`: not a \
             CSV table",
            path.display(),
            bytes.len().div_ceil(1024)
        )
    })?;
    let input = input_for(
        path,
        Format::Csv,
        dialect.delimiter.value,
        dialect.encoding.value,
        dialect.skip_rows,
    );
    let body = if dialect.bom { &bytes[3..] } else { &bytes[..] };
    let preamble = sniff::skip_lines(body, 0)
        .split(|&b| b == b'\n')
        .take(dialect.skip_rows)
        .map(|l| String::from_utf8_lossy(l).trim().to_string())
        .collect();
    let source = Source::open(path, path, &input, Box::new(std::io::Cursor::new(bytes)))?;
    let mut part = collect(path, Layout::Csv(dialect), source)?;
    part.preamble = preamble;
    if truncated && part.complete {
        // The buffer ended before the file, maybe inside the last record
        // read: that record is no evidence.
        for c in &mut part.columns {
            c.pop();
        }
        part.complete = false;
    }
    Ok(part)
}

/// The start of a file: up to [`ROWS`] lines past the preamble, never
/// more than [`BYTES`], read in chunks so a large file is not read whole.
fn head(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 256 << 10];
    let mut lines = 0;
    while bytes.len() < BYTES && lines <= ROWS + 64 {
        let want = chunk.len().min(BYTES - bytes.len());
        let n = file
            .read(&mut chunk[..want])
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &chunk[..n]).count();
        bytes.extend_from_slice(&chunk[..n]);
    }
    Ok(bytes)
}

/// Up to [`ROWS`] records of an opened source, column by column.
fn collect(path: &Path, layout: Layout, mut source: Source) -> anyhow::Result<Part> {
    let header = source.header().to_vec();
    let mut columns = vec![Vec::new(); header.len()];
    let mut unreadable = 0;
    let mut complete = true;
    while let Some(record) = source.next_record(path)? {
        if columns.first().map_or(0, Vec::len) + unreadable >= ROWS {
            complete = false;
            break;
        }
        match record.fields {
            Fields::Ok(fields) => {
                for (c, f) in columns.iter_mut().zip(fields) {
                    c.push(f.trim().to_string());
                }
            }
            Fields::WrongFieldCount { .. } | Fields::InvalidUtf8 { .. } => unreadable += 1,
        }
    }
    Ok(Part {
        path: path.to_path_buf(),
        layout,
        header,
        columns,
        unreadable,
        complete,
        preamble: Vec::new(),
    })
}

fn read_parquet(path: &Path) -> anyhow::Result<Part> {
    use polars::prelude::*;
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let schema = ParquetReader::new(file)
        .schema()
        .map_err(|e| anyhow!("{}: cannot read the Parquet file: {e}", path.display()))?;
    let types = schema
        .iter()
        .map(|(name, field)| {
            (
                name.to_string(),
                parquet_type(&DataType::from_arrow_field(field)),
            )
        })
        .collect();
    let input = input_for(path, Format::Parquet, b',', Encoding::Utf8, 0);
    let source = Source::open(path, path, &input, Box::new(std::io::empty()))?;
    collect(path, Layout::Parquet(types), source)
}

/// A Parquet column's type, and how the ingest reads it.
fn parquet_type(dtype: &polars::prelude::DataType) -> String {
    use polars::prelude::DataType;
    match dtype {
        DataType::Datetime(_, Some(tz)) => {
            format!("timestamp in {tz} (read as instants: no format, no time zone question)")
        }
        DataType::Datetime(_, None) => "timestamp without a zone (read as local times)".to_string(),
        DataType::Date => "date".to_string(),
        other => other.to_string(),
    }
}

/// Every sheet of a workbook that holds a table. An `.xlsx` sheet is read
/// cell by cell up to the rows sampled; other workbooks (`.xls`, `.ods`)
/// have no such reader, and calamine reads their sheet whole (a sheet has
/// at most 1,048,576 rows, so this is bounded).
fn read_workbook(path: &Path) -> anyhow::Result<Vec<Part>> {
    use calamine::{Reader, Sheets, XlsxError};
    let bad =
        |e: &dyn std::fmt::Display| anyhow!("{}: cannot read the workbook: {e}", path.display());
    let mut book = calamine::open_workbook_auto(path).map_err(|e| bad(&e))?;
    let mut parts = Vec::new();
    for name in book.sheet_names() {
        let (range, read_whole) = match &mut book {
            Sheets::Xlsx(x) => match first_rows(x, &name, SHEET_PREAMBLE + ROWS + 1) {
                Ok(r) => r,
                // A chart sheet holds no table.
                Err(XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(bad(&e)),
            },
            other => (other.worksheet_range(&name).map_err(|e| bad(&e))?, true),
        };
        let rows: Vec<Vec<String>> = range
            .rows()
            .take(SHEET_PREAMBLE + ROWS + 1)
            .map(|r| r.iter().map(|c| cell_text(c).trim().to_string()).collect())
            .collect();
        let Some(skip) = sheet_header(&rows) else {
            continue;
        };
        let header = rows[skip].clone();
        let mut columns = vec![Vec::new(); header.len()];
        let data = &rows[skip + 1..];
        let mut taken = 0;
        let mut complete = read_whole && range.height() <= rows.len();
        for row in data {
            // Formatted but empty rows are not data (as the ingest reads).
            if row.iter().all(String::is_empty) {
                continue;
            }
            if taken == ROWS {
                complete = false;
                break;
            }
            taken += 1;
            for (c, col) in columns.iter_mut().enumerate() {
                col.push(row.get(c).cloned().unwrap_or_default());
            }
        }
        parts.push(Part {
            path: path.to_path_buf(),
            layout: Layout::Sheet {
                name: name.clone(),
                skip_rows: skip,
            },
            header,
            columns,
            unreadable: 0,
            complete,
            preamble: rows[..skip].iter().map(|r| r.join(" ")).collect(),
        });
    }
    if parts.is_empty() {
        bail!(
            "{}: no sheet has a header row (two or more text cells in one of its first {} rows)",
            path.display(),
            SHEET_PREAMBLE
        );
    }
    Ok(parts)
}

/// The filled cells of an `.xlsx` sheet's first `rows` rows (counted from
/// its first filled row, as calamine's range starts), and whether that was
/// the whole sheet. Cells come row by row, so reading stops there.
fn first_rows<R: std::io::Read + std::io::Seek>(
    book: &mut calamine::Xlsx<R>,
    name: &str,
    rows: usize,
) -> Result<(calamine::Range<calamine::Data>, bool), calamine::XlsxError> {
    use calamine::{Cell, Data, DataRef};
    let mut reader = book.worksheet_cells_reader(name)?;
    let mut cells = Vec::new();
    let mut first: Option<u32> = None;
    while let Some(cell) = reader.next_cell()? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let top = *first.get_or_insert(r);
        if r.saturating_sub(top) as usize >= rows {
            return Ok((calamine::Range::from_sparse(cells), false));
        }
        cells.push(Cell::new((r, c), Data::from(cell.get_value().clone())));
    }
    Ok((calamine::Range::from_sparse(cells), true))
}

/// The row of a sheet's first rows that is its header: the first row of
/// two or more filled cells that is as wide as the widest row below it.
/// Titles above it fill one cell or a few.
pub fn sheet_header(rows: &[Vec<String>]) -> Option<usize> {
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.is_empty()).count();
    let widest = rows.iter().take(SHEET_PREAMBLE + 50).map(filled).max()?;
    (0..rows.len().min(SHEET_PREAMBLE + 1))
        .find(|&i| filled(&rows[i]) >= 2 && filled(&rows[i]) * 10 >= widest * 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_sheets_header_is_the_first_full_row_below_its_titles() {
        let sheet = rows(&[
            &["COUNTY JAIL - BOOKINGS", "", ""],
            &["", "", ""],
            &["Booking Number", "Booked", "Released"],
            &["B1", "2019-03-15 10:00:00", ""],
        ]);
        assert_eq!(sheet_header(&sheet), Some(2));
        assert_eq!(sheet_header(&rows(&[&["A", "B"], &["1", "2"]])), Some(0));
        assert_eq!(sheet_header(&rows(&[&["only a title"]])), None);
        assert_eq!(sheet_header(&[]), None);
    }
}
