//! The generator's file system work: directories made, files written, and
//! the path from the pipelines folder to the data folder, which each
//! pipeline file gives relative to itself.

use std::path::{Component, Path, PathBuf};

use super::GenerateError;

pub(super) fn create_dir(path: &Path) -> Result<(), GenerateError> {
    std::fs::create_dir_all(path).map_err(|source| GenerateError::CreateDir {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn write(path: PathBuf, bytes: &[u8]) -> Result<PathBuf, GenerateError> {
    match std::fs::write(&path, bytes) {
        Ok(()) => Ok(path),
        Err(source) => Err(GenerateError::Write { path, source }),
    }
}

/// `to` relative to the directory `from`, with `/` separators, as pipeline
/// files want it (paths in them are relative to the file).
pub(super) fn relative_path(from: &Path, to: &Path) -> Result<String, GenerateError> {
    let abs = |p: &Path| {
        std::path::absolute(p).map_err(|source| GenerateError::Resolve {
            path: p.to_path_buf(),
            source,
        })
    };
    // Lexically normalized parts; a root or prefix is kept as a part so two
    // paths on different roots share nothing.
    let normal = |p: PathBuf| -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c.as_os_str().to_os_string()),
            }
        }
        out
    };
    let from = normal(abs(from)?);
    let to = normal(abs(to)?);
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.to_string_lossy().into_owned()),
    );
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("pipelines"), Path::new("sample_data")).expect("resolves"),
            "../sample_data"
        );
        assert_eq!(
            relative_path(Path::new("/x/a/p"), Path::new("/x/b")).expect("resolves"),
            "../../b"
        );
    }
}
