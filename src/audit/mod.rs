//! The audit: the method's rules (docs/METHOD.md; the rules themselves are
//! pure functions in `rules/`) applied to a pipeline's staged tables with
//! polars. This module joins, deduplicates, attaches and aggregates; for
//! each booking with a detainer it hands typed values to
//! `rules::hold::evaluate` and makes the hold row.
//!
//! The large tables (bookings, releases, charges) stay lazy and are only
//! scanned, joined and aggregated by polars. What is materialized is small by
//! the nature of the data, each with its reason:
//! - duplicate booking ids, orphan rows and releases before booking: the
//!   rows to reject, a sliver of the input;
//! - the bookings with a detainer and their detainers (a few percent of
//!   bookings): the per-hold rules are plain Rust functions over them;
//! - monthly and yearly aggregates;
//! - one table's `booking_id` column at a time (a county's ids, one string
//!   column), to find repeated ids and rows with no booking in one pass
//!   over a hash map or set, cheaper than polars' group-bys and
//!   anti-joins on strings.
//!
//! The staged tables, and the joined bookings several queries read, are in
//! memory only within the run's staging budget (`ingest::store`), else on
//! disk: the memory they take is bounded by the budget, not by the size of
//! a county. The id columns above are bounded by one county's rows.
//!
//! Files: `staged` (scans of the staged tables and id look-ups), `dedupe`,
//! `join` (bookings with their releases and charges, eligibility), `attach`
//! (detainers to bookings), `evidence` (the charge rows behind an
//! eligibility), `holds` (the hold rows), `kept` (the hold rows kept until
//! the outputs are written, a large county's in work files), `months` and
//! `baseline` (the monthly counts and method rule 11), `local` (local
//! months of instants), `scratch` (results kept within the budget), `frame`
//! (reading collected columns).

pub mod attach;
pub mod baseline;
pub mod dedupe;
pub mod evidence;
pub mod frame;
pub mod holds;
pub mod join;
pub mod kept;
pub(crate) mod local;
pub mod months;
pub mod partition;
pub mod scratch;
pub mod staged;

pub use holds::{Hold, HoldDetainer};
pub use kept::Holds;
pub use months::MonthCounts;
pub use scratch::Scratch;

use crate::config::Pipeline;
use crate::ingest::{Reject, Staged};
use crate::model::Table;
use crate::progress::step;
use evidence::charge_evidence;
use frame::{i64s, strs};
use holds::{build_holds, Doubts};
use months::month_counts;
use polars::prelude::*;
use scratch::engine_for;
use staged::scan;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{}: while applying the rules: {source}", pipeline.display())]
    Polars {
        pipeline: std::path::PathBuf,
        #[source]
        source: PolarsError,
    },
}

/// Everything the outputs need from one pipeline.
#[derive(Debug)]
pub struct Audit {
    /// In row order (see `kept`).
    pub holds: Holds,
    pub months: BTreeMap<(i32, u32), MonthCounts>,
    /// Per local year: median minutes from eligibility to release for
    /// bookings without a detainer, and how many bookings it is over.
    pub baseline: BTreeMap<i32, (f64, u64)>,
    /// Rows rejected by the rules (duplicates, orphans, inconsistent times);
    /// taken by the caller (`county`), which fills in their `raw` from the
    /// source files.
    pub rejects: Vec<Reject>,
    /// The `as_of` instant used (UTC microseconds) and where it came from.
    pub as_of: i64,
    pub as_of_source: &'static str,
}

/// Applies the method's rules to one pipeline's staged inputs.
pub fn audit(p: &Pipeline, staged: &[Staged], scratch: &Scratch) -> Result<Audit, AuditError> {
    run(p, staged, scratch).map_err(|source| AuditError::Polars {
        pipeline: p.file.clone(),
        source,
    })
}

