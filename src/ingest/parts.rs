//! A large county's tables staged straight into parts by a hash of the
//! booking id (a row without one, such as a detainer given by person, in
//! part 0), so that the audit takes a part at a
//! time (see `audit::partition`) without writing the county's tables a
//! second time to split them.
//!
//! The part of a row depends only on its booking id and the number of
//! parts, so every row of one booking, in every table and file of the
//! county, is in the same part; within a part, a file's rows keep their
//! order.

use super::store::{MemoryBudget, StagedData, StagedSink};
use super::IngestError;
use polars::prelude::*;
use std::path::Path;

/// Rows gathered over all parts before they are written: one batch of a
/// county's file spreads over all its parts, and a part written a few
/// thousand rows at a time would be kept, and read back, in as many small
/// chunks. A bound on all parts together, not on each, so that what is
/// held does not grow with the number of parts (with the county).
const PENDING_ROWS: usize = 256 * 1024;

/// The part of a booking id: FNV-1a, a hash that is the same on every
/// machine and in every version, modulo the number of parts.
pub fn part_of(id: &str, parts: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % parts as u64) as usize
}

/// The rows of `df` in each of `parts` parts by their `booking_id` (a row
/// without one goes to part 0), in their order.
pub fn split_frame(df: &DataFrame, parts: usize) -> PolarsResult<Vec<DataFrame>> {
    let ids = df.column("booking_id")?.str()?;
    let mut rows: Vec<Vec<IdxSize>> = vec![Vec::new(); parts];
    for (i, id) in ids.iter().enumerate() {
        rows[id.map_or(0, |id| part_of(id, parts))].push(i as IdxSize);
    }
    rows.into_iter()
        .map(|idx| df.take(&IdxCa::from_vec("".into(), idx)))
        .collect()
}

/// Writes one staged table into `parts` sinks of its own (each in memory
/// within the run's budget, else in its file), gathering the parts' rows
/// until there are [`PENDING_ROWS`] of them.
pub(super) struct PartSinks {
    sinks: Vec<StagedSink>,
    pending: Vec<Vec<DataFrame>>,
    pending_rows: usize,
}

impl PartSinks {
    /// Sinks for `parts` parts, at `path` with `.partNNN` before its
    /// extension.
    pub(super) fn new(path: &Path, schema: &Schema, budget: &MemoryBudget, parts: usize) -> Self {
        let stem = path.with_extension("");
        let ext = path
            .extension()
            .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
        PartSinks {
            sinks: (0..parts)
                .map(|p| {
                    let name = format!("{}.part{p:03}{ext}", stem.display());
                    StagedSink::new(name.into(), schema.clone(), budget)
                })
                .collect(),
            pending: vec![Vec::new(); parts],
            pending_rows: 0,
        }
    }

    pub(super) fn write_batch(&mut self, df: DataFrame, path: &Path) -> Result<(), IngestError> {
        let frames = split_frame(&df, self.sinks.len()).map_err(|source| IngestError::Stage {
            path: path.to_path_buf(),
            source,
        })?;
        for (p, frame) in frames.into_iter().enumerate() {
            if frame.height() > 0 {
                self.pending_rows += frame.height();
                self.pending[p].push(frame);
            }
        }
        if self.pending_rows >= PENDING_ROWS {
            for p in 0..self.sinks.len() {
                self.flush(p)?;
            }
            self.pending_rows = 0;
        }
        Ok(())
    }

    /// Writes part `p`'s gathered rows as one chunk.
    fn flush(&mut self, p: usize) -> Result<(), IngestError> {
        let mut frames = std::mem::take(&mut self.pending[p]).into_iter();
        let Some(mut df) = frames.next() else {
            return Ok(());
        };
        let sink = &mut self.sinks[p];
        for f in frames {
            df.vstack_mut_owned(f)
                .map_err(|source| IngestError::Stage {
                    path: sink.path().to_path_buf(),
                    source,
                })?;
        }
        df.rechunk_mut();
        sink.write_batch(df)
    }

    pub(super) fn finish(mut self) -> Result<StagedData, IngestError> {
        for p in 0..self.sinks.len() {
            self.flush(p)?;
        }
        let parts = self
            .sinks
            .into_iter()
            .map(StagedSink::finish)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StagedData::Parts(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(df: &DataFrame) -> Vec<Option<String>> {
        let c = df.column("booking_id").unwrap().str().unwrap();
        c.iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn parts_are_fixed_and_cover_every_row() {
        // FNV-1a of "B1" is 0x09130307b5aa505c (worked with the published
        // offset basis and prime); its part of 7 is that modulo 7.
        assert_eq!(part_of("B1", 1), 0);
        assert_eq!(part_of("B1", 7), (0x0913_0307_b5aa_505cu64 % 7) as usize);
        let df = DataFrame::new(
            4,
            vec![
                Column::new(
                    "booking_id".into(),
                    [Some("B1"), Some("B2"), None, Some("B1")],
                ),
                Column::new("n".into(), [1i64, 2, 3, 4]),
            ],
        )
        .unwrap();
        let frames = split_frame(&df, 3).unwrap();
        assert_eq!(frames.iter().map(DataFrame::height).sum::<usize>(), 4);
        // Rows of one booking id land in one part, in their order.
        let p = part_of("B1", 3);
        let ns: Vec<Option<i64>> = frames[p]
            .column("n")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        let b1: Vec<Option<i64>> = ns
            .iter()
            .zip(ids(&frames[p]))
            .filter(|(_, id)| id.as_deref() == Some("B1"))
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(b1, [Some(1), Some(4)]);
        // The row without an id is in part 0.
        assert!(ids(&frames[0]).contains(&None));
    }

    #[test]
    fn a_table_written_in_parts_is_read_back_part_by_part_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut schema = Schema::default();
        schema.insert("booking_id".into(), DataType::String);
        schema.insert("n".into(), DataType::Int64);
        let names: Vec<String> = (0..1000).map(|i| format!("B{}", i % 97)).collect();
        let batch = |from: usize, to: usize| {
            DataFrame::new(
                to - from,
                vec![
                    Column::new("booking_id".into(), names[from..to].to_vec()),
                    Column::new("n".into(), (from as i64..to as i64).collect::<Vec<_>>()),
                ],
            )
            .unwrap()
        };
        // No budget: every part in its file.
        let path = dir.path().join("t.rows.arrow");
        let mut sinks = PartSinks::new(&path, &schema, &MemoryBudget::new(0), 4);
        sinks.write_batch(batch(0, 600), &path).unwrap();
        sinks.write_batch(batch(600, 1000), &path).unwrap();
        let StagedData::Parts(parts) = sinks.finish().unwrap() else {
            panic!("not in parts")
        };
        assert_eq!(parts.len(), 4);
        assert!(dir.path().join("t.rows.part003.arrow").exists());
        let mut seen = 0;
        for (p, part) in parts.iter().enumerate() {
            let df = part.scan().unwrap().collect().unwrap();
            let n: Vec<i64> = df
                .column("n")
                .unwrap()
                .i64()
                .unwrap()
                .into_no_null_iter()
                .collect();
            // Each part's rows: exactly the rows whose id hashes to it, in order.
            let want: Vec<i64> = (0..1000)
                .filter(|&i| part_of(&names[i as usize], 4) == p)
                .collect();
            assert_eq!(n, want, "part {p}");
            seen += n.len();
        }
        assert_eq!(seen, 1000);
    }
}
