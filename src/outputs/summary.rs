//! The per-county monthly summary: no names, no dates of birth. Its
//! columns are defined in docs/METHOD.md ("The summary").
//!
//! One row per month from `rules.since` (or 2011-01) to the month of `as_of`
//! (or `rules.until`), zeros where nothing happened, so that a missing month
//! can never be mistaken for a month without holds. Holds count in the local
//! month of `hold_start` (of the first lodging when eligibility is unknown);
//! bookings in the local month of `booked_at`.

use super::class::PERSONS_IN_MEMORY;
use super::quantile;
use super::runs::Runs;
use crate::audit::{Audit, Hold};
use crate::calendar::local_date;
use crate::config::Pipeline;
use crate::model::{Status, Warrant};
use crate::rules::regime::regime;
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Default)]
struct Month {
    holds: i64,
    flagged: i64,
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
    /// bookings and baseline, and the distinct persons flagged.
    pub fn frame(
        self,
        p: &Pipeline,
        audit: &Audit,
        flagged: &FlaggedCounts,
    ) -> PolarsResult<DataFrame> {
        months_frame(p, audit, self.months, flagged)
    }
}

/// Per person with a flagged hold, the months of those holds: gathered a
/// hold at a time, at most [`PERSONS_IN_MEMORY`] persons in memory (see
/// `super::runs`), for the distinct persons flagged per month (the
/// summary), per year (the workbook's Summary sheet) and in all (the
/// report).
pub struct FlaggedPersons {
    by_person: Runs<String, Vec<(i32, u32)>>,
}

/// The distinct persons with a flagged hold, by the local year and month
/// of the hold (as `year` and `month` of the hold rows).
#[derive(Debug, Default, PartialEq)]
pub struct FlaggedCounts {
    pub months: BTreeMap<(i32, u32), u64>,
    pub years: BTreeMap<i32, u64>,
    pub persons: u64,
}

/// Adds `month` to the sorted `months`, once.
fn add_month(months: &mut Vec<(i32, u32)>, month: (i32, u32)) {
    if let Err(i) = months.binary_search(&month) {
        months.insert(i, month);
    }
}

impl FlaggedPersons {
    /// Work files named `{tag}.flagged…` in `dir`.
    pub fn new(dir: &Path, tag: &str) -> FlaggedPersons {
        FlaggedPersons::with_limit(dir, tag, PERSONS_IN_MEMORY)
    }

    fn with_limit(dir: &Path, tag: &str, limit: usize) -> FlaggedPersons {
        FlaggedPersons {
            by_person: Runs::new(dir, &format!("{tag}.flagged"), limit),
        }
    }

    pub fn add(&mut self, h: &Hold) -> std::io::Result<()> {
        if h.flagged {
            let months =
                self.by_person
                    .entry(h.person_key.as_str(), || h.person_key.clone(), Vec::new)?;
            add_month(months, (h.year, h.month));
        }
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<FlaggedCounts> {
        let mut counts = FlaggedCounts::default();
        let merged = self.by_person.finish(|months, later| {
            for m in later {
                add_month(months, m);
            }
        })?;
        for entry in merged {
            let (_, months) = entry?;
            counts.persons += 1;
            let mut year = None;
            for &(y, m) in &months {
                *counts.months.entry((y, m)).or_default() += 1;
                if year != Some(y) {
                    *counts.years.entry(y).or_default() += 1;
                    year = Some(y);
                }
            }
        }
        Ok(counts)
    }
}

fn months_frame(
    p: &Pipeline,
    audit: &Audit,
    mut months: BTreeMap<(i32, u32), Month>,
    flagged: &FlaggedCounts,
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
            flagged.months.get(key).copied().unwrap_or(0) as i64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::kept::sample::{hold, Rng};
    use std::collections::BTreeSet;

    /// The distinct persons flagged, gathered a hold at a time in memory or
    /// through run files, are those counted with a set of person keys per
    /// month, per year and in all.
    #[test]
    fn flagged_persons_are_the_distinct_keys_of_the_flagged_holds() {
        let dir = tempfile::tempdir().unwrap();
        for seed in 1..=10u64 {
            let r = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
            // Few persons over few months, so that most are flagged in
            // several months and years, some in one month twice.
            let holds: Vec<Hold> = (0..500)
                .map(|i| {
                    let mut h = hold(&r, i, 50);
                    h.year = 2019 + r.below(3) as i32;
                    h.month = 1 + r.below(4) as u32;
                    h
                })
                .collect();
            let mut months: BTreeMap<(i32, u32), BTreeSet<&str>> = BTreeMap::new();
            let mut years: BTreeMap<i32, BTreeSet<&str>> = BTreeMap::new();
            let mut all = BTreeSet::new();
            for h in holds.iter().filter(|h| h.flagged) {
                months
                    .entry((h.year, h.month))
                    .or_default()
                    .insert(&h.person_key);
                years.entry(h.year).or_default().insert(&h.person_key);
                all.insert(h.person_key.as_str());
            }
            let want = FlaggedCounts {
                months: months
                    .into_iter()
                    .map(|(k, s)| (k, s.len() as u64))
                    .collect(),
                years: years
                    .into_iter()
                    .map(|(k, s)| (k, s.len() as u64))
                    .collect(),
                persons: all.len() as u64,
            };
            assert!(want.persons > 20 && want.months.len() == 12, "seed {seed}");
            for limit in [usize::MAX, 1, 6] {
                let mut flagged = FlaggedPersons::with_limit(dir.path(), "t", limit);
                for h in &holds {
                    flagged.add(h).unwrap();
                }
                assert_eq!(
                    flagged.finish().unwrap(),
                    want,
                    "seed {seed}, {limit} a run"
                );
            }
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "files removed"
        );
    }
}
