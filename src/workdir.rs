//! The private work folder of a `run` (beside `--out`) or a `check` (in the
//! temporary folder): made fresh, for the owner only, marked as this tool's
//! and locked for as long as its process lives; removed when dropped, when
//! a signal stops the process (`interrupt`), and, after a process was
//! killed outright, by the next run that makes one in the same place.
//!
//! The marker is a file that the owning process holds an advisory lock on
//! (`File::try_lock`): the system releases the lock when the process dies,
//! however it dies, so a marker that can be locked is one whose run is over.
//! That, not a process id (which the system reuses), is what makes a folder
//! safe to remove; and a folder without the marker is not this tool's and
//! is never touched.
//!
//! What waits in the folder until a county's outputs are written (its hold
//! rows, what its outputs gather per person) is written as records
//! (`write_record`) to files each already in order, and read back through
//! one merge of those files (`MergedRecords`).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The work folders' names start with this; the process id follows.
pub const PREFIX: &str = ".detainer-audit-work-";
/// The marker inside a work folder.
pub const MARKER: &str = ".detainer-audit-work";

#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error("{}: cannot create a work folder: {source}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: exists and is not this run's work folder (a symbolic link, or a folder \
         another program made); it is not used: remove it, or write --out elsewhere",
        path.display()
    )]
    Exists { path: PathBuf },
}

/// A private folder removed when dropped. The file is its locked marker.
pub struct WorkDir(pub PathBuf, File);

impl WorkDir {
    /// Removes the abandoned work folders in `near`, then makes this
    /// process's own there.
    pub fn new(near: &Path) -> Result<WorkDir, WorkError> {
        remove_abandoned(near);
        let path = near.join(format!("{PREFIX}{}", std::process::id()));
        let create = |source| WorkError::Create {
            path: path.clone(),
            source,
        };
        // Made here, never reused: `create` fails on anything already at
        // this name, a symbolic link planted to send our files elsewhere
        // included. Staged rows and outputs being written hold names, so
        // only the owner may enter (mode 0700 from the start, not narrowed
        // after).
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(WorkError::Exists { path });
            }
            Err(e) => return Err(create(e)),
        }
        // Removed after a signal from now on, marker or not.
        crate::interrupt::register(&path);
        // The marker is locked before it gets its name, so that another run
        // never finds it named but unlocked while this one lives.
        let marker = (|| {
            let new = path.join(".marker-new");
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&new)?;
            file.try_lock().map_err(std::io::Error::from)?;
            writeln!(
                file,
                "detainer-audit work folder of process {}; removed when its run ends",
                std::process::id()
            )?;
            std::fs::rename(&new, path.join(MARKER))?;
            Ok(file)
        })();
        let marker = match marker {
            Ok(file) => file,
            Err(e) => {
                crate::interrupt::unregister(&path);
                let _ = std::fs::remove_dir_all(&path);
                return Err(create(e));
            }
        };
        Ok(WorkDir(path, marker))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        crate::interrupt::unregister(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
        // Only once the folder is gone (closing the file would do it too).
        let _ = self.1.unlock();
    }
}

