//! One run at a time on one `--out`: a lock file beside it
//! (`.<name>.detainer-audit-lock`) that a run holds an advisory lock on from
//! before it checks `--out` until it ends. A second run refuses at once,
//! naming the first's process. The system releases the lock when its holder
//! dies, however it dies, so a killed run never blocks the next.
//!
//! The file is left in place when the run ends: removing it would let a run
//! that opened it just before lock a file no longer there while a third
//! makes and locks a new one. It is opened without following a symbolic
//! link, so a link planted at its name cannot make a run create or write a
//! file elsewhere.

use super::OutputError;
use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// The held lock; released when dropped or when the process ends.
#[derive(Debug)]
pub struct OutLock {
    _file: File,
}

/// The lock file of `out` (absolute, see `place::absolute`).
pub fn lock_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy());
    out.with_file_name(format!(".{name}.detainer-audit-lock"))
}

/// Takes the lock of `out`, or says which run holds it (naming `out` as
/// `named`, the user's spelling of it).
pub fn lock_out(out: &Path, named: &Path) -> Result<OutLock, OutputError> {
    let path = lock_path(out);
    let mut open = std::fs::OpenOptions::new();
    open.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = match open.open(&path) {
        Ok(f) => f,
        Err(e) if is_link(&path) => {
            let _ = e;
            return Err(OutputError::LockLink { path });
        }
        Err(source) => return Err(OutputError::Io { path, source }),
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(OutputError::LockLink { path });
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(OutputError::Busy {
                out: named.to_path_buf(),
                lock: path,
                holder: holder.trim().to_string(),
            });
        }
        Err(std::fs::TryLockError::Error(source)) => return Err(OutputError::Io { path, source }),
    }
    // Who holds it, for the message of a run that finds it locked.
    let io = |source| OutputError::Io {
        path: path.clone(),
        source,
    };
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "process {}", std::process::id()).map_err(io)?;
    Ok(OutLock { _file: file })
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_out_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = lock_out(&out, &out).unwrap();
        let err = lock_out(&out, &out).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("process {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        lock_out(&out, &out).unwrap();
        assert!(lock_path(&out).is_file());
    }
}