fn run(p: &Pipeline, staged: &[Staged], scratch: &Scratch) -> PolarsResult<Audit> {
    let mut rejects = Vec::new();
    // Every query over a part's tables (staged or joined) runs on polars'
    // in-memory engine, even for a part on disk: a part is bounded
    // (`partition::BYTES_PER_PART` of input), so reading one whole is too,
    // and the streaming engine's threads spent as much time in the
    // scheduler as in work when a county's parts were on disk.
    let part_engine = Engine::InMemory;
    // A large county a part at a time, as it was staged (see `partition`);
    // the others whole.
    let parts = partition::parts_of(staged);

    // Method rules 1 and 2: a booking named by a rejected release or charge row,
    // or whose release rows conflict, keeps its hold row but is not measured
    // past what the export can show.
    let mut doubts = Doubts::default();
    for st in staged {
        let set = match st.table {
            Table::Releases => &mut doubts.release_rejected,
            Table::Charges => &mut doubts.charge_rejected,
            Table::Bookings | Table::Detainers => continue,
        };
        set.extend(st.rejected_ids.iter().cloned());
    }

    // Each part's bookings joined to their releases and charges.
    let mut joined = Vec::with_capacity(parts.len());
    // Each part's deduplicated bookings and releases (lazy), read again
    // for the bookings with a detainer.
    let mut cleaned = Vec::with_capacity(parts.len());
    for (k, part) in parts.iter().enumerate() {
        // Duplicates first: a booking id must name one booking (and one
        // release); all rows of an id are in one part.
        let mut b = step("rules: dedupe bookings", || {
            dedupe::dedupe(part, Table::Bookings, part_engine)
        })?;
        rejects.append(&mut b.rejects);
        let mut r = step("rules: dedupe releases", || {
            dedupe::dedupe(part, Table::Releases, part_engine)
        })?;
        rejects.append(&mut r.rejects);
        doubts
            .release_rejected
            .extend(r.conflicting_ids.iter().cloned());
        cleaned.push((b.clean.clone(), r.clean.clone()));
        let name = if parts.len() == 1 {
            "joined".to_string()
        } else {
            format!("joined{k:03}")
        };
        let (j, mut r) = step("rules: join releases and charges", || {
            join::join_releases(
                b.clean,
                r.clean,
                scan(part, Table::Charges)?,
                &doubts.charge_rejected,
                join::Keep {
                    scratch,
                    name: &name,
                },
                part_engine,
            )
        })?;
        rejects.append(&mut r);
        let mut r = step("rules: charge orphans", || {
            join::charge_orphans(&j, scan(part, Table::Charges)?, part_engine)
        })?;
        rejects.append(&mut r);
        joined.push(j);
        crate::memory::trim();
    }

    // as_of: the pipeline's, else the newest time in the export (an export
    // cannot be older than its newest record; never the clock, so that runs
    // are reproducible).
    let detainers = scan(staged, Table::Detainers)?;
    let detainer_engine = engine_for(
        staged
            .iter()
            .filter(|s| s.table == Table::Detainers)
            .all(|s| s.rows.memory_size().is_some()),
    );
    let (as_of, as_of_source) = match p.as_of {
        Some(local) => (p.as_of_utc(local).unwrap_or_default(), "pipeline"),
        None => (
            step("rules: newest", || {
                newest_time(&joined, part_engine, &detainers, detainer_engine)
            })?,
            "newest_record",
        ),
    };

    let (person_keyed, mut r) = step("rules: attach", || {
        attach::by_person(detainers, &joined, part_engine, as_of, detainer_engine)
    })?;
    rejects.append(&mut r);

    let mut latencies = baseline::Latencies::new(&scratch.dir, &scratch.tag, baseline::IN_MEMORY);
    let mut months: BTreeMap<(i32, u32), MonthCounts> = BTreeMap::new();
    // A county's hold rows are kept until its outputs are written: a
    // county in parts writes each part's to a work file (see `kept`).
    let mut spill = (parts.len() > 1).then(|| kept::Spill::new(&scratch.dir, &scratch.tag));
    let mut whole = Vec::new();
    let mut dropped_bookings = Vec::new();
    // Each part's detainers are attached, and dropped once its holds are
    // built.
    for (((part, joined), person_keyed), (bookings, releases)) in
        parts.iter().zip(&joined).zip(person_keyed).zip(cleaned)
    {
        let (attached, mut r) = step("rules: attach", || {
            attach::by_booking(
                scan(part, Table::Detainers)?,
                joined,
                person_keyed,
                part_engine,
            )
        })?;
        rejects.append(&mut r);
        let attached_ids = attached
            .clone()
            .lazy()
            .select([col("booking_id")])
            .unique(None, UniqueKeepStrategy::First);
        step("rules: baseline", || {
            latencies.add(&baseline::latencies(
                joined,
                attached_ids.clone(),
                p.tz,
                part_engine,
            )?)
        })?;
        // The bookings with a detainer, materialized: see the module docs.
        let cases = step("rules: cases", || {
            join::cases(
                bookings,
                releases,
                scan(part, Table::Charges)?,
                &doubts.charge_rejected,
                attached_ids,
                part_engine,
            )
        })?;
        for (month, counts) in step("rules: months", || {
            month_counts(joined, &cases, p.tz, part_engine)
        })? {
            let m = months.entry(month).or_default();
            m.bookings += counts.bookings;
            m.bookings_with_detainer += counts.bookings_with_detainer;
        }
        let charge_rows = step("rules: charge evidence", || {
            let source = strs(&cases, "eligibility_source")?;
            let ids = strs(&cases, "booking_id")?;
            let from_charges: Vec<&str> = ids
                .iter()
                .zip(&source)
                .filter(|(_, s)| s.as_deref() == Some("charges"))
                .filter_map(|(id, _)| id.as_deref())
                .collect();
            charge_evidence(part, &from_charges, part_engine)
        })?;
        let built = step("rules: holds", || {
            build_holds(p, &cases, &attached, as_of, &doubts, &charge_rows)
        })?;
        rejects.extend(built.rejects);
        match &mut spill {
            Some(spill) => spill.part(built.holds).map_err(|e| PolarsError::IO {
                error: std::sync::Arc::new(e),
                msg: None,
            })?,
            None => whole.extend(built.holds),
        }
        dropped_bookings.extend(built.dropped_bookings);
        crate::memory::trim();
    }
    let baseline = step("rules: baseline", || latencies.baseline())?;
    // A booking rejected as implausible is not counted as a booking either
    // (it is in the rejects, not among the rows used).
    for month in dropped_bookings {
        if let Some(m) = months.get_mut(&month) {
            m.bookings = m.bookings.saturating_sub(1);
            m.bookings_with_detainer = m.bookings_with_detainer.saturating_sub(1);
        }
    }
    // In the order of their booking rows, whatever the order the parts and
    // the joins gave them.
    let holds = match spill {
        Some(spill) => spill.finish(),
        None => Holds::in_memory(whole),
    };

    Ok(Audit {
        holds,
        months,
        baseline,
        rejects,
        as_of,
        as_of_source,
    })
}

/// The newest booked, released, eligible or lodged time of the export:
/// the parts' `joined` bookings read with `part_engine`, the `detainers`
/// with `engine`.
fn newest_time(
    joined: &[LazyFrame],
    part_engine: Engine,
    detainers: &LazyFrame,
    engine: Engine,
) -> PolarsResult<i64> {
    let mut newest = Vec::new();
    for j in joined {
        let a = j
            .clone()
            .select([polars::lazy::dsl::max_horizontal([
                col("booked_at").max(),
                col("released_at").max(),
                col("eligible_at").max(),
            ])?
            .alias("t")])
            .collect_with_engine(part_engine)?
            .unwrap_single();
        newest.extend(i64s(&a, "t")?);
    }
    let b = detainers
        .clone()
        .select([col("lodged_at").max().alias("t")])
        .collect_with_engine(engine)?
        .unwrap_single();
    let t = newest
        .into_iter()
        .chain(i64s(&b, "t")?)
        .flatten()
        .max()
        .unwrap_or(0);
    Ok(t)
}
