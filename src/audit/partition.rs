//! A large county audited a part at a time, so that what its joins and
//! group-bys hold at once is bounded by the size of a part, not of the
//! county. (What the county keeps for its outputs, its hold rows above all,
//! is not: it grows with the county.)
//!
//! What it does: a county whose bookings pass [`ROWS_PER_PART`] (or
//! `DETAINER_AUDIT_PARTITION_ROWS`) has its staged bookings, releases and
//! charges split into parts by a hash of the booking id. Every rule that
//! joins or groups rows does so by booking id (duplicates, the release and
//! charges of a booking, orphans, the holds), so each part is audited on
//! its own; the few steps that span bookings (`as_of`, detainers keyed by
//! person, the release-latency baseline, the monthly counts) combine the
//! parts' results (`audit::run`). A county of one part is audited whole.
//!
//! Why: polars' joins and group-bys, and the id look-ups, hold a whole
//! table's keys in memory; a county of millions of bookings would need
//! gigabytes where a part needs a fixed amount.
//!
//! The split does not depend on the staging budget or the machine, only on
//! the data, and the parts' results are combined so that the outputs are
//! the same byte for byte whatever the number of parts (a test checks it).

use crate::ingest::{staged_schema, IngestError, MemoryBudget, Staged, StagedData, StagedSink};
use crate::model::Table;
use polars::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Bookings per part: small enough that a part's joins and look-ups stay
/// small next to what the rest of the run holds, large enough that the
/// fixed cost of a part's queries stays small next to its work (the
/// measurements are in bench/README.md).
pub const ROWS_PER_PART: u64 = 250_000;

/// The environment variable that sets the bookings per part (for tests, and
/// machines short of memory).
pub const ROWS_PER_PART_ENV: &str = "DETAINER_AUDIT_PARTITION_ROWS";

/// How many parts a county is audited in: one per [`ROWS_PER_PART`]
/// bookings read (at least one).
pub fn parts_for(staged: &[Staged]) -> usize {
    let per = std::env::var(ROWS_PER_PART_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(ROWS_PER_PART);
    let rows: u64 = staged
        .iter()
        .filter(|s| s.table == Table::Bookings)
        .map(|s| s.stats.rows_in)
        .sum();
    rows.div_ceil(per).max(1) as usize
}

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

/// The part of each row of `df` by its `booking_id` (a row without one
/// goes to part 0; the tables split here always have one).
pub fn row_parts(df: &DataFrame, parts: usize) -> PolarsResult<Vec<usize>> {
    let ids = df.column("booking_id")?.str()?;
    Ok(ids
        .iter()
        .map(|id| id.map_or(0, |id| part_of(id, parts)))
        .collect())
}

/// The rows of `df` in each part, in their order.
pub fn split_frame(df: &DataFrame, parts: usize) -> PolarsResult<Vec<DataFrame>> {
    let of = row_parts(df, parts)?;
    (0..parts)
        .map(|p| {
            let mask: BooleanChunked = of.iter().map(|&q| q == p).collect();
            df.filter(&mask)
        })
        .collect()
}

fn polars_err(e: IngestError) -> PolarsError {
    PolarsError::ComputeError(e.to_string().into())
}

/// The staged bookings, releases and charges of a county, split into
/// `parts` lists of staged tables (the detainers, which the audit reads
/// whole, are left out). Each file's part goes to a sink of its own, in
/// memory within the run's budget or in the work folder `work`.
pub fn split(
    staged: &[Staged],
    parts: usize,
    work: &Path,
    tag: &str,
    budget: &MemoryBudget,
) -> PolarsResult<Vec<Vec<Staged>>> {
    let mut out: Vec<Vec<Staged>> = vec![Vec::new(); parts];
    for (i, s) in staged.iter().enumerate() {
        if s.table == Table::Detainers {
            continue;
        }
        let schema = staged_schema(s.table);
        let sinks: Vec<StagedSink> = (0..parts)
            .map(|p| {
                StagedSink::new(
                    work.join(format!("{tag}.part{p:03}.file{i:04}.arrow")),
                    schema.clone(),
                    budget,
                )
            })
            .collect();
        let sinks = Arc::new(Mutex::new(sinks));
        let write = {
            let sinks = sinks.clone();
            move |df: DataFrame| -> PolarsResult<bool> {
                let frames = split_frame(&df, parts)?;
                let mut sinks = sinks.lock().unwrap_or_else(|e| e.into_inner());
                for (sink, frame) in sinks.iter_mut().zip(frames) {
                    if frame.height() > 0 {
                        sink.write_batch(frame).map_err(polars_err)?;
                    }
                }
                Ok(false)
            }
        };
        match &s.rows {
            StagedData::Memory(df, _) => {
                write(df.clone())?;
            }
            StagedData::File(_) => {
                // Batch by batch: the file is never read whole.
                s.rows
                    .scan()?
                    .sink_batches(PlanCallback::new(write), true, None)?
                    .collect_with_engine(Engine::Streaming)?;
            }
        }
        // Taken out of the lock: the query may still hold its callback.
        let sinks = std::mem::take(&mut *sinks.lock().unwrap_or_else(|e| e.into_inner()));
        for (p, sink) in sinks.into_iter().enumerate() {
            out[p].push(Staged {
                rows: sink.finish().map_err(polars_err)?,
                ..s.clone()
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Rows of one booking id land in one part.
        let p = part_of("B1", 3);
        let ns: Vec<Option<i64>> = frames[p]
            .column("n")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert!(ns.contains(&Some(1)) && ns.contains(&Some(4)));
    }
}
