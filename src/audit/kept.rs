//! A county's hold rows, kept from the rules until its outputs are written.
//!
//! A county audited whole keeps them in memory: it is no larger than one
//! part (`partition`). A county audited in parts writes each part's hold
//! rows, in row order, to a work file of their own as soon as the part is
//! done, and the outputs read them back through a merge of those files in
//! the same order, a batch at a time: what is in memory at once is a batch
//! and one row per part, however large the county. (Kept in memory, the
//! hold rows were what grew most with the largest county: bench/README.md.)
//!
//! Every output reads the hold rows in one order, that of `row_order`, so
//! that they are the same byte for byte however many parts the county was
//! audited in.

use super::holds::{row_order, Hold};
use crate::workdir::{at, write_record, MergedRecords};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Holds read back a batch at a time: large enough that a batch's frames
/// are worth building, small next to a county.
pub const BATCH: usize = 16 * 1024;

/// A county's hold rows, in row order.
#[derive(Debug)]
pub struct Holds {
    kept: Kept,
    len: usize,
    detainer_rows: usize,
}

#[derive(Debug)]
enum Kept {
    Memory(Vec<Hold>),
    /// Each part's file and how many rows it holds.
    Files(Vec<(PathBuf, usize)>),
}

fn detainer_rows(holds: &[Hold]) -> usize {
    holds.iter().map(|h| h.detainer_details.len()).sum()
}

impl Holds {
    /// Hold rows kept in memory, put in row order.
    pub fn in_memory(mut holds: Vec<Hold>) -> Holds {
        holds.sort_by(row_order);
        Holds {
            len: holds.len(),
            detainer_rows: detainer_rows(&holds),
            kept: Kept::Memory(holds),
        }
    }

    /// How many hold rows.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many rows their detainers make (the `hold_detainers` output).
    pub fn detainer_rows(&self) -> usize {
        self.detainer_rows
    }

    /// Hands the hold rows to `f` in row order, in batches of at most
    /// `batch` rows (the rows of a county kept in memory in one).
    pub fn for_each_batch<E: From<std::io::Error>>(
        &self,
        batch: usize,
        mut f: impl FnMut(&[Hold]) -> Result<(), E>,
    ) -> Result<(), E> {
        match &self.kept {
            Kept::Memory(holds) => f(holds),
            Kept::Files(files) => {
                let mut merge = MergedRecords::open(files, row_order)?;
                let mut buf = Vec::with_capacity(batch.min(self.len));
                while let Some(h) = merge.pop()? {
                    buf.push(h);
                    if buf.len() == batch {
                        f(&buf)?;
                        buf.clear();
                    }
                }
                if !buf.is_empty() {
                    f(&buf)?;
                }
                Ok(())
            }
        }
    }

    /// Hands each hold row to `f`, in row order.
    pub fn for_each<E: From<std::io::Error>>(
        &self,
        mut f: impl FnMut(&Hold) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each_batch(BATCH, |batch| batch.iter().try_for_each(&mut f))
    }

    /// Every hold row, in memory (tests compare them whole).
    #[cfg(test)]
    pub fn to_vec(&self) -> std::io::Result<Vec<Hold>> {
        let mut out = Vec::with_capacity(self.len);
        self.for_each_batch(BATCH, |b| {
            out.extend_from_slice(b);
            std::io::Result::Ok(())
        })?;
        Ok(out)
    }
}

