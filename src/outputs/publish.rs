//! Putting a run's outputs in place: the work folder beside `--out`, owner-
//! only permissions on files that hold names, and the swap that moves the
//! finished outputs into place at once (which `--out` may be replaced is
//! `place`'s; one run at a time, `lock`'s).

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
    std::fs::create_dir(&partial).map_err(io_err(&partial))?;
    Ok(partial)
}

/// Creates the folders of `rel` under `root`, which must exist: a work
/// folder removed after a signal is not made again by a thread still
/// writing into it.
pub fn dirs_under(root: &Path, rel: &Path) -> Result<(), OutputError> {
    let mut dir = root.to_path_buf();
    for part in rel.components() {
        dir.push(part);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err(&dir)(e)),
        }
    }
    Ok(())
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

fn set_aside_prefix(out: &Path) -> String {
    format!(
        ".{}.old-",
        out.file_name()
            .map_or("out".into(), |n| n.to_string_lossy())
    )
}

/// Moves the finished outputs into place: the old `out` is set aside first
/// and removed only once the new one is there. A signal waits for the two
/// renames to be done (see `interrupt`).
pub fn swap_into_place(partial: &Path, out: &Path) -> Result<(), OutputError> {
    let old = out.with_file_name(format!("{}{}", set_aside_prefix(out), std::process::id()));
    {
        let _publishing = crate::interrupt::publishing();
        if std::fs::symlink_metadata(out).is_ok() {
            std::fs::rename(out, &old).map_err(io_err(out))?;
        }
        if let Err(e) = std::fs::rename(partial, out) {
            // Put the old outputs back rather than leave no `out`.
            let _ = std::fs::rename(&old, out);
            return Err(io_err(out)(e));
        }
        crate::interrupt::published();
    }
    if std::fs::symlink_metadata(&old).is_ok() {
        std::fs::remove_dir_all(&old).map_err(io_err(&old))?;
    }
    Ok(())
}

/// Finishes the swap of a run killed in the middle of it (called with the
/// lock of `out` held, so no other run is swapping): outputs set aside and
/// not removed are put back if `out` is missing, else removed. Only folders
/// with a manifest, as set aside by a swap, are touched.
pub fn recover_set_aside(out: &Path) {
    let (Some(parent), prefix) = (out.parent(), set_aside_prefix(out)) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let ours = name.to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_dir())
            && entry.path().join("manifest.json").is_file();
        if !ours {
            continue;
        }
        if std::fs::symlink_metadata(out).is_err() {
            let _ = std::fs::rename(entry.path(), out);
        } else {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(dir: &Path, text: &str) {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("manifest.json"), text).unwrap();
    }

    #[test]
    fn a_swap_cut_between_its_renames_is_finished_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // Killed after setting the old outputs aside: they are put back.
        outputs(&dir.path().join(".out.old-4000001"), "old");
        recover_set_aside(&out);
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
            "old"
        );
        // Killed after the new outputs were in place: the old are removed;
        // a folder of that name without a manifest is not ours.
        outputs(&dir.path().join(".out.old-4000002"), "older");
        std::fs::create_dir(dir.path().join(".out.old-4000003")).unwrap();
        recover_set_aside(&out);
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
            "old"
        );
        assert!(!dir.path().join(".out.old-4000002").exists());
        assert!(dir.path().join(".out.old-4000003").is_dir());
    }

    #[test]
    fn a_swap_replaces_the_outputs_and_removes_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        outputs(&out, "old");
        outputs(&dir.path().join("partial"), "new");
        swap_into_place(&dir.path().join("partial"), &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
            "new"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out"]);
    }
}
