//! Bookings per local month (the summary's `bookings` and
//! `bookings_with_detainer`).

use super::frame::i64s;
use super::local;
use polars::prelude::*;
use std::collections::BTreeMap;

/// Bookings and bookings with a detainer per local month of `booked_at`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthCounts {
    pub bookings: u64,
    pub bookings_with_detainer: u64,
}

/// Bookings per local month of `booked_at`, and among them the bookings
/// with a detainer (`cases`, already materialized: counting them there
/// spares a join of every booking with the detainers' booking ids).
pub(super) fn month_counts(
    joined: &LazyFrame,
    cases: &DataFrame,
    tz: chrono_tz::Tz,
    engine: Engine,
) -> PolarsResult<BTreeMap<(i32, u32), MonthCounts>> {
    let per_month = |bookings: LazyFrame| -> PolarsResult<Vec<((i32, u32), u64)>> {
        let df = bookings
            .select([local::local_month_index("booked_at", tz, "month")])
            .group_by([col("month")])
            .agg([len().alias("n")])
            .collect_with_engine(engine)?
            .unwrap_single();
        let months = i64s(&df, "month")?;
        let n = i64s(&df, "n")?;
        Ok((0..df.height())
            .filter_map(|i| {
                let month = local::month_of_index(i32::try_from(months[i]?).ok()?);
                Some((month, n[i].unwrap_or(0) as u64))
            })
            .collect())
    };
    let mut out: BTreeMap<_, MonthCounts> = BTreeMap::new();
    for (month, n) in per_month(joined.clone())? {
        out.entry(month).or_default().bookings = n;
    }
    for (month, n) in per_month(cases.clone().lazy())? {
        out.entry(month).or_default().bookings_with_detainer = n;
    }
    Ok(out)
}
