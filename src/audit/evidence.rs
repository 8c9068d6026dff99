//! The charge rows behind an eligibility taken from the charges (method
//! rule 1), for the evidence columns of the hold rows.

use super::frame::{i64s, strs};
use super::staged::{is_among, scan};
use crate::ingest::{Staged, SOURCE_FILE, SOURCE_ROW};
use crate::model::{ChargeKind, Table};
use crate::rules::eligibility::{self, Charge};
use polars::prelude::*;
use std::collections::BTreeMap;

/// The charge rows that set the eligibility of bookings whose eligibility
/// comes from charges (method rule 1): the criminal charges disposed last. Read
/// for the bookings with a detainer only.
pub(super) fn charge_evidence(
    staged: &[Staged],
    ids: &[&str],
    engine: Engine,
) -> PolarsResult<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if ids.is_empty() || !staged.iter().any(|s| s.table == Table::Charges) {
        return Ok(out);
    }
    let df = scan(staged, Table::Charges)?
        .filter(is_among("booking_id", Series::new("".into(), ids)))
        .select([
            col("booking_id"),
            col(SOURCE_FILE),
            col(SOURCE_ROW),
            col("charge_kind"),
            col("charge_released_at"),
        ])
        .collect_with_engine(engine)?
        .unwrap_single();
    let booking = strs(&df, "booking_id")?;
    let files = strs(&df, SOURCE_FILE)?;
    let rows = i64s(&df, SOURCE_ROW)?;
    let kinds = strs(&df, "charge_kind")?;
    let released = i64s(&df, "charge_released_at")?;
    // Each booking's charge rows, in the order of the collected frame.
    let mut by_booking: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, id) in booking.iter().enumerate() {
        if let Some(id) = id.as_deref() {
            by_booking.entry(id).or_default().push(i);
        }
    }
    for (id, at) in by_booking {
        let charges: Vec<Charge> = at
            .iter()
            .map(|&i| Charge {
                kind: kinds[i].as_deref().and_then(ChargeKind::parse),
                released_at: released[i],
            })
            .collect();
        // The bookings asked for took their eligibility from the charges,
        // so none of their charge rows was rejected.
        let Some((_, set_by)) = eligibility::from_charges(&charges, false) else {
            continue;
        };
        let mut set_by: Vec<usize> = set_by.into_iter().map(|k| at[k]).collect();
        set_by.sort_by_key(|&i| (files[i].clone(), rows[i]));
        out.insert(
            id.to_string(),
            set_by
                .into_iter()
                .map(|i| place(files[i].as_deref().unwrap_or(""), rows[i].unwrap_or(0)))
                .collect(),
        );
    }
    Ok(out)
}

/// A source row as the evidence columns name it.
pub fn place(file: &str, row: i64) -> String {
    format!("{file} row {row}")
}
