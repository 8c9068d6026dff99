//! The bookings joined to their release rows and to a summary of their
//! charges, with the eligibility of method rule 1 computed over every
//! booking as a polars expression (the same rule as
//! `rules::eligibility`, which a test below holds it to); and the rejects
//! of what cannot be joined: releases and charges with no booking, and a
//! release before its booking.

use super::staged::rejects_of;
use crate::ingest::{Reject, SOURCE_FILE, SOURCE_LINE, SOURCE_ROW};
use crate::model::Table;
use polars::prelude::*;

/// Where the joined bookings are kept (see `Scratch::materialize`): the
/// scratch and their name there.
pub struct Keep<'a> {
    pub scratch: &'a super::Scratch,
    pub name: &'a str,
}

/// The columns of every joined booking that the queries over all bookings
/// read (`as_of`, attaching detainers, the baseline, the monthly counts,
/// orphans): the rest, names and source rows among them, are read only
/// for the bookings with a detainer, by [`cases`].
const NARROW: [&str; 6] = [
    "booking_id",
    "person_id",
    "booked_at",
    "released_at",
    "eligible_at",
    "eligible",
];

/// Bookings left-joined with their release and the summary of their
/// charges, with `eligible` (see [`wide`]) but only the [`NARROW`]
/// columns, computed once (see `Scratch::materialize`), to query with
/// `engine` as the staged tables are; rejects releases with no booking,
/// and both rows of a release before its booking.
pub fn join_releases(
    bookings: LazyFrame,
    releases: LazyFrame,
    charges: LazyFrame,
    charge_rejected: &PlHashSet<String>,
    keep: Keep,
    engine: Engine,
) -> PolarsResult<(LazyFrame, Vec<Reject>)> {
    let (bookings, rel) = (booking_columns(bookings), release_columns(releases));
    let orphans = super::staged::rows_without_id(rel.clone(), &bookings, engine)?;
    let mut rejects = rejects_of(
        &orphans,
        Table::Releases,
        "r_file",
        "r_row",
        "r_line",
        "no_booking",
        |_| "no booking with this booking_id in the bookings table".to_string(),
    )?;
    // Charges joined in the same plan: the bookings are joined and kept
    // once (see `Scratch::materialize`), not once per table.
    let narrow: Vec<Expr> = NARROW.iter().map(|c| col(*c)).collect();
    let joined = keep.scratch.materialize(
        wide(bookings.clone(), rel.clone(), charges, charge_rejected).select(narrow),
        keep.name,
        engine,
    )?;
    let bad = joined
        .clone()
        .filter(released_before_booked())
        .select([col("booking_id")])
        .collect_with_engine(engine)?
        .unwrap_single();
    if bad.height() > 0 {
        // Their booking and release rows, read again for these few ids.
        let ids = bad.column("booking_id")?.as_materialized_series().clone();
        let among = |lf: LazyFrame| lf.filter(super::staged::is_among("booking_id", ids.clone()));
        let bad = among(bookings)
            .left_join(among(rel), col("booking_id"), col("booking_id"))
            .collect_with_engine(engine)?
            .unwrap_single();
        // Details name no id or value: the row's values are in `raw`.
        let detail = |_: usize| {
            "released_at is before booked_at; the booking cannot be measured".to_string()
        };
        rejects.extend(rejects_of(
            &bad,
            Table::Bookings,
            SOURCE_FILE,
            SOURCE_ROW,
            SOURCE_LINE,
            "release_before_booking",
            detail,
        )?);
        rejects.extend(rejects_of(
            &bad,
            Table::Releases,
            "r_file",
            "r_row",
            "r_line",
            "release_before_booking",
            detail,
        )?);
    }
    let joined = if bad.height() == 0 {
        joined
    } else {
        // The rows of `bad` again, by their condition rather than by their
        // ids (a booking id is one row here: the bookings and releases were
        // deduplicated and the charges summed per booking), which spares
        // hashing every booking id.
        joined.filter(measurable())
    };
    Ok((joined, rejects))
}

