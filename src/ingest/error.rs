//! What can go wrong while staging a file: the errors of `ingest`, each
//! naming the file (and, for a missing column, the pipeline and the columns
//! the header does have).

use polars::prelude::PolarsError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}: CSV error: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    #[error("{}: cannot read the workbook or Parquet file: {message}", path.display())]
    Workbook { path: PathBuf, message: String },
    #[error("{}: the file is empty (no header line after skipping {skip_rows} preamble lines)", path.display())]
    Empty { path: PathBuf, skip_rows: usize },
    #[error("{0}")]
    MissingColumn(Box<MissingColumn>),
    #[error("{}: cannot write staged data: {source}", path.display())]
    Stage {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
}

/// A mapped source column that is not in a file's header.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}: column `{column}` (mapped to `{field}` by {pipeline}, inputs[{input}]) is not in the header{hint}; \
     the header has: {available}",
    path.display()
)]
pub struct MissingColumn {
    pub path: PathBuf,
    pub pipeline: String,
    pub input: usize,
    pub field: String,
    pub column: String,
    pub hint: String,
    pub available: String,
}
