//! Ingest: each input file of a pipeline read once, row by row, into a staged
//! table of its canonical table (docs/PIPELINE_FILES.md), typed and time-zoned, plus a staged
//! table of the rows that could not be used, each with its source file, row,
//! line, raw values and a reason code. Staged tables are kept in memory
//! within a budget shared by the run, else in Arrow IPC files (see `store`).
//!
//! This is the only module that stages export files (`init` reads only a
//! bounded sample of them, through `source`). Staging keeps memory
//! bounded (rows are staged in batches, and the budget caps what stays in
//! memory) and lets every later stage scan typed, columnar data lazily
//! instead of parsing text twice.
//!
//! # How a file is staged
//!
//! [`stage_file`] reads one input file once for every input that reads it:
//!
//! 1. `source` opens the file in its format and reads its header; a CSV
//!    file is read through `hash`'s hashing reader, so it is hashed in the
//!    same pass.
//! 2. `stager` sets up each input's share of the file: its mapped columns
//!    found in the header (a column not there is a [`MissingColumn`]; the
//!    errors of every input are returned together), its field parsers
//!    (`parse`) and its two staged tables (`store`): rows of
//!    [`staged_schema`] and rejects of [`reject_schema`] (`schema`).
//! 3. Each record is offered to every input: its fields are parsed into
//!    values gathered in a batch of rows (`value`), or the row becomes a
//!    [`Reject`] with a reason and detail (`failure`) and its raw values as
//!    JSON ([`raw_json`]). A full batch is written to its staged table.
//! 4. The file's SHA-256 is taken (from the hashing reader for CSV, else by
//!    [`sha256_file`]) and each input's share finishes as a [`Staged`]
//!    (`staged`): its rows and rejects, its [`FileStats`], the byte offsets
//!    of the rows of a CSV file, and, for releases and charges, the booking
//!    ids of its rejected rows.
//!
//! Later stages scan the staged tables lazily ([`StagedData::scan`],
//! [`scan_staged`]), and [`raw_values`] (`reread`) reads the raw values of
//! rows the rules reject from the source file again (at their offsets in a
//! CSV file).

mod error;
mod failure;
mod hash;
pub mod parse;
mod reread;
mod schema;
pub mod source;
mod staged;
mod stager;
mod store;
mod value;

pub use error::{IngestError, MissingColumn};
pub use hash::{hex, sha256_file};
pub use reread::raw_values;
pub use schema::{
    raw_json, reject_schema, rejects_frame, staged_schema, Reject, SOURCE_FILE, SOURCE_LINE,
    SOURCE_ROW,
};
pub use staged::{FileStats, Staged};
pub use store::{scan_staged, MemoryBudget, Reservation, StagedData};

use crate::config::{Input, Pipeline};
use crate::progress::Task;
use hash::HashingReader;
use sha2::{Digest, Sha256};
use stager::stager;
use std::path::Path;
use std::sync::Arc;

/// Who hears how far staging has got: rows read (per county) and bytes read
/// (overall).
#[derive(Clone)]
pub struct Observer {
    pub rows: Arc<Task>,
    pub bytes: Arc<dyn Fn(u64) + Send + Sync>,
}

impl Observer {
    /// An observer that shows nothing.
    pub fn silent() -> Observer {
        let p = crate::progress::Progress::with_visibility(false, 0, crate::progress::Unit::Bytes);
        Observer {
            rows: Arc::new(p.task("")),
            bytes: Arc::new(|_| {}),
        }
    }
}

/// The path of a data file as shown in outputs: relative to the folder of
/// the pipeline file, as the pipeline file wrote it, so outputs do not depend
/// on where the project is checked out.
pub fn display_path(pipeline: &Pipeline, file: &Path) -> String {
    let base = pipeline.file.parent().unwrap_or(Path::new(""));
    file.strip_prefix(base)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Stages one input file for every input in `inputs` that reads it (they
/// share its format, delimiter, encoding, sheet and preamble). `work` is a
/// private folder for staged files, used for the tables `budget` has no
/// room for. Errors of every input are returned together.
pub fn stage_file(
    pipeline: &Pipeline,
    inputs: &[&Input],
    path: &Path,
    work: &Path,
    tag: &str,
    observer: &Observer,
    budget: &MemoryBudget,
) -> Result<Vec<Staged>, Vec<IngestError>> {
    let Some(first) = inputs.first() else {
        return Ok(Vec::new());
    };
    let display = display_path(pipeline, path);
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let file = std::fs::File::open(path).map_err(|source| {
        vec![IngestError::Io {
            path: path.to_path_buf(),
            source,
        }]
    })?;
    let mut source = source::Source::open(
        path,
        first,
        Box::new(HashingReader {
            inner: file,
            hasher: hasher.clone(),
            bytes: match first.format {
                crate::config::Format::Csv => observer.bytes.clone(),
                _ => Arc::new(|_| {}),
            },
        }),
    )
    .map_err(|e| vec![e])?;

    let as_of = pipeline.as_of.and_then(|t| pipeline.as_of_utc(t));

    // Resolve every mapped header before reading data: a missing column is a
    // configuration error, reported with the columns that do exist.
    let header = source.header().to_vec();
    let mut errors = Vec::new();
    let mut stagers = Vec::new();
    for (k, input) in inputs.iter().enumerate() {
        match stager(
            pipeline,
            input,
            path,
            &header,
            as_of,
            work,
            &format!("{tag}-{k}"),
            &display,
            budget,
        ) {
            Ok(s) => stagers.push(s),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut rows_in = 0u64;
    let mut raw = String::new();
    let mut offsets = Vec::new();
    let result: Result<(), IngestError> = (|| {
        while let Some(record) = source.next_record(path)? {
            rows_in += 1;
            observer.rows.row();
            if let Some(o) = record.offset {
                offsets.push(o);
            }
            raw.clear();
            for s in &mut stagers {
                s.offer(&record, &header, &display, &mut raw)?;
            }
        }
        Ok(())
    })();
    result.map_err(|e| vec![e])?;
    drop(source);

    // CSV is hashed as it is read; workbooks and Parquet files are opened
    // by their own readers, so they are hashed apart.
    let sha256 = match first.format {
        crate::config::Format::Csv => hex(&hasher
            .lock()
            .map(|h| h.clone().finalize())
            .unwrap_or_default()),
        _ => {
            (observer.bytes)(std::fs::metadata(path).map_or(0, |m| m.len()));
            sha256_file(path).map_err(|source| {
                vec![IngestError::Io {
                    path: path.to_path_buf(),
                    source,
                }]
            })?
        }
    };
    let offsets = (offsets.len() as u64 == rows_in).then(|| Arc::new(offsets));
    stagers
        .into_iter()
        .map(|s| s.finish(rows_in, &sha256, offsets.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| vec![e])
}

#[cfg(test)]
mod tests;