/// The bookings named in `ids` (the bookings with a detainer) joined with
/// their release and charges as [`join_releases`] joins every booking, with
/// all the columns the hold rows read; a booking whose release is before it
/// is left out, as there. Only the rows of these ids are read past the
/// scans.
pub fn cases(
    bookings: LazyFrame,
    releases: LazyFrame,
    charges: LazyFrame,
    charge_rejected: &PlHashSet<String>,
    ids: LazyFrame,
    engine: Engine,
) -> PolarsResult<DataFrame> {
    let among = |lf: LazyFrame| lf.semi_join(ids.clone(), col("booking_id"), col("booking_id"));
    Ok(wide(
        among(booking_columns(bookings)),
        among(release_columns(releases)),
        among(charges),
        charge_rejected,
    )
    .filter(measurable())
    .collect_with_engine(engine)?
    .unwrap_single())
}

/// A release before its booking: the booking cannot be measured.
fn released_before_booked() -> Expr {
    col("released_at").lt(col("booked_at"))
}

/// Not [`released_before_booked`] (an unknown time is measurable).
fn measurable() -> Expr {
    released_before_booked().not().fill_null(lit(true))
}

/// The booking columns the hold rows read.
fn booking_columns(bookings: LazyFrame) -> LazyFrame {
    bookings.select([
        col(SOURCE_FILE),
        col(SOURCE_ROW),
        col(SOURCE_LINE),
        col("booking_id"),
        col("person_id"),
        col("last_name"),
        col("first_name"),
        col("dob"),
        col("booked_at"),
        col("bail_status"),
    ])
}

/// The release columns, their source named apart from the booking's.
fn release_columns(releases: LazyFrame) -> LazyFrame {
    releases.select([
        col("booking_id"),
        col("eligible_at"),
        col("released_at"),
        col("release_reason"),
        col(SOURCE_FILE).alias("r_file"),
        col(SOURCE_ROW).alias("r_row"),
        col(SOURCE_LINE).alias("r_line"),
    ])
}

/// Bookings left-joined with their release and the summary of their
/// charges, with `eligible` and `eligibility_source`.
fn wide(
    bookings: LazyFrame,
    rel: LazyFrame,
    charges: LazyFrame,
    charge_rejected: &PlHashSet<String>,
) -> LazyFrame {
    let joined = bookings.left_join(rel, col("booking_id"), col("booking_id"));
    with_charges(joined, charges).with_columns(eligibility_exprs(charge_rejected))
}

/// Adds the charge aggregates the derived eligibility needs; rejects charges
/// with no booking.
/// Rejects charges whose booking is not among the usable bookings.
pub fn charge_orphans(
    joined: &LazyFrame,
    charges: LazyFrame,
    engine: Engine,
) -> PolarsResult<Vec<Reject>> {
    let orphans = super::staged::rows_without_id(charges, joined, engine)?;
    rejects_of(
        &orphans,
        Table::Charges,
        SOURCE_FILE,
        SOURCE_ROW,
        SOURCE_LINE,
        "no_booking",
        |_| "no usable booking with this booking_id".to_string(),
    )
}

/// The booking-level summary of its charges (criminal charges, open ones,
/// the last criminal disposition), left-joined to `joined`.
fn with_charges(joined: LazyFrame, charges: LazyFrame) -> LazyFrame {
    let criminal = col("charge_kind")
        .neq(lit("immigration_hold"))
        .fill_null(lit(true));
    let agg = charges.group_by([col("booking_id")]).agg([
        criminal
            .clone()
            .sum()
            .cast(DataType::Int64)
            .alias("n_criminal"),
        (criminal.clone().and(col("charge_released_at").is_null()))
            .sum()
            .cast(DataType::Int64)
            .alias("n_open"),
        col("charge_released_at")
            .filter(criminal)
            .max()
            .alias("criminal_released_at"),
    ]);
    joined.left_join(agg, col("booking_id"), col("booking_id"))
}

