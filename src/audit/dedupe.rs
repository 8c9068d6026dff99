//! Duplicate booking ids in the bookings and releases tables.
//!
//! What it does: where several rows share a `booking_id`, identical rows
//! (same values in every canonical field) are kept once and the copies
//! rejected as `duplicate_row`; rows that differ are all rejected as
//! `conflicting_duplicate`, each naming the others.
//!
//! Why: a booking id must name one booking; when two rows disagree there is
//! no honest way to pick one, and an analyst must see both.
//!
//! Example: B1 at row 4 and B1 at row 9 with another release time: both
//! rejected, row 4's detail names row 9 and the other way round.

use super::frame::strs;
use crate::ingest::{Reject, Staged, SOURCE_FILE, SOURCE_LINE, SOURCE_ROW};
use crate::model::Table;
use polars::prelude::*;
use std::collections::BTreeMap;

/// The table without duplicate rows, the rejects, and the booking ids whose
/// rows conflicted.
pub struct Deduped {
    pub clean: LazyFrame,
    pub rejects: Vec<Reject>,
    pub conflicting_ids: Vec<String>,
}

pub fn dedupe(staged: &[Staged], table: Table, engine: Engine) -> PolarsResult<Deduped> {
    let lf = super::staged::scan(staged, table)?;
    let dup_ids = super::staged::repeated_ids(&lf, engine)?;
    if dup_ids.is_empty() {
        return Ok(Deduped {
            clean: lf,
            rejects: Vec::new(),
            conflicting_ids: Vec::new(),
        });
    }
    let rows = lf
        .clone()
        .filter(super::staged::is_among(
            "booking_id",
            Series::new("".into(), dup_ids),
        ))
        .sort(
            ["booking_id", SOURCE_FILE, SOURCE_ROW],
            SortMultipleOptions::default(),
        )
        .collect_with_engine(engine)?
        .unwrap_single();
    let ids = strs(&rows, "booking_id")?;
    let files = strs(&rows, SOURCE_FILE)?;
    let row_nos = super::frame::i64s(&rows, SOURCE_ROW)?;
    let names: Vec<PlSmallStr> = table.fields().iter().map(|f| f.name.into()).collect();
    let values = rows.select(names)?;
    let place = |i: usize| {
        format!(
            "{} row {}",
            files[i].as_deref().unwrap_or("?"),
            row_nos[i].unwrap_or(0)
        )
    };

    let lines = super::frame::i64s(&rows, SOURCE_LINE)?;
    let reject = |i: usize, reason: &'static str, detail: String| Reject {
        table,
        source_file: files[i].clone().unwrap_or_default(),
        source_row: row_nos[i].unwrap_or(0),
        source_line: lines[i].unwrap_or(0),
        reason,
        detail,
        raw: String::new(),
    };

    // Rows sharing a booking id are consecutive (sorted above).
    let mut rejects = Vec::new();
    let mut rejected_rows = Vec::new();
    let mut conflicting_ids = Vec::new();
    let mut start = 0;
    while start < rows.height() {
        let mut end = start + 1;
        while end < rows.height() && ids[end] == ids[start] {
            end += 1;
        }
        let first = values.get_row(start)?;
        let identical = (start + 1..end).all(|i| values.get_row(i).is_ok_and(|r| r == first));
        if identical {
            for i in start + 1..end {
                rejected_rows.push(i);
                rejects.push(reject(
                    i,
                    "duplicate_row",
                    format!("identical to {}; kept once", place(start)),
                ));
            }
        } else {
            conflicting_ids.push(ids[start].clone().unwrap_or_default());
            for i in start..end {
                rejected_rows.push(i);
                let others: Vec<String> = (start..end).filter(|&j| j != i).map(place).collect();
                rejects.push(reject(
                    i,
                    "conflicting_duplicate",
                    format!(
                        "booking_id also on {} with different values; none used",
                        others.join(", ")
                    ),
                ));
            }
        }
        start = end;
    }
    let mut dropped: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in rejected_rows {
        dropped
            .entry(files[i].clone().unwrap_or_default())
            .or_default()
            .push(row_nos[i].unwrap_or(0));
    }
    let clean = super::staged::scan_except(staged, table, &dropped)?;
    Ok(Deduped {
        clean,
        rejects,
        conflicting_ids,
    })
}
