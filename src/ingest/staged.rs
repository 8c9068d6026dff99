//! What staging one input file gives the rest of the run: its rows and
//! rejects (see `store`), what happened to the file, the byte offsets to
//! read a row again and where to read it, and the booking ids of the rows
//! rejected.

use super::store::StagedData;
use super::unchanged::Fingerprint;
use crate::model::Table;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What happened to one input file.
#[derive(Debug, Clone)]
pub struct FileStats {
    pub path: PathBuf,
    /// The path as shown in outputs: relative to the pipeline file's folder.
    pub display: String,
    pub sha256: String,
    pub rows_in: u64,
    /// Rows rejected while reading, by reason code.
    pub rejected: BTreeMap<String, u64>,
    /// Coded field → source code that no `[codes.*]` entry maps → count.
    pub unmapped: BTreeMap<String, BTreeMap<String, u64>>,
    /// Coded field → empty (or null-valued) fields mapped by its `""` code.
    pub empty_codes: BTreeMap<String, u64>,
}

/// One input file staged: its table's rows and its rejects, in memory or as
/// Arrow IPC files (see `store`).
#[derive(Debug, Clone)]
pub struct Staged {
    pub table: Table,
    pub input: usize,
    pub rows: StagedData,
    pub rejects: StagedData,
    pub stats: FileStats,
    /// Where the data rows start (CSV only), to read a row's raw text again
    /// when the rules reject it.
    pub offsets: Option<Arc<RowOffsets>>,
    /// The booking ids that can still be read from the rows rejected here
    /// (releases and charges only): a rejected release or charge row leaves
    /// its booking's hold unmeasured (method rules 1, 2).
    pub rejected_ids: Vec<String>,
    /// Where its rejected rows are read back from.
    pub read_back: ReadBack,
}

/// Where the rows of a CSV file start: the byte offset of every
/// [`RowOffsets::EVERY`]th data row (rows 1, 1 + `EVERY`, ...). A row is
/// read again from the nearest row before it with an offset, reading on to
/// it. An offset for every row would be 8 bytes a row, kept until the
/// county's rejects are read again: for a county of tens of millions of
/// rows, hundreds of megabytes held for the few rows the rules reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOffsets {
    every: u64,
    starts: Vec<u64>,
    rows: u64,
}

impl RowOffsets {
    /// Rows from one offset to the next: a row read again costs reading at
    /// most this many rows.
    pub const EVERY: u64 = 32;

    pub fn new(every: u64) -> RowOffsets {
        RowOffsets {
            every: every.max(1),
            starts: Vec::new(),
            rows: 0,
        }
    }

    /// The next row (from the first) starts at byte `offset`.
    pub fn push(&mut self, offset: u64) {
        if self.rows.is_multiple_of(self.every) {
            self.starts.push(offset);
        }
        self.rows += 1;
    }

    /// The rows offered.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The nearest row at or before `row` with an offset, and its offset;
    /// `None` for a row the file does not have.
    pub fn before(&self, row: i64) -> Option<(i64, u64)> {
        let r = u64::try_from(row)
            .ok()
            .filter(|r| (1..=self.rows).contains(r))?;
        let i = (r - 1) / self.every;
        let offset = *self.starts.get(usize::try_from(i).ok()?)?;
        Some(((i * self.every + 1) as i64, offset))
    }

    pub fn shrink_to_fit(&mut self) {
        self.starts.shrink_to_fit();
    }
}

/// Where the rows of a staged file are read again (`reread`), and what the
/// file was when staged.
#[derive(Debug, Clone)]
pub struct ReadBack {
    /// The input file as it was read; it must still be so when a row is read
    /// back from it.
    pub fingerprint: Fingerprint,
    /// The private copy a workbook or Parquet file was read from (their
    /// readers open the file themselves, so the copy is what was hashed and
    /// read); `None` for CSV, read in place.
    pub copy: Option<PathBuf>,
}