/// `eligible` and `eligibility_source` columns (method rule 1). A booking named
/// by a rejected charge row (`charge_rejected`) gets no eligibility from its
/// charges: the unreadable row may be the charge that held it longest.
pub fn eligibility_exprs(charge_rejected: &PlHashSet<String>) -> [Expr; 2] {
    let mut complete = col("n_criminal").gt(lit(0)).and(col("n_open").eq(lit(0)));
    if !charge_rejected.is_empty() {
        let mut ids: Vec<&str> = charge_rejected.iter().map(String::as_str).collect();
        ids.sort_unstable();
        complete = complete.and(super::staged::not_in(
            "booking_id",
            Series::new("".into(), ids),
        ));
    }
    let from_charges = when(complete)
        .then(col("criminal_released_at"))
        .otherwise(lit(NULL).cast(DataType::Int64));
    [
        coalesce(&[col("eligible_at"), from_charges.clone()]).alias("eligible"),
        when(col("eligible_at").is_not_null())
            .then(lit("releases"))
            .when(from_charges.is_not_null())
            .then(lit("charges"))
            .otherwise(lit("none"))
            .alias("eligibility_source"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::frame::{i64s, strs};
    use crate::model::ChargeKind;
    use crate::rules::eligibility::{self, Charge};

    #[test]
    fn the_polars_eligibility_is_the_rule_s() {
        // Bookings B1..B6 with their release eligibility and charges
        // (kind, disposed), B5's charge rows partly rejected.
        let crim = Some(ChargeKind::Criminal);
        let hold = Some(ChargeKind::ImmigrationHold);
        let unknown = Some(ChargeKind::Unknown);
        let cases: Vec<(&str, Option<i64>, Vec<Charge>)> = vec![
            ("B1", Some(5), vec![]),
            (
                "B2",
                Some(5),
                vec![Charge {
                    kind: crim,
                    released_at: Some(9),
                }],
            ),
            (
                "B3",
                None,
                vec![
                    Charge {
                        kind: crim,
                        released_at: Some(7),
                    },
                    Charge {
                        kind: unknown,
                        released_at: Some(8),
                    },
                    Charge {
                        kind: hold,
                        released_at: None,
                    },
                ],
            ),
            (
                "B4",
                None,
                vec![
                    Charge {
                        kind: crim,
                        released_at: Some(7),
                    },
                    Charge {
                        kind: None,
                        released_at: None,
                    },
                ],
            ),
            (
                "B5",
                None,
                vec![Charge {
                    kind: crim,
                    released_at: Some(7),
                }],
            ),
            (
                "B6",
                None,
                vec![Charge {
                    kind: hold,
                    released_at: Some(7),
                }],
            ),
        ];
        let rejected: PlHashSet<String> = ["B5".to_string()].into_iter().collect();
        let bookings = DataFrame::new(
            cases.len(),
            vec![
                Column::new(
                    "booking_id".into(),
                    cases.iter().map(|c| c.0).collect::<Vec<_>>(),
                ),
                Column::new(
                    "eligible_at".into(),
                    cases.iter().map(|c| c.1).collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap();
        let rows: Vec<(&str, &Charge)> = cases
            .iter()
            .flat_map(|c| c.2.iter().map(move |ch| (c.0, ch)))
            .collect();
        let charges = DataFrame::new(
            rows.len(),
            vec![
                Column::new(
                    "booking_id".into(),
                    rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                ),
                Column::new(
                    "charge_kind".into(),
                    rows.iter()
                        .map(|r| r.1.kind.map(|k| k.name()))
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "charge_released_at".into(),
                    rows.iter().map(|r| r.1.released_at).collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap();
        let out = with_charges(bookings.lazy(), charges.lazy())
            .with_columns(eligibility_exprs(&rejected))
            .sort(["booking_id"], Default::default())
            .collect()
            .unwrap();
        let eligible = i64s(&out, "eligible").unwrap();
        let source = strs(&out, "eligibility_source").unwrap();
        for (i, (id, from_release, charges)) in cases.iter().enumerate() {
            let from_charges =
                eligibility::from_charges(charges, rejected.contains(*id)).map(|(t, _)| t);
            let (want, want_source) = eligibility::eligibility(*from_release, from_charges);
            assert_eq!(eligible[i], want, "{id}");
            assert_eq!(source[i].as_deref(), Some(want_source.name()), "{id}");
        }
        // And the values worked out by hand.
        assert_eq!(eligible, [Some(5), Some(5), Some(8), None, None, None]);
    }
}
