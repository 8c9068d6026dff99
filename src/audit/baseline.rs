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

/// Per year, the median of the parts' latencies and how many there are.
pub fn baseline(parts: Vec<DataFrame>) -> PolarsResult<BTreeMap<i32, (f64, u64)>> {
    if parts.is_empty() {
        return Ok(BTreeMap::new());
    }
    let df = concat(
        parts.into_iter().map(|p| p.lazy()).collect::<Vec<_>>(),
        UnionArgs::default(),
    )?
    .group_by([col("year")])
    .agg([col("minutes").median().alias("median"), len().alias("n")])
    .collect()?;
    let years = i64s(&df, "year")?;
    let med = f64s(&df, "median")?;
    let n = i64s(&df, "n")?;
    Ok((0..df.height())
        .filter_map(|i| Some((years[i]? as i32, (med[i]?, n[i].unwrap_or(0) as u64))))
        .collect())
}