impl Drop for Holds {
    fn drop(&mut self) {
        if let Kept::Files(files) = &self.kept {
            for (path, _) in files {
                // The work folder is removed at the end of the run anyway;
                // this frees the disk as soon as the county is written.
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// The hold rows of a county audited in parts, written part by part.
pub struct Spill {
    dir: PathBuf,
    tag: String,
    files: Vec<(PathBuf, usize)>,
    len: usize,
    detainer_rows: usize,
}

impl Spill {
    /// Files named `{tag}.holdsNNN.bin` under `dir`.
    pub fn new(dir: &Path, tag: &str) -> Spill {
        Spill {
            dir: dir.to_path_buf(),
            tag: tag.to_string(),
            files: Vec::new(),
            len: 0,
            detainer_rows: 0,
        }
    }

    /// Writes one part's hold rows to a file of their own, in row order.
    pub fn part(&mut self, mut holds: Vec<Hold>) -> std::io::Result<()> {
        holds.sort_by(row_order);
        let path = self
            .dir
            .join(format!("{}.holds{:03}.bin", self.tag, self.files.len()));
        let mut w =
            BufWriter::with_capacity(1 << 16, std::fs::File::create(&path).map_err(at(&path))?);
        for h in &holds {
            write_record(&mut w, h, &path)?;
        }
        w.flush().map_err(at(&path))?;
        self.len += holds.len();
        self.detainer_rows += detainer_rows(&holds);
        self.files.push((path, holds.len()));
        Ok(())
    }

    pub fn finish(self) -> Holds {
        Holds {
            kept: Kept::Files(self.files),
            len: self.len,
            detainer_rows: self.detainer_rows,
        }
    }
}

/// Made-up hold rows for tests: every field set from a seed, some left
/// empty, so that a round trip that lost or mixed up a field would show.
#[cfg(test)]
pub(crate) mod sample {
    use super::super::holds::{Hold, HoldDetainer};
    use crate::model::{
        BailStatus, EligibilitySource, Form, MatchBasis, Regime, ReleaseReason, ReleaseSource,
        Status, Warrant,
    };

    /// A small deterministic generator (xorshift); its state in a `Cell`,
    /// so that one draw can be the argument of another.
    pub struct Rng(std::cell::Cell<u64>);
    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(std::cell::Cell::new(seed | 1))
        }
        pub fn next(&self) -> u64 {
            let mut x = self.0.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0.set(x);
            x
        }
        pub fn below(&self, n: u64) -> u64 {
            self.next() % n
        }
        fn maybe<T>(&self, v: T) -> Option<T> {
            (self.below(4) != 0).then_some(v)
        }
        fn pick<T: Copy>(&self, all: &[T]) -> T {
            all[self.below(all.len() as u64) as usize]
        }
    }

    /// A hold row of booking `i`, its person one of `persons`.
    pub fn hold(r: &Rng, i: u64, persons: u64) -> Hold {
        let t = 1_300_000_000_000_000 + r.below(1 << 40) as i64;
        let person = r.below(persons);
        let detainers = r.below(4) as usize;
        Hold {
            booking_id: format!("B{i}"),
            person_key: format!("id:P{person}"),
            match_basis: r.pick(MatchBasis::ALL),
            person_id: r.maybe(format!("P{person}")),
            last_name: r.maybe(format!("Last{}", r.below(5))),
            first_name: r.maybe(format!("First{}", r.below(3))),
            dob: r.maybe(r.below(20_000) as i32),
            booked_at: t,
            eligible_at: r.maybe(t + 60_000_000),
            eligibility_source: r.pick(EligibilitySource::ALL),
            first_lodged_at: t + 1,
            // Few distinct starts, so that persons have holds that tie.
            hold_start: r.maybe(t - t % 1_000_000_000_000),
            hold_end: r.maybe(t + 7_200_000_000),
            hold_minutes: r.maybe(r.below(10_000) as i64),
            unwarranted_minutes: r.maybe(r.below(10_000) as i64),
            status: r.pick(Status::ALL),
            past_release: r.maybe(r.below(2) == 0),
            form: r.maybe(r.pick(Form::ALL)),
            warrant_status: r.pick(Warrant::ALL),
            flagged: r.below(3) != 0,
            over_limit: r.maybe(r.below(2) == 0),
            limit_hours_counted: r.maybe(r.below(100) as f64 / 7.0),
            regime: r.pick(Regime::ALL),
            released_at: r.maybe(t + 3_600_000_000),
            release_source: r.pick(ReleaseSource::ALL),
            release_reason: r.maybe(r.pick(ReleaseReason::ALL)),
            bail_status: r.maybe(r.pick(BailStatus::ALL)),
            final_order: r.maybe(r.below(2) == 0),
            transferred_to_ice: r.below(2) == 0,
            detainers: detainers as u32,
            detainer_ids: (0..detainers)
                .map(|d| format!("D{i}.{d}"))
                .collect::<Vec<_>>()
                .join(";"),
            eligibility_from: (0..r.below(3)).map(|k| format!("c.csv row {k}")).collect(),
            release_from: r.maybe(format!("r.csv row {i}")),
            detainer_rows: (0..detainers).map(|d| format!("d.csv row {d}")).collect(),
            detainer_details: (0..detainers)
                .map(|d| HoldDetainer {
                    detainer_id: r.maybe(format!("D{i}.{d}")),
                    source_file: "d.csv".into(),
                    source_row: d as i64,
                    lodged_at: t + d as i64,
                    lifted_at: r.maybe(t + 99),
                    ice_custody_at: r.maybe(t + 999),
                    form: r.maybe(r.pick(Form::ALL)),
                    warrant: r.pick(Warrant::ALL),
                    in_force: r.below(2) == 0,
                    in_force_during: r.maybe((t, t + 5)),
                })
                .collect(),
            year: 2011 + r.below(15) as i32,
            month: 1 + r.below(12) as u32,
            source_file: format!("bookings_{}.csv", r.below(2)),
            source_row: r.below(1 << 20) as i64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sample::{hold, Rng};
    use super::*;

    #[test]
    fn parts_written_to_files_come_back_merged_in_row_order_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let r = Rng::new(0x9e37_79b9_7f4a_7c15);
        let all: Vec<Hold> = (0..2_000).map(|i| hold(&r, i, 300)).collect();
        // Five parts, one of them empty, as a hash of the booking id would
        // spread them: in no order.
        let mut parts: Vec<Vec<Hold>> = vec![Vec::new(); 5];
        for h in &all {
            parts[r.below(4) as usize].push(h.clone());
        }
        let mut spill = Spill::new(dir.path(), "county0001");
        for part in parts {
            spill.part(part).unwrap();
        }
        let spilled = spill.finish();

        let mut expected = all.clone();
        expected.sort_by(row_order);
        assert_eq!(spilled.len(), 2_000);
        assert_eq!(
            spilled.detainer_rows(),
            all.iter().map(|h| h.detainer_details.len()).sum::<usize>()
        );
        let mut batches = Vec::new();
        let mut back = Vec::new();
        spilled
            .for_each_batch(300, |b| {
                batches.push(b.len());
                back.extend_from_slice(b);
                std::io::Result::Ok(())
            })
            .unwrap();
        assert_eq!(back, expected);
        assert_eq!(batches, [300, 300, 300, 300, 300, 300, 200]);
        // Kept in memory, the same rows in the same order, in one batch.
        let whole = Holds::in_memory(all);
        assert_eq!(whole.to_vec().unwrap(), expected);
        assert_eq!(whole.detainer_rows(), spilled.detainer_rows());

        // The files go with the county.
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 5);
        drop(spilled);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_damaged_work_file_is_an_error_naming_it_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let r = Rng::new(7);
        let mut spill = Spill::new(dir.path(), "county0002");
        spill
            .part((0..10).map(|i| hold(&r, i, 3)).collect())
            .unwrap();
        let spilled = spill.finish();
        let path = dir.path().join("county0002.holds000.bin");
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
        let err = spilled.to_vec().unwrap_err();
        assert!(err.to_string().contains("county0002.holds000.bin"), "{err}");
    }
}
