//! Putting a run's outputs in place: the work folder beside `--out`, owner-
//! only permissions on files that hold names, the refusal to replace a
//! folder this tool did not write, and the swap that moves the finished
//! outputs into place at once.

use super::{io_err, OutputError, Written};
use std::path::{Path, PathBuf};

/// The folder `out` goes in, created. The work folder is made there, on the
/// same file system as `out`, so that the finished outputs can be moved into
/// place by renaming a folder.
pub fn parent_of(out: &Path) -> Result<&Path, OutputError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    Ok(parent)
}

/// The fresh folder, inside the work folder, that the outputs are written
/// to before they are moved into place; created.
pub fn partial_in(work: &Path) -> Result<PathBuf, OutputError> {
    let partial = work.join("out");
    std::fs::create_dir_all(&partial).map_err(io_err(&partial))?;
    Ok(partial)
}

/// Files with names, birth dates or raw rows are readable by their owner
/// only.
pub fn private(w: Written, root: &Path) -> Result<Written, OutputError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = root.join(&w.rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(io_err(&path))?;
    }
    #[cfg(not(unix))]
    let _ = root;
    Ok(w)
}

/// Refuses an `--out` that holds something this tool did not write.
pub fn check_out(out: &Path, force: bool) -> Result<(), OutputError> {
    if force || !out.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if empty || out.join("manifest.json").is_file() {
        Ok(())
    } else {
        Err(OutputError::Foreign {
            path: out.to_path_buf(),
        })
    }
}

/// Moves the finished outputs into place: the old `out` is set aside first
/// and removed only once the new one is there.
pub fn swap_into_place(partial: &Path, out: &Path) -> Result<(), OutputError> {
    let old = out.with_file_name(format!(
        ".{}.old-{}",
        out.file_name()
            .map_or("out".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    if out.exists() {
        std::fs::rename(out, &old).map_err(io_err(out))?;
    }
    std::fs::rename(partial, out).map_err(io_err(out))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io_err(&old))?;
    }
    Ok(())
}

/// Test hook: `DETAINER_AUDIT_PAUSE_BEFORE_PUBLISH_MS` makes a run wait,
/// outputs complete but not yet in place, so a test can kill it there.
pub fn pause_for_tests() {
    if let Some(ms) = std::env::var("DETAINER_AUDIT_PAUSE_BEFORE_PUBLISH_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}
