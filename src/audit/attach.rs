//! Attaching detainers to bookings (method rule 3, person-keyed detainers).
//!
//! What it does: a detainer with a `booking_id` belongs to that booking; one
//! given by `person_id` alone belongs to that person's booking whose
//! `booked_at` to `released_at` (or `as_of`) window contains its
//! `lodged_at` (the latest such booking if windows overlap). A detainer that
//! fits no booking is rejected (`no_booking`, `no_booking_for_person`).
//!
//! Why: some exports key detainers by person; the custody window is the only
//! fair way to tell which stay a request was lodged in.
//!
//! Example: person P7 booked 2019-01-02 and 2019-06-01 (released 06-09), a
//! detainer lodged 2019-06-03: attached to the June booking.

use super::frame::i64s;
use super::staged::rejects_of;
use crate::ingest::{Reject, SOURCE_FILE, SOURCE_LINE, SOURCE_ROW};
use crate::model::Table;
use polars::prelude::*;

/// The bookings' columns the attaching reads.
fn windows_of(joined: &LazyFrame) -> LazyFrame {
    joined.clone().select([
        col("booking_id"),
        col("person_id"),
        col("booked_at"),
        col("released_at"),
    ])
}

/// The detainers given by person alone, each attached to its booking (with
/// that booking's `booking_id`), in the part of its booking; and the
/// rejects of those that fit no booking. `parts` are the joined bookings of
/// each part of the county (see `partition`), read with `part_engine`;
/// `engine` reads `detainers`, all of the county's. The detainers given by
/// booking id are attached a part at a time ([`by_booking`]), so that a
/// county's detainers are never held at once; those given by person are
/// few, and a person's bookings may be in any part.
pub fn by_person(
    detainers: LazyFrame,
    parts: &[LazyFrame],
    part_engine: Engine,
    as_of: i64,
    engine: Engine,
) -> PolarsResult<(Vec<DataFrame>, Vec<Reject>)> {
    let mut rejects = Vec::new();
    let by_person = detainers
        .filter(col("booking_id").is_null())
        .drop(cols(["booking_id"]))
        .collect_with_engine(engine)?
        .unwrap_single();
    // The bookings of the persons named: a few per person-keyed detainer,
    // gathered from every part.
    let persons = by_person
        .column("person_id")?
        .as_materialized_series()
        .unique()?
        .drop_nulls();
    let mut windows: Vec<DataFrame> = Vec::with_capacity(parts.len());
    if !persons.is_empty() {
        for part in parts {
            windows.push(
                windows_of(part)
                    .filter(super::staged::is_among("person_id", persons.clone()))
                    .select([
                        col("person_id"),
                        col("booking_id"),
                        col("booked_at").alias("b_booked_at"),
                        col("released_at").alias("b_released_at"),
                    ])
                    .collect_with_engine(part_engine)?
                    .unwrap_single(),
            );
        }
    }
    let windows = match windows.is_empty() {
        true => DataFrame::empty_with_schema(&Schema::from_iter([
            Field::new("person_id".into(), DataType::String),
            Field::new("booking_id".into(), DataType::String),
            Field::new("b_booked_at".into(), DataType::Int64),
            Field::new("b_released_at".into(), DataType::Int64),
        ])),
        false => concat(
            windows.into_iter().map(|w| w.lazy()).collect::<Vec<_>>(),
            UnionArgs::default(),
        )?
        .collect()?,
    };
    let candidates = by_person
        .clone()
        .lazy()
        .inner_join(windows.lazy(), col("person_id"), col("person_id"))
        .filter(
            col("lodged_at")
                .gt_eq(col("b_booked_at"))
                .and(col("lodged_at").lt_eq(col("b_released_at").fill_null(lit(as_of)))),
        )
        .sort(
            [SOURCE_FILE, SOURCE_ROW, "b_booked_at", "booking_id"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    // The latest booking whose window holds the lodging wins: the last row
    // of each detainer's run in the sorted candidates (a small table: a few
    // bookings per person-keyed detainer).
    let files = super::frame::strs(&candidates, SOURCE_FILE)?;
    let rows = i64s(&candidates, SOURCE_ROW)?;
    let last: BooleanChunked = (0..candidates.height())
        .map(|i| i + 1 == candidates.height() || files[i + 1] != files[i] || rows[i + 1] != rows[i])
        .collect();
    let candidates = candidates
        .filter(&last)?
        .drop_many(["b_booked_at", "b_released_at"]);
    let unmatched = by_person
        .lazy()
        .join(
            candidates
                .clone()
                .lazy()
                .select([col(SOURCE_FILE), col(SOURCE_ROW)]),
            [col(SOURCE_FILE), col(SOURCE_ROW)],
            [col(SOURCE_FILE), col(SOURCE_ROW)],
            JoinArgs::new(JoinType::Anti),
        )
        .collect()?;
    let lodged = i64s(&unmatched, "lodged_at")?;
    rejects.extend(rejects_of(
        &unmatched,
        Table::Detainers,
        SOURCE_FILE,
        SOURCE_ROW,
        SOURCE_LINE,
        "no_booking_for_person",
        |i| {
            format!(
                "no booking of this person_id whose custody window contains lodged_at ({} UTC)",
                lodged[i]
                    .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_micros)
                    .map_or("?".to_string(), |t| t
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string())
            )
        },
    )?);
    let attached = if parts.len() == 1 {
        vec![candidates]
    } else {
        crate::ingest::split_frame(&candidates, parts.len())?
    };
    Ok((attached, rejects))
}

/// One part's attached detainers (collected: a small table, with their
/// booking's `booking_id`), and the rejects of those given by a booking id
/// the part has no usable booking of. `detainers` are the part's (staged
/// in the part of their booking id, see `ingest::parts`), `joined` its
/// joined bookings, `person_keyed` its share of [`by_person`]'s; all read
/// with `engine`.
pub fn by_booking(
    detainers: LazyFrame,
    joined: &LazyFrame,
    person_keyed: DataFrame,
    engine: Engine,
) -> PolarsResult<(DataFrame, Vec<Reject>)> {
    let by_booking = detainers
        .filter(col("booking_id").is_not_null())
        .collect_with_engine(engine)?
        .unwrap_single();
    let orphans =
        super::staged::rows_without_id(by_booking.clone().lazy(), &windows_of(joined), engine)?;
    let rejects = rejects_of(
        &orphans,
        Table::Detainers,
        SOURCE_FILE,
        SOURCE_ROW,
        SOURCE_LINE,
        "no_booking",
        |_| "no usable booking with this booking_id".to_string(),
    )?;
    let orphan_ids = orphans.column("booking_id")?.as_materialized_series();
    let mut attached = by_booking
        .lazy()
        .filter(super::staged::not_in("booking_id", orphan_ids.clone()))
        .collect()?;
    // Each attached person-keyed detainer joins its booking's part, after
    // the part's own.
    let order: Vec<PlSmallStr> = attached.get_column_names().into_iter().cloned().collect();
    attached.vstack_mut(&person_keyed.select(order)?)?;
    Ok((attached, rejects))
}
