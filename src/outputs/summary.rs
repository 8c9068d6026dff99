//! The per-county monthly summary: no names, no dates of birth. Its
//! columns are defined in docs/METHOD.md ("The summary").
//!
//! One row per month from `rules.since` (or 2011-01) to the month of `as_of`
//! (or `rules.until`), zeros where nothing happened, so that a missing month
//! can never be mistaken for a month without holds. Holds count in the local
//! month of `hold_start` (of the first lodging when eligibility is unknown);
//! bookings in the local month of `booked_at`.

use super::quantile;
use crate::audit::{Audit, Hold};
use crate::calendar::local_date;
use crate::config::Pipeline;
use crate::model::{Status, Warrant};
use crate::rules::regime::regime;
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct Month {
    holds: i64,
    flagged: i64,
    flagged_persons: BTreeSet<String>,
    over_limit: i64,
    warrant_unknown: i64,
    eligibility_unknown: i64,
    release_unknown: i64,
    open_holds: i64,
    hours: Vec<f64>,
    flagged_hours: f64,
    flagged_unwarranted_hours: f64,
    transferred: i64,
}

/// The hold rows' part of the summary, gathered a hold at a time (a
/// county's holds are read back in batches: `audit::kept`).
#[derive(Default)]
pub struct HoldMonths {
    months: BTreeMap<(i32, u32), Month>,
}

impl HoldMonths {
    pub fn add(&mut self, p: &Pipeline, h: &Hold) {
        let m = self.months.entry((h.year, h.month)).or_default();
        m.holds += 1;
        if h.flagged {
            m.flagged += 1;
            m.flagged_persons.insert(h.person_key.clone());
            m.flagged_hours += h.hold_minutes.unwrap_or(0) as f64 / 60.0;
            m.flagged_unwarranted_hours += h.unwarranted_minutes.unwrap_or(0) as f64 / 60.0;
        }
        m.over_limit += i64::from(h.over_limit == Some(true));
        // What would be flagged if the unknown warrants were not judicial.
        m.warrant_unknown += i64::from(
            h.warrant_status == Warrant::Unknown
                && h.unwarranted_minutes
                    .is_some_and(|u| u > p.rules.grace_minutes),
        );
        m.eligibility_unknown += i64::from(h.status == Status::EligibilityUnknown);
        m.release_unknown += i64::from(h.status == Status::ReleaseUnknown);
        m.open_holds += i64::from(h.status == Status::Open);
        m.transferred += i64::from(h.transferred_to_ice);
        if let Some(min) = h.hold_minutes {
            m.hours.push(min as f64 / 60.0);
        }
    }

    /// The summary frame: these holds' months beside the audit's monthly
    /// bookings and baseline.
    pub fn frame(self, p: &Pipeline, audit: &Audit) -> PolarsResult<DataFrame> {
        months_frame(p, audit, self.months)
    }
}

pub fn summary_frame(p: &Pipeline, audit: &Audit) -> PolarsResult<DataFrame> {
    let mut months = HoldMonths::default();
    audit.holds.for_each(|h| {
        months.add(p, h);
        PolarsResult::Ok(())
    })?;
    months.frame(p, audit)
}

fn months_frame(
    p: &Pipeline,
    audit: &Audit,
    mut months: BTreeMap<(i32, u32), Month>,
) -> PolarsResult<DataFrame> {
    let first = (p.rules.since.year(), p.rules.since.month());
    let as_of_day = local_date(audit.as_of, &p.tz);
    let mut last = (as_of_day.year(), as_of_day.month());
    if let Some(u) = p.rules.until {
        last = last.min((u.year(), u.month()));
    }
    let mut keys = Vec::new();
    let mut k = first;
    while k <= last {
        keys.push(k);
        k = if k.1 == 12 {
            (k.0 + 1, 1)
        } else {
            (k.0, k.1 + 1)
        };
    }

    let n = keys.len();
    let mut cols: Vec<(&str, Vec<Option<i64>>)> = [
        "bookings",
        "bookings_with_detainer",
        "holds",
        "flagged",
        "flagged_persons",
        "over_limit",
        "warrant_unknown",
        "eligibility_unknown",
        "release_unknown",
        "open_holds",
        "transferred_to_ice",
    ]
    .into_iter()
    .map(|c| (c, Vec::with_capacity(n)))
    .collect();
    let mut floats: Vec<(&str, Vec<Option<f64>>)> = [
        "hold_hours_total",
        "hold_hours_median",
        "hold_hours_p90",
        "hold_hours_max",
        "flagged_hold_hours_total",
        "flagged_unwarranted_hours_total",
        "baseline_release_minutes_median",
    ]
    .into_iter()
    .map(|c| (c, Vec::with_capacity(n)))
    .collect();
    let mut regimes = Vec::with_capacity(n);
    let empty = Month::default();
    for key in &keys {
        let counts = audit.months.get(key).copied().unwrap_or_default();
        let m = months.get_mut(key).map(|m| &mut *m);
        let m: &Month = match m {
            Some(m) => {
                m.hours.sort_by(f64::total_cmp);
                m
            }
            None => &empty,
        };
        let ints = [
            counts.bookings as i64,
            counts.bookings_with_detainer as i64,
            m.holds,
            m.flagged,
            m.flagged_persons.len() as i64,
            m.over_limit,
            m.warrant_unknown,
            m.eligibility_unknown,
            m.release_unknown,
            m.open_holds,
            m.transferred,
        ];
        for (c, v) in cols.iter_mut().zip(ints) {
            c.1.push(Some(v));
        }
        let fl = [
            Some(m.hours.iter().sum::<f64>()),
            quantile(&m.hours, 0.5),
            quantile(&m.hours, 0.9),
            m.hours.last().copied(),
            Some(m.flagged_hours),
            Some(m.flagged_unwarranted_hours),
            audit.baseline.get(&key.0).map(|b| b.0),
        ];
        for (c, v) in floats.iter_mut().zip(fl) {
            c.1.push(v);
        }
        let day = NaiveDate::from_ymd_opt(key.0, key.1, 1).expect("months built above exist");
        regimes.push(regime(&p.state, day).name());
    }

    let mut columns = vec![
        Column::new("county".into(), vec![p.slug.as_str(); n]),
        Column::new("county_name".into(), vec![p.county.as_str(); n]),
        Column::new("year".into(), keys.iter().map(|k| k.0).collect::<Vec<_>>()),
        Column::new(
            "month".into(),
            keys.iter().map(|k| k.1 as i32).collect::<Vec<_>>(),
        ),
    ];
    for (name, v) in cols {
        columns.push(Column::new(name.into(), v));
    }
    for (name, v) in floats {
        columns.push(Column::new(name.into(), v));
    }
    columns.push(Column::new("regime".into(), regimes));
    DataFrame::new(n, columns)
}