/// Removes the work folders in `near` left by processes that are gone.
/// Anything else is left alone: a folder without the marker, one whose
/// marker is locked (its run is alive), a symbolic link.
pub fn remove_abandoned(near: &Path) {
    let Ok(entries) = std::fs::read_dir(near) else {
        return;
    };
    for entry in entries.flatten() {
        let ours = entry.file_name().to_string_lossy().starts_with(PREFIX);
        // `file_type` does not follow a symbolic link.
        let folder = entry.file_type().is_ok_and(|t| t.is_dir());
        if ours && folder && abandoned(&entry.path()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether `dir` holds the marker of a process that is gone.
fn abandoned(dir: &Path) -> bool {
    let marker = dir.join(MARKER);
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NOFOLLOW);
    let Ok(file) = open.open(&marker) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) || file.try_lock().is_err() {
        return false;
    }
    // Locked: its process is gone, unless the folder was removed and made
    // anew since it was opened (by a new process with the same id); then
    // the marker there now is another file.
    same_file(&file, &marker)
}

fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// An I/O error on a file in the work folder, naming it.
pub fn at(path: &Path) -> impl Fn(std::io::Error) -> std::io::Error + '_ {
    move |e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Writes `value` to the work file `path` through `w`, as bincode through
/// its serde derive: the records that wait in the work folder until a
/// county's outputs are written (`audit::kept`, `outputs::runs`).
pub fn write_record<T: serde::Serialize>(
    w: &mut impl Write,
    value: &T,
    path: &Path,
) -> std::io::Result<()> {
    bincode::serde::encode_into_std_write(value, w, bincode::config::standard())
        .map(|_| ())
        .map_err(|e| match e {
            bincode::error::EncodeError::Io { inner, .. } => inner,
            e => std::io::Error::other(e.to_string()),
        })
        .map_err(at(path))
}

/// Reads the next record [`write_record`] wrote to the work file `path`;
/// one that cannot be read is an error naming the file as damaged.
pub fn read_record<T: serde::de::DeserializeOwned>(
    r: &mut impl std::io::Read,
    path: &Path,
) -> std::io::Result<T> {
    bincode::serde::decode_from_std_read(r, bincode::config::standard()).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: work file damaged: {e}", path.display()),
        )
    })
}

/// Record files written by [`write_record`], each already in `order`,
/// read back as one sequence in that order (a k-way merge): what is in
/// memory at once is one record per file. Of equal records, the one of the
/// file listed first comes first, so the files' order breaks ties
/// (`audit::kept` lists its parts, `outputs::runs` its runs, in the order
/// they were written).
pub struct MergedRecords<T> {
    /// Each file's reader, the records left in it and its path.
    readers: Vec<(std::io::BufReader<File>, usize, PathBuf)>,
    heap: std::collections::BinaryHeap<Head<T>>,
    order: fn(&T, &T) -> std::cmp::Ordering,
}

/// The next record of file `file`, ordered for the max-heap of
/// [`MergedRecords`] so that it pops the least.
struct Head<T> {
    record: T,
    file: usize,
    order: fn(&T, &T) -> std::cmp::Ordering,
}

impl<T> PartialEq for Head<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl<T> Eq for Head<T> {}
impl<T> PartialOrd for Head<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Head<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed: `BinaryHeap` pops its greatest.
        (self.order)(&other.record, &self.record).then(other.file.cmp(&self.file))
    }
}

impl<T: serde::de::DeserializeOwned> MergedRecords<T> {
    /// Opens `files`, each (path, how many records it holds).
    pub fn open(
        files: &[(PathBuf, usize)],
        order: fn(&T, &T) -> std::cmp::Ordering,
    ) -> std::io::Result<MergedRecords<T>> {
        let mut m = MergedRecords {
            readers: Vec::with_capacity(files.len()),
            heap: std::collections::BinaryHeap::with_capacity(files.len()),
            order,
        };
        for (path, count) in files {
            let file = File::open(path).map_err(at(path))?;
            m.readers.push((
                std::io::BufReader::with_capacity(1 << 16, file),
                *count,
                path.clone(),
            ));
        }
        for file in 0..m.readers.len() {
            m.advance(file)?;
        }
        Ok(m)
    }

    /// Reads file `file`'s next record onto the heap, if it has one.
    fn advance(&mut self, file: usize) -> std::io::Result<()> {
        let (reader, left, path) = &mut self.readers[file];
        if *left == 0 {
            return Ok(());
        }
        *left -= 1;
        let record = read_record(reader, path)?;
        self.heap.push(Head {
            record,
            file,
            order: self.order,
        });
        Ok(())
    }

    /// The least record left, which is then read past; none at the end.
    pub fn pop(&mut self) -> std::io::Result<Option<T>> {
        let Some(Head { record, file, .. }) = self.heap.pop() else {
            return Ok(None);
        };
        self.advance(file)?;
        Ok(Some(record))
    }

