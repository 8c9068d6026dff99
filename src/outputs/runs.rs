//! Entries gathered by key in bounded memory, for what a county's outputs
//! gather per person as its holds go by (the class members, the persons
//! compared for possible duplicates).
//!
//! What it does: entries are kept in a sorted map until there are `limit`
//! of them; then the map is written, in key order, to a run file in the
//! work folder and emptied. At the end the runs are merged by key, and the
//! entries of one key in several runs are combined in the order the runs
//! were written, which is the order the holds came in.
//!
//! Why: a county's holds come in row order, not by person, so what is
//! gathered per person grows with the county (hundreds of thousands of
//! persons in the largest). Sorted runs bound it, and a county of fewer
//! persons than `limit` writes no file and is merged from memory.

use crate::workdir::{at, write_record, MergedRecords};
use serde::{de::DeserializeOwned, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Entries by key, at most `limit` of them in memory.
pub struct Runs<K, V> {
    map: BTreeMap<K, V>,
    files: Files,
    dir: PathBuf,
    name: String,
    limit: usize,
}

/// The entries of [`Runs::finish`], in key order.
pub type Entries<K, V> = Box<dyn Iterator<Item = std::io::Result<(K, V)>>>;

/// Run files, removed when dropped.
struct Files(Vec<(PathBuf, usize)>);

impl Drop for Files {
    fn drop(&mut self) {
        for (path, _) in &self.0 {
            // The work folder is removed at the end of the run anyway; this
            // frees the disk as soon as the county is written.
            let _ = std::fs::remove_file(path);
        }
    }
}

impl<K, V> Runs<K, V>
where
    K: Ord + Serialize + DeserializeOwned,
    V: Serialize + DeserializeOwned,
{
    /// Run files are named `{name}NNN.bin` in `dir`.
    pub fn new(dir: &Path, name: &str, limit: usize) -> Runs<K, V> {
        Runs {
            map: BTreeMap::new(),
            files: Files(Vec::new()),
            dir: dir.to_path_buf(),
            name: name.to_string(),
            limit: limit.max(1),
        }
    }

    /// The entry of `key`; a new one is `make()`, after the entries in
    /// memory are written to a run if there are `limit` of them.
    pub fn entry<Q>(
        &mut self,
        key: &Q,
        to_key: impl FnOnce() -> K,
        make: impl FnOnce() -> V,
    ) -> std::io::Result<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        // Looked up twice: the borrow checker does not let a `get_mut`
        // that found nothing be followed by an insert.
        if !self.map.contains_key(key) {
            if self.map.len() >= self.limit {
                self.write_run()?;
            }
            return Ok(self.map.entry(to_key()).or_insert_with(make));
        }
        Ok(self.map.get_mut(key).expect("just found"))
    }

    /// Writes the entries in memory, in key order, to a run file.
    fn write_run(&mut self) -> std::io::Result<()> {
        let path = self
            .dir
            .join(format!("{}{:03}.bin", self.name, self.files.0.len()));
        let entries = std::mem::take(&mut self.map);
        // Listed before it is written, so that it is removed whatever
        // happens next.
        self.files.0.push((path.clone(), entries.len()));
        let file = std::fs::File::create(&path).map_err(at(&path))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        for entry in &entries {
            write_record(&mut w, &entry, &path)?;
        }
        w.flush().map_err(at(&path))
    }

    /// Every entry, in key order, one at a time; `combine(earlier, later)`
    /// folds the entries of one key from several runs, in the order they
    /// were gathered.
    pub fn finish(mut self, combine: fn(&mut V, V)) -> std::io::Result<Entries<K, V>>
    where
        K: 'static,
        V: 'static,
    {
        if self.files.0.is_empty() {
            return Ok(Box::new(std::mem::take(&mut self.map).into_iter().map(Ok)));
        }
        if !self.map.is_empty() {
            self.write_run()?;
        }
        let files = Files(std::mem::take(&mut self.files.0));
        Ok(Box::new(Merge::open(files, combine)?))
    }
}

/// The runs merged by key.
struct Merge<K, V> {
    records: MergedRecords<(K, V)>,
    combine: fn(&mut V, V),
    /// Kept until the merge is dropped, which removes the run files.
    _files: Files,
}

/// Entries by key alone: the runs' order, which [`MergedRecords`] keeps
/// for equal keys, is the order they were gathered in.
fn by_key<K: Ord, V>(a: &(K, V), b: &(K, V)) -> std::cmp::Ordering {
    a.0.cmp(&b.0)
}

impl<K: Ord + DeserializeOwned, V: DeserializeOwned> Merge<K, V> {
    fn open(files: Files, combine: fn(&mut V, V)) -> std::io::Result<Merge<K, V>> {
        Ok(Merge {
            records: MergedRecords::open(&files.0, by_key::<K, V>)?,
            combine,
            _files: files,
        })
    }

    fn next_entry(&mut self) -> std::io::Result<Option<(K, V)>> {
        let Some((key, mut value)) = self.records.pop()? else {
            return Ok(None);
        };
        while self.records.peek().is_some_and(|(next, _)| *next == key) {
            let Some((_, later)) = self.records.pop()? else {
                break;
            };
            (self.combine)(&mut value, later);
        }
        Ok(Some((key, value)))
    }
}

impl<K: Ord + DeserializeOwned, V: DeserializeOwned> Iterator for Merge<K, V> {
    type Item = std::io::Result<(K, V)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries gathered through runs of any size are those gathered in
    /// memory: each key once, in order, its values combined in the order
    /// they came.
    #[test]
    fn runs_of_any_size_give_the_entries_gathered_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let keys: Vec<u32> = (0..2_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 300) as u32
            })
            .collect();
        // Each key's values in the order they came: what `combine` must
        // keep when it appends a later run's to an earlier one's.
        let gather = |limit: usize| {
            let mut runs: Runs<u32, Vec<usize>> = Runs::new(dir.path(), "t", limit);
            for (i, k) in keys.iter().enumerate() {
                runs.entry(k, || *k, Vec::new).unwrap().push(i);
            }
            runs.finish(|a, b| a.extend(b))
                .unwrap()
                .collect::<std::io::Result<Vec<_>>>()
                .unwrap()
        };
        let want: Vec<(u32, Vec<usize>)> = {
            let mut m: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
            for (i, k) in keys.iter().enumerate() {
                m.entry(*k).or_default().push(i);
            }
            m.into_iter().collect()
        };
        for limit in [usize::MAX, 1, 7, 64, 299] {
            assert_eq!(gather(limit), want, "{limit} entries a run");
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "files removed"
        );
    }

    #[test]
    fn a_damaged_run_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut runs: Runs<String, u64> = Runs::new(dir.path(), "d", 2);
        for k in ["a", "b", "c", "d"] {
            *runs.entry(k, || k.to_string(), || 0).unwrap() += 1;
        }
        let first = dir.path().join("d000.bin");
        std::fs::write(&first, [0xFF]).unwrap();
        let err = match runs.finish(|a, b| *a += b) {
            Err(e) => e,
            Ok(mut it) => it.find_map(Result::err).expect("an error"),
        };
        assert!(err.to_string().contains("d000.bin"), "{err}");
    }
}
