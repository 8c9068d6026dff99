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
//! 1. The file's size, modification time and identity are noted
//!    (`unchanged`). A CSV file is read through `hash`'s hashing reader, so
//!    it is hashed in the pass that parses it; a workbook or Parquet file is
//!    copied through it into the work folder and parsed from the copy.
//!    `source` opens the file in its format and reads its header.
//! 2. `stager` sets up each input's share of the file: its mapped columns
//!    found in the header (a column not there is a [`MissingColumn`]; the
//!    errors of every input are returned together), its field parsers
//!    (`parse`) and its two staged tables (`store`): rows of
//!    [`staged_schema`] and rejects of [`reject_schema`] (`schema`).
//! 3. Each record is offered to every input: its fields are parsed into
//!    values gathered in a batch of rows (`value`), or the row becomes a
//!    [`Reject`] with a reason and detail (`failure`) and its raw values as
//!    JSON ([`raw_json`]). A full batch is written to its staged table.
//! 4. A file that changed while it was read (or copied) is an error. Its
//!    SHA-256 is taken from the hashing reader, and each input's share
//!    finishes as a [`Staged`] (`staged`): its rows and rejects, its
//!    [`FileStats`], where one row in 32 of a CSV file starts, where to
//!    read rows back, and, for releases and charges, the booking ids of its
//!    rejected rows.
//!
//! Later stages scan the staged tables lazily ([`StagedData::scan`],
//! [`scan_staged`]), and [`raw_values`] (`reread`) reads the raw values of
//! rows the rules reject again: from the nearest offset in a CSV file, which must
//! not have changed since, or from a workbook's or Parquet file's copy.

mod error;
mod failure;
mod hash;
pub mod parse;
mod parts;
mod reread;
mod schema;
pub mod source;
mod staged;
mod stager;
mod store;
mod unchanged;
mod value;

pub use error::{IngestError, MissingColumn};
pub use hash::{hex, sha256_file};
pub use parts::{part_of, split_frame};
pub use reread::raw_values;
pub use schema::{
    raw_json, reject_schema, rejects_frame, staged_schema, Reject, SOURCE_FILE, SOURCE_LINE,
    SOURCE_ROW,
};
pub use staged::{FileStats, ReadBack, RowOffsets, Staged};
pub(crate) use store::{held_bytes, own_strings};
pub use store::{
    scan_staged, MemoryBudget, Reservation, StagedData, StagedSink, STAGE_MEMORY_DEFAULT,
    STAGE_MEMORY_ENV,
};

use crate::config::{Input, Pipeline};
use crate::progress::Task;
use hash::HashingReader;
use sha2::{Digest, Sha256};
use stager::stager;
use std::path::Path;
use std::sync::Arc;
use unchanged::{Fingerprint, While};

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

/// Where a file's staged tables go.
pub struct StageTo<'a> {
    /// A private folder for staged files, used for the tables `budget` has
    /// no room for.
    pub work: &'a Path,
    /// The start of the names of this file's staged files, unique in `work`.
    pub tag: &'a str,
    pub budget: &'a MemoryBudget,
    /// The parts a county's bookings, releases and charges are staged in,
    /// by booking id (see `parts`; 1: whole).
    pub parts: usize,
}

/// Stages one input file for every input in `inputs` that reads it (they
/// share its format, delimiter, encoding, sheet and preamble), into `to`.
/// Errors of every input are returned together.
pub fn stage_file(
    pipeline: &Pipeline,
    inputs: &[&Input],
    path: &Path,
    to: &StageTo,
    observer: &Observer,
) -> Result<Vec<Staged>, Vec<IngestError>> {
    let StageTo {
        work,
        tag,
        budget,
        parts,
    } = *to;
    let Some(first) = inputs.first() else {
        return Ok(Vec::new());
    };
    let display = display_path(pipeline, path);
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let io = |source| {
        vec![IngestError::Io {
            path: path.to_path_buf(),
            source,
        }]
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let before = Fingerprint::of_file(&file, path).map_err(|e| vec![e])?;
    let mut reader = HashingReader {
        inner: file,
        hasher: hasher.clone(),
        bytes: observer.bytes.clone(),
    };
    // A CSV file is hashed as it is parsed. Workbook and Parquet readers
    // open the file themselves, and a workbook is read out of order (a zip
    // archive): each is copied, hashed on the way, into the work folder and
    // read from there, so the hash describes the very bytes read, and rows
    // read back later come from the same bytes. Reading the copy costs disk
    // space, not memory: a Parquet export has no size limit.
    let copy = match first.format {
        crate::config::Format::Csv => None,
        _ => {
            let ext = path
                .extension()
                .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
            let copy = work.join(format!("{tag}-source{ext}"));
            copy_into(&mut reader, path, &copy).map_err(|e| vec![e])?;
            unchanged::check(path, &before, While::Reading).map_err(|e| vec![e])?;
            Some(copy)
        }
    };
    let stream: Box<dyn std::io::Read + Send> = match copy {
        None => Box::new(reader),
        Some(_) => Box::new(std::io::empty()),
    };
    let from = copy.as_deref().unwrap_or(path);
    let mut source = source::Source::open(path, from, first, stream).map_err(|e| vec![e])?;

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
            parts,
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
    let mut offsets = RowOffsets::new(RowOffsets::EVERY);
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
    if copy.is_none() {
        unchanged::check(path, &before, While::Reading).map_err(|e| vec![e])?;
    }

    let sha256 = hex(&hasher
        .lock()
        .map(|h| h.clone().finalize())
        .unwrap_or_default());
    // Kept until the county's rejects are read again: without the room
    // its doubling left (up to as much again).
    offsets.shrink_to_fit();
    let offsets = (offsets.rows() == rows_in).then(|| Arc::new(offsets));
    let read_back = ReadBack {
        fingerprint: before,
        copy,
    };
    stagers
        .into_iter()
        .map(|s| s.finish(rows_in, &sha256, offsets.clone(), read_back.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| vec![e])
}

/// Copies what `reader` reads of the input file `path` into a new file at
/// `to`.
fn copy_into(reader: &mut impl std::io::Read, path: &Path, to: &Path) -> Result<(), IngestError> {
    let copy_err = |source| IngestError::Copy {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(copy_err)?;
    // Not `io::copy`, which reports a read error and a write error alike: a
    // write error (a full disk) is the copy's, a read error the input's.
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(IngestError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        std::io::Write::write_all(&mut file, &buf[..n]).map_err(copy_err)?;
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_changes;
