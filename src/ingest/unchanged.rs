//! Whether an input file stayed the same while the run read it: a county
//! may still be exporting into the folder. The manifest's SHA-256 must
//! describe the very bytes that were audited, and a rejected row read back
//! later must be the row that was rejected; so a file's size, modification
//! time and identity are taken when its reading starts, compared when it
//! ends, and compared again before and after its rejected rows are read
//! back. A difference stops the run, naming the file.

use super::IngestError;
use std::path::Path;
use std::time::SystemTime;

/// What a file was when its reading began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
    /// Device and inode: a file replaced by another of the same size.
    id: (u64, u64),
}

impl Fingerprint {
    pub fn of(meta: &std::fs::Metadata) -> Fingerprint {
        #[cfg(unix)]
        let id = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let id = (0, 0);
        Fingerprint {
            len: meta.len(),
            modified: meta.modified().ok(),
            id,
        }
    }

    /// Of the open file (so of the bytes about to be read, even if the
    /// path is replaced meanwhile).
    pub fn of_file(file: &std::fs::File, path: &Path) -> Result<Fingerprint, IngestError> {
        file.metadata()
            .map(|m| Fingerprint::of(&m))
            .map_err(|source| IngestError::Io {
                path: path.to_path_buf(),
                source,
            })
    }
}

/// When a change was found.
#[derive(Debug, Clone, Copy)]
pub enum While {
    /// Between the start and the end of the file's reading.
    Reading,
    /// Between its reading and the reading back of its rejected rows.
    ReadingBack,
}

/// Fails unless the file at `path` is still what `before` describes.
pub fn check(path: &Path, before: &Fingerprint, when: While) -> Result<(), IngestError> {
    let now = std::fs::metadata(path).map(|m| Fingerprint::of(&m));
    if now.as_ref().ok() == Some(before) {
        return Ok(());
    }
    Err(IngestError::Changed {
        path: path.to_path_buf(),
        when: match when {
            While::Reading => "while it was read",
            While::ReadingBack => "after it was read, before its rejected rows were read back",
        },
    })
}
