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
    #[error(
        "{}: the file changed {when} (its size, modification time or identity is not what \
         it was when its reading began): is the county still exporting into it? Run again \
         once the export is complete",
        path.display()
    )]
    Changed { path: PathBuf, when: &'static str },
    #[error("{}: cannot copy it into the work folder to read it there: {source}", path.display())]
    Copy {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_what_is_wrong() {
        let path = PathBuf::from("data/b.csv");
        let csv = |line| IngestError::Csv {
            path: path.clone(),
            line,
            message: "unequal lengths".to_string(),
        };
        assert_eq!(
            csv(Some(12)).to_string(),
            "data/b.csv:12: CSV error: unequal lengths"
        );
        assert_eq!(
            csv(None).to_string(),
            "data/b.csv: CSV error: unequal lengths"
        );
        assert_eq!(
            IngestError::Empty {
                path: path.clone(),
                skip_rows: 2
            }
            .to_string(),
            "data/b.csv: the file is empty (no header line after skipping 2 preamble lines)"
        );
        let missing = IngestError::MissingColumn(Box::new(MissingColumn {
            path,
            pipeline: "pipelines/x.toml".to_string(),
            input: 1,
            field: "booking_id".to_string(),
            column: "BKG".to_string(),
            hint: " (did you mean `BKG_NO`?)".to_string(),
            available: "BKG_NO, NAME".to_string(),
        }));
        assert_eq!(
            missing.to_string(),
            "data/b.csv: column `BKG` (mapped to `booking_id` by pipelines/x.toml, inputs[1]) \
             is not in the header (did you mean `BKG_NO`?); the header has: BKG_NO, NAME"
        );
    }
}
