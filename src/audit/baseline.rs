//! Method rule 11: the release-latency baseline.
//!
//! What it does: per local year of eligibility, the median minutes from
//! `eligible_at` to `released_at` for bookings *without* a detainer (an
//! interval that ends before it starts counts 0, as for holds).
//!
//! Why: a hold is only meaningful against how fast the jail normally
//! releases people; an hour's processing may be routine, a day is not.
//!
//! Example: bookings released 10, 20 and 90 minutes after eligibility in 2019:
//! baseline 20 minutes for 2019.

#[cfg(test)]
use super::frame::{f64s, i64s};
use crate::workdir::at;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// The minutes from eligibility to release of a part's bookings without a
/// detainer, with the local year of their eligibility (`year`, `minutes`).
pub fn latencies(
    joined: &LazyFrame,
    with_detainer: LazyFrame,
    tz: chrono_tz::Tz,
    engine: Engine,
) -> PolarsResult<DataFrame> {
    let year = super::local::local_year("eligible", tz, "year");
    Ok(joined
        .clone()
        .select([col("booking_id"), col("eligible"), col("released_at")])
        .anti_join(with_detainer, col("booking_id"), col("booking_id"))
        .filter(
            col("eligible")
                .is_not_null()
                .and(col("released_at").is_not_null()),
        )
        .select([
            year,
            ((col("released_at") - col("eligible")).cast(DataType::Float64) / lit(60_000_000.0))
                .clip_min(lit(0.0))
                .alias("minutes"),
        ])
        .collect_with_engine(engine)?
        .unwrap_single())
}

/// The parts' latencies by year, kept until the medians: only the minutes
/// (8 bytes a booking), in chunks, so that a large county's are not copied
/// into one table and grouped, and a vector's doubling adds nothing. Past
/// [`IN_MEMORY`] of them, every year's go to a work file of its own, and a
/// year with a file has its median found by passes over it ([`nth`]):
/// what a county keeps does not grow with its bookings.
pub struct Latencies {
    dir: PathBuf,
    tag: String,
    in_memory: usize,
    held: usize,
    years: BTreeMap<i32, Year>,
}

/// One year's latencies: in memory, and those moved to its file.
#[derive(Default)]
struct Year {
    chunks: Vec<Vec<f64>>,
    file: Option<(PathBuf, BufWriter<File>)>,
    on_disk: u64,
}

/// Minutes per chunk of a year's latencies.
const CHUNK: usize = 64 * 1024;

/// Latencies kept in memory (8 bytes each) before they go to files: more
/// than most counties have, so that their medians need no file.
pub const IN_MEMORY: usize = 1 << 20;

/// Values a selection gathers to choose among once its passes have
/// narrowed them to so few (8 bytes each).
const GATHER: u64 = 1 << 20;

impl Latencies {
    /// Latencies whose files, if any, are `{tag}.latenciesYYYY.bin` in
    /// `dir`, kept in memory up to `in_memory` of them.
    pub fn new(dir: &Path, tag: &str, in_memory: usize) -> Latencies {
        Latencies {
            dir: dir.to_path_buf(),
            tag: tag.to_string(),
            in_memory,
            held: 0,
            years: BTreeMap::new(),
        }
    }

    /// Adds a part's latencies (the frame of [`latencies`]).
    pub fn add(&mut self, part: &DataFrame) -> PolarsResult<()> {
        let years = part.column("year")?.cast(&DataType::Int32)?;
        let minutes = part.column("minutes")?.cast(&DataType::Float64)?;
        for (year, minutes) in years.i32()?.iter().zip(minutes.f64()?.iter()) {
            // Neither is null: the query keeps bookings with both times.
            let (Some(year), Some(minutes)) = (year, minutes) else {
                continue;
            };
            let chunks = &mut self.years.entry(year).or_default().chunks;
            match chunks.last_mut() {
                Some(chunk) if chunk.len() < CHUNK => chunk.push(minutes),
                _ => {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push(minutes);
                    chunks.push(chunk);
                }
            }
            self.held += 1;
        }
        if self.held > self.in_memory {
            self.spill().map_err(io_error)?;
        }
        Ok(())
    }

    /// Moves every year's latencies in memory to the end of its file.
    fn spill(&mut self) -> std::io::Result<()> {
        for (year, y) in &mut self.years {
            if y.chunks.is_empty() {
                continue;
            }
            let (path, w) = match &mut y.file {
                Some(f) => f,
                None => {
                    let path = self.dir.join(format!("{}.latencies{year}.bin", self.tag));
                    let file = File::create(&path).map_err(at(&path))?;
                    y.file
                        .insert((path, BufWriter::with_capacity(1 << 16, file)))
                }
            };
            for chunk in y.chunks.drain(..) {
                for m in &chunk {
                    w.write_all(&m.to_le_bytes()).map_err(at(path))?;
                }
                y.on_disk += chunk.len() as u64;
            }
        }
        self.held = 0;
        Ok(())
    }