    /// The record [`MergedRecords::pop`] would give next.
    pub fn peek(&self) -> Option<&T> {
        self.heap.peek().map(|h| &h.record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine(near: &Path) -> PathBuf {
        near.join(format!("{PREFIX}{}", std::process::id()))
    }

    #[test]
    fn a_work_folder_is_private_marked_and_removed_when_dropped() {
        let near = tempfile::tempdir().unwrap();
        let work = WorkDir::new(near.path()).unwrap();
        assert_eq!(work.0, mine(near.path()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&work.0).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert!(work.0.join(MARKER).is_file());
        // Alive: another run in the same place leaves it alone.
        remove_abandoned(near.path());
        assert!(work.0.is_dir());
        let path = work.0.clone();
        drop(work);
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symbolic_link_is_never_followed() {
        let near = tempfile::tempdir().unwrap();
        let victim = near.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("keep.txt"), "mine").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink(&victim, mine(near.path())).unwrap();

        let err = WorkDir::new(near.path()).err().expect("refused");
        assert!(matches!(err, WorkError::Exists { .. }), "{err}");
        assert!(err.to_string().contains("is not this run's work folder"));
        // The link is still a link, and nothing behind it changed.
        let link = std::fs::symlink_metadata(mine(near.path())).unwrap();
        assert!(link.file_type().is_symlink());
        let names: Vec<_> = std::fs::read_dir(&victim)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["keep.txt"]);
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    #[test]
    fn only_abandoned_folders_of_this_tool_are_removed() {
        let near = tempfile::tempdir().unwrap();
        let folder = |name: &str, marker: bool| {
            let dir = near.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("staged.arrow"), "rows").unwrap();
            if marker {
                std::fs::write(dir.join(MARKER), "detainer-audit").unwrap();
            }
            dir
        };
        // A killed run's: marked, and no one holds the marker's lock.
        let dead = folder(".detainer-audit-work-4000001", true);
        // A live run's: its marker is locked (here by this test).
        let live = folder(".detainer-audit-work-4000002", true);
        let held = File::open(live.join(MARKER)).unwrap();
        held.try_lock().unwrap();
        // Not this tool's: no marker, or another name.
        let unmarked = folder(".detainer-audit-work-4000003", false);
        let other = folder("results", true);
        // A link to a marked folder is not followed.
        #[cfg(unix)]
        std::os::unix::fs::symlink(&other, near.path().join(".detainer-audit-work-4000004"))
            .unwrap();

        remove_abandoned(near.path());
        assert!(!dead.exists());
        for kept in [&live, &unmarked, &other] {
            assert!(kept.join("staged.arrow").is_file(), "{}", kept.display());
        }
        drop(held);
        remove_abandoned(near.path());
        assert!(!live.exists());
    }

    /// Files of (key, tag) records, each in key order, merged by key alone:
    /// every record once, keys ascending, equal keys in the files' order
    /// (the tags say which file and place each came from).
    #[test]
    fn merged_records_come_in_order_ties_in_the_files_order() {
        let dir = tempfile::tempdir().unwrap();
        let data: [&[(u32, &str)]; 3] = [
            &[(1, "a1"), (4, "a4"), (4, "a4b"), (9, "a9")],
            &[],
            &[(0, "c0"), (4, "c4"), (10, "c10")],
        ];
        let mut files = Vec::new();
        for (i, recs) in data.iter().enumerate() {
            let path = dir.path().join(format!("f{i}.bin"));
            let mut w = std::fs::File::create(&path).unwrap();
            for (k, t) in recs.iter() {
                write_record(&mut w, &(*k, t.to_string()), &path).unwrap();
            }
            files.push((path, recs.len()));
        }
        let by_key = |a: &(u32, String), b: &(u32, String)| a.0.cmp(&b.0);
        let mut merged = MergedRecords::open(&files, by_key).unwrap();
        assert_eq!(merged.peek().map(|r| r.1.as_str()), Some("c0"));
        let mut got = Vec::new();
        while let Some((_, tag)) = merged.pop().unwrap() {
            got.push(tag);
        }
        assert_eq!(got, ["c0", "a1", "a4", "a4b", "c4", "a9", "c10"]);
        assert!(merged.peek().is_none());
    }
}
