//! A full disk or a reached quota while a run stages its inputs or writes
//! its outputs: recognized in any error of the run, whichever layer it came
//! through (ours, polars', the workbook writer's), and reported as one
//! message that names the folder, an estimate of the room the run needs
//! there and the room that was free when it started.
//!
//! The estimate is an upper bound from the inputs' size. The outputs and
//! spill files take up to about half of it, and a MiB for the files every
//! run writes (the report, the workbook's frame); staged tables take up to
//! about four times the size of the text they come from, and those that the
//! staging memory budget cannot hold are written to the work folder
//! (`ingest::store`).

use std::path::{Path, PathBuf};

/// What a run needs beside `--out`, and what was free when it started.
#[derive(Debug, Clone)]
pub struct Room {
    pub dir: PathBuf,
    pub inputs: u64,
    pub need: u64,
    pub free: Option<u64>,
}

impl Room {
    /// The room a run with inputs of `inputs` bytes and a staging memory
    /// budget of `budget` bytes needs in `dir`, and what is free there now.
    pub fn measure(dir: &Path, inputs: u64, budget: u64) -> Room {
        let staged = inputs.saturating_mul(4).saturating_sub(budget);
        Room {
            dir: dir.to_path_buf(),
            inputs,
            need: inputs / 2 + (1 << 20) + staged,
            free: free_bytes(dir),
        }
    }

    /// The message for a run stopped by a full disk or quota.
    pub fn message(&self) -> String {
        let free = match self.free {
            Some(f) => format!("{} MiB were free when it started", mib(f)),
            None => "the free space could not be read".to_string(),
        };
        format!(
            "{}: the disk is full or the quota reached: this run's work files and \
             outputs need up to about {} MiB here (its inputs are {} MiB; staged tables \
             the memory budget cannot hold take up to four times that), {free}; free \
             some space there or choose an --out on another disk. The previous outputs \
             are as they were and the work folder was removed",
            self.dir.display(),
            mib(self.need),
            mib(self.inputs),
        )
    }
}

/// Bytes in MiB as a person reads them: one decimal under 10 MiB, so that a
/// few hundred KiB do not read as none.
fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1u64 << 20) as f64;
    if m < 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.0}")
    }
}

/// Bytes free for this user on the file system of `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `path` is a NUL-terminated string and `stat` a writable
        // statvfs, as statvfs(3) requires.
        if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
            return None;
        }
        Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// Whether an error comes from a full disk or a reached quota. The I/O
/// error is looked for in the chain of causes; errors that keep only its
/// text (several files' problems reported together, the workbook writer's
/// own error) are recognized by the system's wording of it.
pub fn is_full(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind);
        matches!(
            kind,
            Some(std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
        ) || {
            let text = cause.to_string();
            ["No space left on device", "Disk quota exceeded"]
                .iter()
                .any(|w| text.contains(w))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_recognized_through_any_layer() {
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(is_full(&anyhow::Error::new(full).context("writing")));
        let quota = std::io::Error::from_raw_os_error(libc::EDQUOT);
        assert!(is_full(&anyhow::Error::new(quota)));
        let text = anyhow::anyhow!("2 problems:\n  a.csv: No space left on device (os error 28)");
        assert!(is_full(&text));
        let other = std::io::Error::from_raw_os_error(libc::EACCES);
        assert!(!is_full(&anyhow::Error::new(other)));
    }

    #[test]
    fn the_estimate_counts_what_the_memory_budget_cannot_hold() {
        let dir = tempfile::tempdir().unwrap();
        let mib = 1 << 20;
        let room = Room::measure(dir.path(), 100 * mib, 0);
        assert_eq!(room.need, 451 * mib);
        assert!(room.free.is_some());
        let room = Room::measure(dir.path(), 100 * mib, 256 * mib);
        assert_eq!(room.need, 195 * mib);
        let msg = room.message();
        assert!(msg.contains("need up to about 195 MiB here"), "{msg}");
        assert!(msg.contains("its inputs are 100 MiB"), "{msg}");
        assert_eq!(super::mib(300 << 10), "0.3");
        assert!(msg.contains("MiB were free"), "{msg}");
    }
}