    /// Per year, the median and how many latencies there are.
    pub fn baseline(self) -> PolarsResult<BTreeMap<i32, (f64, u64)>> {
        let mut out = BTreeMap::new();
        for (year, y) in self.years {
            let in_memory: usize = y.chunks.iter().map(Vec::len).sum();
            let n = in_memory as u64 + y.on_disk;
            let median = match y.file {
                None => {
                    let mut all = Vec::with_capacity(in_memory);
                    for chunk in y.chunks {
                        all.extend(chunk);
                    }
                    median(&mut all)
                }
                Some((path, w)) => {
                    w.into_inner()
                        .map_err(|e| e.into_error())
                        .map_err(at(&path))
                        .map_err(io_error)?;
                    let mut each = |f: &mut dyn FnMut(u64)| -> std::io::Result<()> {
                        for chunk in &y.chunks {
                            chunk.iter().for_each(|&m| f(key(m)));
                        }
                        each_in_file(&path, y.on_disk, f)
                    };
                    let median = median_by(n, |rank| nth(&mut each, rank, GATHER).map(value))
                        .map_err(io_error)?;
                    // Not needed again; the work folder goes at the end
                    // of the run in any case.
                    let _ = std::fs::remove_file(&path);
                    median
                }
            };
            if let Some(m) = median {
                out.insert(year, (m, n));
            }
        }
        Ok(out)
    }
}

fn io_error(e: std::io::Error) -> PolarsError {
    PolarsError::IO {
        error: std::sync::Arc::new(e),
        msg: None,
    }
}

/// Calls `f` with the key of each of the `count` latencies in `path`.
fn each_in_file(path: &Path, count: u64, f: &mut dyn FnMut(u64)) -> std::io::Result<()> {
    let mut r = File::open(path).map_err(at(path))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut left = count * 8;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        r.read_exact(&mut buf[..n]).map_err(at(path))?;
        for b in buf[..n].chunks_exact(8) {
            f(key(f64::from_le_bytes(b.try_into().unwrap_or_default())));
        }
        left -= n as u64;
    }
    Ok(())
}

