//! Where a run may put its outputs. `--out` is replaced as a whole, so it
//! must never be a folder whose loss would hurt: the root, the home folder
//! or a folder holding it, a folder holding a pipeline file, an input file
//! or the pseudonym key, a symbolic link or a file. Those are refused even
//! with `--force`. A folder holding other files and no `manifest.json` (so
//! not written by this tool) is refused unless `--force`.

use super::OutputError;
use std::path::{Component, Path, PathBuf};

/// `out` as an absolute path whose folders are resolved (symbolic links,
/// `.` and `..`), but not its last name: that is the entry a run replaces,
/// and a link there is refused, never followed.
pub fn absolute(out: &Path) -> std::io::Result<PathBuf> {
    match out.components().next_back() {
        Some(Component::Normal(name)) => {
            let parent = out.parent().unwrap_or(Path::new(""));
            Ok(resolved(parent)?.join(name))
        }
        _ => resolved(out),
    }
}

/// `path` made absolute with every existing part resolved, and the part
/// that does not exist yet appended as written (`.` and `..` applied).
fn resolved(path: &Path) -> std::io::Result<PathBuf> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let mut base = PathBuf::new();
    // Names at the end of `base` that do not exist (so are not links).
    let mut missing = 0;
    for part in std::path::absolute(path)?.components() {
        match part {
            Component::Prefix(_) | Component::RootDir => base.push(part.as_os_str()),
            Component::CurDir => {}
            // `base` holds no link (resolved, or names that do not exist),
            // so its parent is the folder `..` names.
            Component::ParentDir => {
                base.pop();
                missing = usize::saturating_sub(missing, 1);
            }
            Component::Normal(name) => {
                base.push(name);
                if missing > 0 {
                    missing += 1;
                    continue;
                }
                match base.canonicalize() {
                    Ok(real) => base = real,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing = 1,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(base)
}

/// What replacing `out` would destroy, if anything: the reason to refuse
/// it. `keep` are the run's own files (pipelines, inputs, the key).
pub fn check_out(out: &Path, force: bool, keep: &[PathBuf]) -> Result<(), OutputError> {
    let refuse = |why: String| {
        Err(OutputError::Refused {
            path: out.to_path_buf(),
            why,
        })
    };
    let abs = absolute(out).map_err(super::io_err(out))?;
    if abs.parent().is_none() {
        return refuse("it is the root folder".into());
    }
    if let Some(home) = std::env::home_dir().filter(|h| !h.as_os_str().is_empty()) {
        let home = home.canonicalize().unwrap_or(home);
        if home == abs {
            return refuse("it is your home folder".into());
        }
        if home.starts_with(&abs) {
            return refuse(format!("it holds your home folder, {}", home.display()));
        }
    }
    for file in keep {
        let file = file.canonicalize().unwrap_or_else(|_| file.clone());
        if file.starts_with(&abs) {
            return refuse(format!(
                "it holds {}, a file this run reads (its pipeline or input folder, or \
                 one holding it)",
                file.display()
            ));
        }
    }
    let meta = match std::fs::symlink_metadata(&abs) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(super::io_err(out)(e)),
    };
    if meta.file_type().is_symlink() {
        return refuse(
            "it is a symbolic link (give the folder it points to as --out, or remove the link)"
                .into(),
        );
    }
    if !meta.is_dir() {
        return refuse("it is a file, not a folder".into());
    }
    let empty = std::fs::read_dir(&abs)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if force || empty || abs.join("manifest.json").is_file() {
        Ok(())
    } else {
        Err(OutputError::Foreign {
            path: out.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_name_is_kept_and_the_folders_before_it_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        std::fs::create_dir(real.join("a")).unwrap();
        assert_eq!(
            absolute(&real.join("a/../b/./c")).unwrap(),
            real.join("b/c")
        );
        assert_eq!(
            absolute(&real.join("a/new/../x")).unwrap(),
            real.join("a/x")
        );
        assert_eq!(absolute(&real.join("a/.")).unwrap(), real.join("a"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(real.join("a"), real.join("link")).unwrap();
            // A link before the last name is followed; the last name is not.
            assert_eq!(
                absolute(&real.join("link/out")).unwrap(),
                real.join("a/out")
            );
            assert_eq!(absolute(&real.join("link")).unwrap(), real.join("link"));
        }
        assert_eq!(absolute(Path::new("/")).unwrap(), PathBuf::from("/"));
    }
}
