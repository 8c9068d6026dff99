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
    /// Byte offset of each data row (CSV only; row `n` at index `n - 1`), to
    /// read a row's raw text again when the rules reject it.
    pub offsets: Option<Arc<Vec<u64>>>,
    /// The booking ids that can still be read from the rows rejected here
    /// (releases and charges only): a rejected release or charge row leaves
    /// its booking's hold unmeasured (method rules 1, 2).
    pub rejected_ids: Vec<String>,
    /// Where its rejected rows are read back from.
    pub read_back: ReadBack,
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
