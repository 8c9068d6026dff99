//! A Parquet output written a row group at a time from frames of any size,
//! for outputs whose rows are read back in batches (a county's hold rows,
//! `audit::kept`; the class members, `spill`) rather than held whole.
//!
//! The row groups are those [`super::write_parquet`] makes of the whole
//! frame: polars' writer cuts a frame into row groups by its height alone
//! ([`row_group_plan`] repeats that arithmetic), and each row group is
//! encoded on its own. Each group is written as a frame of its own rows, so
//! the file depends on its rows alone, not on the frames they came in. It is
//! the same, byte for byte, as `write_parquet` makes of the whole frame,
//! except in a file of two row groups or more with a list column (the
//! holds' evidence rows): there polars cuts the whole frame's later groups
//! from it as slices, and cuts the pages of a sliced list column by the
//! whole column's values. The values are the same; tests check both.

use super::{io_err, publish, OutputError, Written, PARQUET_ROW_GROUP};
use polars::prelude::*;
use std::collections::VecDeque;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The heights of the row groups polars' `ParquetWriter::finish` writes a
/// one-chunk frame of `rows` rows in, at `size` rows a group
/// (`chunk_df_for_writing` in polars-core 0.55): one group below `size`
/// rows (or none for no rows), else `rows / size` groups of equal height,
/// the last taking the remainder.
pub fn row_group_plan(rows: usize, size: usize) -> Vec<usize> {
    if rows == 0 {
        return Vec::new();
    }
    let groups = rows / size;
    if groups <= 1 {
        return vec![rows];
    }
    let each = rows / groups;
    let mut plan = vec![each; groups - 1];
    plan.push(rows - each * (groups - 1));
    plan
}

/// A file handle the batched writer owns and this module flushes after it.
#[derive(Clone)]
struct Shared(Arc<Mutex<BufWriter<std::fs::File>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().expect("not poisoned").flush()
    }
}

/// A Parquet output of a known number of rows, given in frames of any size.
pub struct ParquetRows {
    root: PathBuf,
    rel: String,
    path: PathBuf,
    file: Shared,
    writer: Option<polars::io::parquet::write::BatchedWriter<Shared>>,
    plan: VecDeque<usize>,
    planned: usize,
    /// Rows given and not yet written, in order.
    pending: Option<DataFrame>,
    rows: u64,
}

impl ParquetRows {
    /// Creates `rel` under `root` for `rows` rows in all, in the row groups
    /// `write_parquet` would cut them in.
    pub fn create(root: &Path, rel: &str, rows: usize) -> Result<ParquetRows, OutputError> {
        ParquetRows::with_plan(root, rel, row_group_plan(rows, PARQUET_ROW_GROUP))
    }

    /// Creates `rel` under `root` for row groups of these heights, in order.
    pub fn with_plan(root: &Path, rel: &str, plan: Vec<usize>) -> Result<ParquetRows, OutputError> {
        let rows = plan.iter().sum();
        let path = root.join(rel);
        if let Some(dir) = Path::new(rel).parent() {
            publish::dirs_under(root, dir)?;
        }
        let file = std::fs::File::create(&path).map_err(io_err(&path))?;
        Ok(ParquetRows {
            root: root.to_path_buf(),
            rel: rel.to_string(),
            file: Shared(Arc::new(Mutex::new(BufWriter::with_capacity(
                1 << 16,
                file,
            )))),
            path,
            writer: None,
            plan: plan.into(),
            planned: rows,
            pending: None,
            rows: 0,
        })
    }

