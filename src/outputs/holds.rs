//! The holds table: one row per booking with a detainer lodged
//! before release, datetimes as timestamps in the county's time zone; and
//! the hold detainers table: each detainer of each hold, with the part of
//! the hold it was in force for, which `explain` reads.

use crate::audit::Hold;
use crate::config::Pipeline;
use polars::prelude::*;

use super::datetime_column;
use super::privacy::{dob_column, Privacy};

/// A list-of-text column (the evidence rows of each hold).
pub(super) fn list_column<T>(name: &str, rows: &[T], f: impl Fn(&T) -> &Vec<String>) -> Column {
    let values: usize = rows.iter().map(|r| f(r).len()).sum();
    let mut b = ListStringChunkedBuilder::new(name.into(), rows.len(), values);
    for r in rows {
        b.append_values_iter(f(r).iter().map(String::as_str));
    }
    b.finish().into_column()
}

pub fn holds_frame(p: &Pipeline, holds: &[Hold], privacy: &Privacy) -> PolarsResult<DataFrame> {
    let tz = p.tz.name();
    let s = |name: &str, f: &dyn Fn(&Hold) -> Option<String>| -> Column {
        Column::new(name.into(), holds.iter().map(f).collect::<Vec<_>>())
    };
    let t = |name: &str, f: &dyn Fn(&Hold) -> Option<i64>| -> PolarsResult<Column> {
        datetime_column(name, holds.iter().map(f).collect(), tz)
    };
    let cols = vec![
        // `county` is the slug, as in the Hive folder name, so that readers
        // that take it from the path (DuckDB) and from the file agree.
        s("county", &|_| Some(p.slug.clone())),
        s("county_name", &|_| Some(p.county.clone())),
        s("booking_id", &|h| {
            Some(privacy.value("booking_id", &h.booking_id))
        }),
        s("person_key", &|h| {
            Some(privacy.value("person_key", &h.person_key))
        }),
        s("match_basis", &|h| Some(h.match_basis.to_string())),
        s("person_id", &|h| {
            privacy.opt("person_id", h.person_id.as_deref())
        }),
        s("last_name", &|h| {
            privacy.opt("name", h.last_name.as_deref())
        }),
        s("first_name", &|h| {
            privacy.opt("name", h.first_name.as_deref())
        }),
        dob_column(privacy, holds.iter().map(|h| h.dob).collect())?,
        t("booked_at", &|h| Some(h.booked_at))?,
        t("eligible_at", &|h| h.eligible_at)?,
        s("eligibility_source", &|h| {
            Some(h.eligibility_source.to_string())
        }),
        t("first_lodged_at", &|h| Some(h.first_lodged_at))?,
        t("hold_start", &|h| h.hold_start)?,
        t("hold_end", &|h| h.hold_end)?,
        Column::new(
            "hold_minutes".into(),
            holds.iter().map(|h| h.hold_minutes).collect::<Vec<_>>(),
        ),
        Column::new(
            "unwarranted_minutes".into(),
            holds
                .iter()
                .map(|h| h.unwarranted_minutes)
                .collect::<Vec<_>>(),
        ),
        s("status", &|h| Some(h.status.to_string())),
        Column::new(
            "past_release".into(),
            holds.iter().map(|h| h.past_release).collect::<Vec<_>>(),
        ),
        s("form", &|h| h.form.map(|f| f.to_string())),
        s("warrant_status", &|h| Some(h.warrant_status.to_string())),
        Column::new(
            "flagged".into(),
            holds.iter().map(|h| h.flagged).collect::<Vec<_>>(),
        ),
        Column::new(
            "over_limit".into(),
            holds.iter().map(|h| h.over_limit).collect::<Vec<_>>(),
        ),
        Column::new(
            "limit_hours_counted".into(),
            holds
                .iter()
                .map(|h| h.limit_hours_counted)
                .collect::<Vec<_>>(),
        ),
        s("regime", &|h| Some(h.regime.to_string())),
        t("released_at", &|h| h.released_at)?,
        s("release_source", &|h| Some(h.release_source.to_string())),
        s("release_reason", &|h| {
            h.release_reason.map(|r| r.to_string())
        }),
        s("bail_status", &|h| h.bail_status.map(|b| b.to_string())),
        Column::new(
            "final_order".into(),
            holds.iter().map(|h| h.final_order).collect::<Vec<_>>(),
        ),
        Column::new(
            "transferred_to_ice".into(),
            holds
                .iter()
                .map(|h| h.transferred_to_ice)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "detainers".into(),
            holds.iter().map(|h| h.detainers as i64).collect::<Vec<_>>(),
        ),
        s("detainer_ids", &|h| {
            Some(privacy.list("detainer_id", &h.detainer_ids))
        }),
        list_column("eligibility_from", holds, |h| &h.eligibility_from),
        s("release_from", &|h| h.release_from.clone()),
        list_column("detainer_rows", holds, |h| &h.detainer_rows),
        s("source_file", &|h| Some(h.source_file.clone())),
        Column::new(
            "source_row".into(),
            holds.iter().map(|h| h.source_row).collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(holds.len(), cols)
}

/// One row per detainer of each hold, in the holds' order and each hold's
/// lodging order.
pub fn hold_detainers_frame(
    p: &Pipeline,
    holds: &[Hold],
    privacy: &Privacy,
) -> PolarsResult<DataFrame> {
    let tz = p.tz.name();
    let rows: Vec<(&Hold, &crate::audit::HoldDetainer)> = holds
        .iter()
        .flat_map(|h| h.detainer_details.iter().map(move |d| (h, d)))
        .collect();
    type Row<'a> = (&'a Hold, &'a crate::audit::HoldDetainer);
    let s = |name: &str, f: &dyn Fn(&Row) -> Option<String>| -> Column {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let t = |name: &str, f: &dyn Fn(&Row) -> Option<i64>| -> PolarsResult<Column> {
        datetime_column(name, rows.iter().map(f).collect(), tz)
    };
    let cols = vec![
        s("county", &|_| Some(p.slug.clone())),
        s("booking_id", &|(h, _)| {
            Some(privacy.value("booking_id", &h.booking_id))
        }),
        s("detainer_id", &|(_, d)| {
            privacy.opt("detainer_id", d.detainer_id.as_deref())
        }),
        s("source_file", &|(_, d)| Some(d.source_file.clone())),
        Column::new(
            "source_row".into(),
            rows.iter().map(|(_, d)| d.source_row).collect::<Vec<_>>(),
        ),
        t("lodged_at", &|(_, d)| Some(d.lodged_at))?,
        t("lifted_at", &|(_, d)| d.lifted_at)?,
        t("ice_custody_at", &|(_, d)| d.ice_custody_at)?,
        s("form", &|(_, d)| d.form.map(|f| f.to_string())),
        s("warrant", &|(_, d)| Some(d.warrant.to_string())),
        Column::new(
            "in_force".into(),
            rows.iter().map(|(_, d)| d.in_force).collect::<Vec<_>>(),
        ),
        t("in_force_from", &|(_, d)| d.in_force_during.map(|s| s.0))?,
        t("in_force_to", &|(_, d)| d.in_force_during.map(|s| s.1))?,
    ];
    DataFrame::new(rows.len(), cols)
}
