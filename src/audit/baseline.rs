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
use polars::prelude::*;
use std::collections::BTreeMap;

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
/// into one table and grouped, and a vector's doubling adds nothing.
#[derive(Default)]
pub struct Latencies {
    years: BTreeMap<i32, Vec<Vec<f64>>>,
}

/// Minutes per chunk of a year's latencies.
const CHUNK: usize = 64 * 1024;

impl Latencies {
    /// Adds a part's latencies (the frame of [`latencies`]).
    pub fn add(&mut self, part: &DataFrame) -> PolarsResult<()> {
        let years = part.column("year")?.cast(&DataType::Int32)?;
        let minutes = part.column("minutes")?.cast(&DataType::Float64)?;
        for (year, minutes) in years.i32()?.iter().zip(minutes.f64()?.iter()) {
            // Neither is null: the query keeps bookings with both times.
            let (Some(year), Some(minutes)) = (year, minutes) else {
                continue;
            };
            let chunks = self.years.entry(year).or_default();
            match chunks.last_mut() {
                Some(chunk) if chunk.len() < CHUNK => chunk.push(minutes),
                _ => {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push(minutes);
                    chunks.push(chunk);
                }
            }
        }
        Ok(())
    }

    /// Per year, the median and how many latencies there are.
    pub fn baseline(self) -> BTreeMap<i32, (f64, u64)> {
        self.years
            .into_iter()
            .filter_map(|(year, chunks)| {
                let mut all = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
                for chunk in chunks {
                    all.extend(chunk);
                }
                Some((year, (median(&mut all)?, all.len() as u64)))
            })
            .collect()
    }
}

/// The median as polars' `median` takes it (its linear quantile at 0.5,
/// `quantile_slice` in polars-core): the value at index `(n - 1) / 2`
/// (rounded down) of the sorted values, and when `n` is even the next one
/// too, interpolated as `proportion * (upper - lower) + lower`, so that
/// the baseline is the same to the last bit as when polars computed it.
/// The values are reordered.
pub fn median(values: &mut [f64]) -> Option<f64> {
    match values.len() {
        0 => None,
        1 => Some(values[0]),
        n => {
            let float_idx = (n as f64 - 1.0) * 0.5;
            let idx = float_idx as usize;
            let top = float_idx.ceil() as usize;
            let (_, lower, rest) = values.select_nth_unstable_by(idx, f64::total_cmp);
            let lower = *lower;
            if idx == top {
                return Some(lower);
            }
            let upper = rest.iter().copied().min_by(f64::total_cmp)?;
            Some(if lower == upper {
                lower
            } else {
                (float_idx - idx as f64) * (upper - lower) + lower
            })
        }
    }
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

    #[test]
    fn the_median_is_polars_median_to_the_last_bit() {
        // A small generator, so that the test needs no crate and repeats.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
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
            let mut ours = Latencies::default();
            for p in &parts {
                ours.add(p).unwrap();
            }
            let ours = ours.baseline();
            let theirs = by_polars(&parts);
            assert_eq!(ours.len(), theirs.len());
            for (year, (m, n)) in &theirs {
                let (om, on) = ours[year];
                assert_eq!(
                    (om.to_bits(), on),
                    (m.to_bits(), *n),
                    "round {round}, {year}"
                );
            }
        }
        // By hand: 10, 20, 90 gives 20; 10, 20 gives 15.
        assert_eq!(median(&mut [90.0, 10.0, 20.0]), Some(20.0));
        assert_eq!(median(&mut [20.0, 10.0]), Some(15.0));
        assert_eq!(median(&mut []), None);
    }
}