/// A key that orders as `f64::total_cmp` orders the values.
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// The value of a [`key`].
fn value(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Calls its argument with every key, once each.
type EachKey<'a> = dyn FnMut(&mut dyn FnMut(u64)) -> std::io::Result<()> + 'a;

/// The key of rank `rank` (from 0) among the keys `each` calls its
/// argument with, in as few passes over them as it takes: each pass counts
/// the keys that share the high bits found so far by their next 16 bits,
/// which fixes 16 more bits of the one wanted, until they are all fixed or
/// the keys that share them are few enough (`gather`) to be gathered and
/// chosen among. Exact, and holding at most 65,536 counts and `gather`
/// keys, however many there are.
fn nth(each: &mut EachKey<'_>, mut rank: u64, gather: u64) -> std::io::Result<u64> {
    let mut fixed = 0u32;
    let mut prefix = 0u64;
    let shares = |k: u64, fixed: u32, prefix: u64| fixed == 0 || k >> (64 - fixed) == prefix;
    let mut counts = vec![0u64; 1 << 16];
    loop {
        let shift = 64 - fixed - 16;
        counts.iter_mut().for_each(|c| *c = 0);
        each(&mut |k| {
            if shares(k, fixed, prefix) {
                counts[((k >> shift) & 0xFFFF) as usize] += 1;
            }
        })?;
        let mut digit = 0;
        while digit + 1 < counts.len() && rank >= counts[digit] {
            rank -= counts[digit];
            digit += 1;
        }
        prefix = prefix << 16 | digit as u64;
        fixed += 16;
        if fixed == 64 {
            return Ok(prefix);
        }
        if counts[digit] <= gather {
            let mut keys = Vec::with_capacity(counts[digit] as usize);
            each(&mut |k| {
                if shares(k, fixed, prefix) {
                    keys.push(k);
                }
            })?;
            let Some(i) = usize::try_from(rank).ok().filter(|&i| i < keys.len()) else {
                return Err(std::io::Error::other("latencies changed between passes"));
            };
            return Ok(*keys.select_nth_unstable(i).1);
        }
    }
}

/// The median as polars' `median` takes it (its linear quantile at 0.5,
/// `quantile_slice` in polars-core): the value at index `(n - 1) / 2`
/// (rounded down) of the sorted values, and when `n` is even the next one
/// too, interpolated as `proportion * (upper - lower) + lower`, so that
/// the baseline is the same to the last bit as when polars computed it.
/// The values are reordered.
pub fn median(values: &mut [f64]) -> Option<f64> {
    median_by(values.len() as u64, |rank| {
        let (_, v, _) = values.select_nth_unstable_by(rank as usize, f64::total_cmp);
        Ok::<f64, std::convert::Infallible>(*v)
    })
    .unwrap_or_else(|e| match e {})
}

/// [`median`] of `n` values, given the value of each rank asked for (in
/// `f64::total_cmp` order, from 0).
fn median_by<E>(n: u64, mut nth: impl FnMut(u64) -> Result<f64, E>) -> Result<Option<f64>, E> {
    if n == 0 {
        return Ok(None);
    }
    let float_idx = (n as f64 - 1.0) * 0.5;
    let idx = float_idx as u64;
    let top = float_idx.ceil() as u64;
    let lower = nth(idx)?;
    if idx == top {
        return Ok(Some(lower));
    }
    let upper = nth(idx + 1)?;
    Ok(Some(if lower == upper {
        lower
    } else {
        (float_idx - idx as f64) * (upper - lower) + lower
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// polars' own median per year, the reference the baseline must equal
    /// to the last bit.
    fn by_polars(parts: &[DataFrame]) -> BTreeMap<i32, (f64, u64)> {
        let df = concat(
            parts.iter().map(|p| p.clone().lazy()).collect::<Vec<_>>(),
            UnionArgs::default(),
        )
        .unwrap()
        .group_by([col("year")])
        .agg([col("minutes").median().alias("median"), len().alias("n")])
        .collect()
        .unwrap();
        let years = i64s(&df, "year").unwrap();
        let med = f64s(&df, "median").unwrap();
        let n = i64s(&df, "n").unwrap();
        (0..df.height())
            .map(|i| {
                (
                    years[i].unwrap() as i32,
                    (med[i].unwrap(), n[i].unwrap() as u64),
                )
            })
            .collect()
    }

    /// A small generator, so that the tests need no crate and repeat.
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn the_median_is_polars_median_to_the_last_bit() {
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for round in 0..40 {
            let parts: Vec<DataFrame> = (0..1 + round % 4)
                .map(|_| {
                    let rows = (next() % 3_000) as usize;
                    let years: Vec<i32> = (0..rows).map(|_| 2011 + (next() % 5) as i32).collect();
                    let minutes: Vec<f64> = (0..rows)
                        .map(|_| match next() % 4 {
                            // Ties, zeros (clipped) and microsecond
                            // differences, as the query makes them.
                            0 => 0.0,
                            1 => (next() % 50) as f64,
                            _ => (next() % 40_000_000_000) as f64 / 60_000_000.0,
                        })
                        .collect();
                    df!("year" => years, "minutes" => minutes).unwrap()
                })
                .collect();
            let theirs = by_polars(&parts);
            // In memory; every part's in files; in files from part to
            // part, with some left in memory at the end.
            for in_memory in [IN_MEMORY, 0, 1_000] {
                let dir = tempfile::tempdir().unwrap();
                let mut ours = Latencies::new(dir.path(), "t", in_memory);
                for p in &parts {
                    ours.add(p).unwrap();
                }
                let files = std::fs::read_dir(dir.path()).unwrap().count();
                let rows: usize = parts.iter().map(DataFrame::height).sum();
                match in_memory {
                    IN_MEMORY => assert_eq!(files, 0),
                    0 => assert_eq!(files > 0, rows > 0),
                    _ => {}
                }
                let ours = ours.baseline().unwrap();
                assert_eq!(ours.len(), theirs.len());
                for (year, (m, n)) in &theirs {
                    let (om, on) = ours[year];
                    assert_eq!(
                        (om.to_bits(), on),
                        (m.to_bits(), *n),
                        "round {round}, {year}, {in_memory} in memory"
                    );
                }
            }
        }
        // By hand: 10, 20, 90 gives 20; 10, 20 gives 15.
        assert_eq!(median(&mut [90.0, 10.0, 20.0]), Some(20.0));
        assert_eq!(median(&mut [20.0, 10.0]), Some(15.0));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn keys_order_as_total_cmp_and_give_their_value_back() {
        let values = [
            f64::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1.0,
            1.0 + f64::EPSILON,
            1e300,
            f64::INFINITY,
        ];
        for w in values.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} {}", w[0], w[1]);
        }
        for v in values {
            assert_eq!(value(key(v)).to_bits(), v.to_bits());
        }
    }

    #[test]
    fn nth_is_the_sorted_keys_rank_whatever_it_may_gather() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        for round in 0..30 {
            let n = 1 + (next() % 2_000) as usize;
            // Many ties, keys that differ only in their low bits, and keys
            // spread over the whole range.
            let keys: Vec<u64> = (0..n)
                .map(|_| match next() % 4 {
                    0 => 42,
                    1 => (1 << 40) + next() % 8,
                    2 => key((next() % 100) as f64 / 7.0),
                    _ => next(),
                })
                .collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let passes = std::cell::Cell::new(0);
            let mut each = |f: &mut dyn FnMut(u64)| {
                passes.set(passes.get() + 1);
                keys.iter().for_each(|&k| f(k));
                Ok(())
            };
            for rank in [0, n / 3, n / 2, n - 1] {
                for gather in [0, 1, 5, u64::MAX] {
                    assert_eq!(
                        nth(&mut each, rank as u64, gather).unwrap(),
                        sorted[rank],
                        "round {round}, rank {rank}, gather {gather}"
                    );
                }
            }
            // Four passes at most to fix 64 bits; two when all are gathered.
            passes.set(0);
            nth(&mut each, (n / 2) as u64, 0).unwrap();
            assert!(passes.get() <= 4);
            passes.set(0);
            nth(&mut each, (n / 2) as u64, u64::MAX).unwrap();
            assert_eq!(passes.get(), 2);
        }
    }
}