    fn polars_err(&self) -> impl Fn(PolarsError) -> OutputError + '_ {
        |source| OutputError::Polars {
            path: self.path.clone(),
            source,
        }
    }

    /// The next rows, in order; every frame has the same columns.
    pub fn push(&mut self, df: DataFrame) -> Result<(), OutputError> {
        if self.writer.is_none() {
            let w = super::parquet_writer(self.file.clone())
                .batched(df.schema())
                .map_err(self.polars_err())?;
            self.writer = Some(w);
        }
        self.rows += df.height() as u64;
        let mut pending = match self.pending.take() {
            Some(mut p) => {
                p.vstack_mut_owned(df).map_err(self.polars_err())?;
                p
            }
            None => df,
        };
        while let Some(&n) = self.plan.front() {
            if pending.height() < n {
                break;
            }
            self.plan.pop_front();
            let (mut group, rest) = pending.split_at(n as i64);
            group.rechunk_mut();
            // A list column cut from a longer one keeps the whole one's
            // values, and polars' writer cuts its pages by them: trimmed to
            // its own, a row group is written the same however its rows
            // were given.
            let group = DataFrame::new(
                group.height(),
                group
                    .columns()
                    .iter()
                    .map(|c| {
                        c.trim_lists_to_normalized_offsets()
                            .unwrap_or_else(|| c.clone())
                    })
                    .collect(),
            )
            .map_err(self.polars_err())?;
            self.writer
                .as_mut()
                .expect("made above")
                .write_batch(&group)
                .map_err(self.polars_err())?;
            pending = rest;
        }
        self.pending = Some(pending);
        Ok(())
    }

    /// Writes the footer; every planned row must have been given.
    pub fn finish(mut self) -> Result<Written, OutputError> {
        if self.rows != self.planned as u64 || !self.plan.is_empty() {
            return Err(OutputError::Io {
                path: self.path.clone(),
                source: std::io::Error::other(format!(
                    "{} rows given where {} were planned",
                    self.rows, self.planned
                )),
            });
        }
        let writer = self.writer.take().ok_or_else(|| OutputError::Io {
            path: self.path.clone(),
            source: std::io::Error::other("no frame given, so no schema"),
        })?;
        writer.finish().map_err(self.polars_err())?;
        drop(writer);
        self.file.flush().map_err(io_err(&self.path))?;
        super::finish(&self.root, &self.rel, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_polars_arithmetic() {
        let g = PARQUET_ROW_GROUP;
        assert_eq!(row_group_plan(0, g), Vec::<usize>::new());
        assert_eq!(row_group_plan(5, g), [5]);
        assert_eq!(row_group_plan(2 * g - 1, g), [2 * g - 1]);
        // 2g + 7 rows: two groups of g + 3, the last with the one left.
        assert_eq!(row_group_plan(2 * g + 7, g), [g + 3, g + 4]);
        assert_eq!(row_group_plan(10, 3), [3, 3, 4]);
    }

    /// A frame of `rows` rows with the kinds of columns the hold outputs
    /// have: text with gaps, numbers, flags, timestamps, lists of text.
    fn frame(rows: usize) -> DataFrame {
        let text: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 7 != 0).then(|| format!("B{}", i * 2_654_435_761 % 1_000_003)))
            .collect();
        let n: Vec<Option<i64>> = (0..rows)
            .map(|i| (i % 5 != 0).then_some(i as i64))
            .collect();
        let flag: Vec<Option<bool>> = (0..rows)
            .map(|i| (i % 3 != 0).then_some(i % 2 == 0))
            .collect();
        let t = super::super::datetime_column(
            "t",
            (0..rows)
                .map(|i| Some(1_400_000_000_000_000 + i as i64 * 61_000_000))
                .collect(),
            "America/Los_Angeles",
        )
        .unwrap();
        let mut lists = ListStringChunkedBuilder::new("l".into(), rows, rows);
        for i in 0..rows {
            lists.append_values_iter((0..i % 3).map(|k| if k == 0 { "a.csv row 1" } else { "b" }));
        }
        DataFrame::new(
            rows,
            vec![
                Column::new("text".into(), text),
                Column::new("n".into(), n),
                Column::new("flag".into(), flag),
                t,
                lists.finish().into_column(),
            ],
        )
        .unwrap()
    }

    /// Writes `whole` with [`ParquetRows`], given in frames of `sizes`
    /// (repeated), after an empty one; returns the file's bytes.
    fn in_frames(dir: &Path, whole: &DataFrame, sizes: &[usize]) -> Vec<u8> {
        let rows = whole.height();
        let mut w = ParquetRows::create(dir, "b.parquet", rows).unwrap();
        w.push(whole.slice(0, 0)).unwrap();
        let mut at = 0;
        for &size in sizes.iter().cycle() {
            if at >= rows {
                break;
            }
            let take = size.min(rows - at);
            w.push(whole.slice(at as i64, take)).unwrap();
            at += take;
        }
        assert_eq!(w.finish().unwrap().rows, rows as u64);
        std::fs::read(dir.join("b.parquet")).unwrap()
    }

    fn whole_file(dir: &Path, whole: &DataFrame) -> Vec<u8> {
        let a = super::super::write_parquet(dir, "a.parquet", &mut whole.clone()).unwrap();
        assert_eq!(a.rows, whole.height() as u64);
        std::fs::read(dir.join("a.parquet")).unwrap()
    }

    #[test]
    fn frames_of_any_size_give_the_bytes_of_the_whole_frame() {
        let dir = tempfile::tempdir().unwrap();
        let g = PARQUET_ROW_GROUP;
        for rows in [0, 5, g + 77, 2 * g + 221] {
            let mut whole = frame(rows);
            if rows > 2 * g {
                // polars' writer cuts the pages of a list column that is a
                // slice of a longer one (the whole frame's later row groups)
                // otherwise than those of the same rows on their own; the
                // rest of the file is the same.
                whole = whole.drop("l").unwrap();
            }
            let a = whole_file(dir.path(), &whole);
            let b = in_frames(dir.path(), &whole, &[1, 16_384, 40_000, 3]);
            assert!(a == b, "{rows} rows");
        }
    }

    #[test]
    fn a_file_of_many_row_groups_is_the_same_however_its_rows_are_given() {
        let dir = tempfile::tempdir().unwrap();
        let whole = frame(2 * PARQUET_ROW_GROUP + 221);
        let a = in_frames(dir.path(), &whole, &[16_384]);
        let b = in_frames(dir.path(), &whole, &[1, 40_000, 3, 99_999]);
        let c = in_frames(dir.path(), &whole, &[whole.height()]);
        assert!(a == b && b == c);
        // And it holds the rows of the whole frame's file, read back.
        whole_file(dir.path(), &whole);
        let read = |name: &str| {
            let f = std::fs::File::open(dir.path().join(name)).unwrap();
            ParquetReader::new(f).finish().unwrap()
        };
        let (a, b) = (read("a.parquet"), read("b.parquet"));
        assert!(a.equals_missing(&whole) && b.equals_missing(&whole));
    }

    /// The class members' file: one batch written per county, as it was
    /// written from each county's members held whole, is the same file as
    /// the counties' plans given in frames of any size, while no county
    /// reaches two row groups; a county that does is cut as `write_parquet`
    /// would cut it alone.
    #[test]
    fn a_plan_per_county_gives_the_file_of_one_batch_per_county() {
        let dir = tempfile::tempdir().unwrap();
        let g = PARQUET_ROW_GROUP;
        let all = frame(3 * g + 500).drop("l").unwrap();
        let counties = |sizes: &[usize]| {
            let mut at = 0;
            sizes
                .iter()
                .map(|&n| {
                    at += n;
                    all.slice((at - n) as i64, n)
                })
                .collect::<Vec<_>>()
        };
        let streamed = |counties: &[DataFrame], frames: usize| {
            let plan = counties
                .iter()
                .flat_map(|c| row_group_plan(c.height(), g))
                .collect();
            let mut w = ParquetRows::with_plan(dir.path(), "s.parquet", plan).unwrap();
            w.push(all.slice(0, 0)).unwrap();
            for c in counties {
                let mut at = 0;
                while at < c.height() {
                    let take = frames.min(c.height() - at);
                    w.push(c.slice(at as i64, take)).unwrap();
                    at += take;
                }
            }
            w.finish().unwrap();
            std::fs::read(dir.path().join("s.parquet")).unwrap()
        };

        let small = counties(&[7, g + 3, 0, 2 * g - 1]);
        let file = std::fs::File::create(dir.path().join("o.parquet")).unwrap();
        let mut old = super::super::parquet_writer(file)
            .batched(all.schema())
            .unwrap();
        for c in small.iter().filter(|c| c.height() > 0) {
            old.write_batch(c).unwrap();
        }
        old.finish().unwrap();
        let old = std::fs::read(dir.path().join("o.parquet")).unwrap();
        assert!(old == streamed(&small, 16_384));
        assert!(old == streamed(&small, 1_000));

        // A county of 2g + 200 members: two groups of g + 100.
        let big = counties(&[300, 2 * g + 200]);
        let bytes = streamed(&big, 16_384);
        let read = ParquetReader::new(std::io::Cursor::new(bytes.clone()))
            .finish()
            .unwrap();
        assert!(read.equals_missing(&all.slice(0, 2 * g + 500)));
        let meta = ParquetReader::new(std::io::Cursor::new(bytes))
            .get_metadata()
            .unwrap()
            .clone();
        let heights: Vec<usize> = meta.row_groups.iter().map(|r| r.num_rows()).collect();
        assert_eq!(heights, [300, g + 100, g + 100]);
    }

    #[test]
    fn fewer_rows_than_planned_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ParquetRows::create(dir.path(), "c.parquet", 10).unwrap();
        w.push(frame(4)).unwrap();
        let err = w.finish().expect_err("4 of 10 rows");
        assert!(
            err.to_string()
                .contains("4 rows given where 10 were planned"),
            "{err}"
        );
    }
}
