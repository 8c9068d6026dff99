//! What the report needs of one county, gathered when the county's own
//! outputs are written (so the run keeps counts, not rows): its summary's
//! months, the lengths of its holds by form, the share over the 48-hour
//! limit by form and year, its hold lengths and release-latency baseline
//! by year, its class list's totals, and the quality of its input files.
//! Nothing here names a person.

use crate::audit::frame::{f64s, i64s};
use crate::audit::{Audit, Hold};
use crate::calendar::local_date;
use crate::config::Pipeline;
use crate::county::Reconciled;
use crate::model::Status;
use crate::outputs::class::Member;
use chrono::Datelike;
use polars::prelude::*;
use std::collections::BTreeMap;

/// The hold-length bins of the report's histogram, in hours: each bin runs
/// up to its bound (the last has none). They roughly double, a log scale;
/// 48 hours is a bound, so the limit falls between two bars.
pub const LENGTH_BINS: [(f64, &str); 12] = [
    (1.0, "<1 h"),
    (2.0, "1-2 h"),
    (4.0, "2-4 h"),
    (8.0, "4-8 h"),
    (16.0, "8-16 h"),
    (24.0, "16-24 h"),
    (48.0, "1-2 d"),
    (72.0, "2-3 d"),
    (168.0, "3-7 d"),
    (336.0, "1-2 wk"),
    (672.0, "2-4 wk"),
    (f64::INFINITY, "4 wk+"),
];

/// The position of the bin ending at 48 hours.
pub const BIN_48H: usize = 6;

/// The bin of a hold of `minutes`.
pub fn length_bin(minutes: i64) -> usize {
    let hours = minutes as f64 / 60.0;
    LENGTH_BINS
        .iter()
        .position(|(bound, _)| hours < *bound)
        .unwrap_or(LENGTH_BINS.len() - 1)
}

/// One row of the county's summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
    pub bookings: i64,
    pub holds: i64,
    pub flagged: i64,
    pub over_limit: i64,
    pub warrant_unknown: i64,
    pub eligibility_unknown: i64,
    pub release_unknown: i64,
    pub open_holds: i64,
    pub hold_hours: f64,
    pub flagged_unwarranted_hours: f64,
}

/// One input file's accounting.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub input: usize,
    pub table: String,
    pub path: String,
    pub sha256: String,
    pub rows_in: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// (field, code, rows) of the codes no `[codes.*]` table maps.
    pub unmapped: Vec<(String, String, u64)>,
}

/// Everything the report shows of one county.
#[derive(Debug, Clone)]
pub struct CountyReport {
    pub slug: String,
    pub name: String,
    pub state: String,
    pub timezone: String,
    pub pipeline_file: String,
    pub as_of: String,
    pub as_of_source: String,
    pub since: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    /// The pipeline's rules' parameters, as the workbook's Method sheet
    /// shows them.
    pub params: Vec<(String, String)>,
    pub months: Vec<Month>,
    /// Measured holds (closed and open) per form (`None`: no detainer in
    /// force) and length bin.
    pub lengths: BTreeMap<Option<String>, [u64; LENGTH_BINS.len()]>,
    /// Per form and local year of `hold_start`: holds over the limit, and
    /// holds with a clock.
    pub limits: BTreeMap<(String, i32), (u64, u64)>,
    /// Minutes of the measured holds, by local year of `hold_start`.
    pub hold_minutes: BTreeMap<i32, Vec<i64>>,
    /// Release-latency baseline by year: median minutes and bookings.
    pub baseline: BTreeMap<i32, (f64, u64)>,
    /// People with a flagged hold (distinct person keys).
    pub flagged_people: u64,
    pub members: u64,
    pub days_held: i64,
    pub damages: f64,
    pub files: Vec<FileRow>,
    pub rejected: u64,
}

/// The report's totals of a county's class members, gathered as they are
/// written.
#[derive(Default)]
pub struct MemberTotals {
    pub days_held: i64,
    /// Each member's estimate, in the list's order (summed in that order).
    pub damages: Vec<f64>,
}

impl MemberTotals {
    pub fn add(&mut self, m: &Member) {
        self.days_held += m.days_held;
        self.damages.push(m.damages_estimate);
    }

    /// How many members.
    pub fn count(&self) -> usize {
        self.damages.len()
    }
}

/// The report's figures of a county's hold rows, gathered a hold at a time
/// (a county's holds are read back in batches: `audit::kept`).
#[derive(Default)]
pub struct HoldFigures {
    lengths: BTreeMap<Option<String>, [u64; LENGTH_BINS.len()]>,
    limits: BTreeMap<(String, i32), (u64, u64)>,
    hold_minutes: BTreeMap<i32, Vec<i64>>,
}

impl HoldFigures {
    pub fn add(&mut self, p: &Pipeline, h: &Hold) {
        let (Some(minutes), Some(start)) = (h.hold_minutes, h.hold_start) else {
            return;
        };
        debug_assert!(matches!(h.status, Status::Closed | Status::Open));
        let year = local_date(start, &p.tz).year();
        self.lengths
            .entry(h.form.map(|f| f.to_string()))
            .or_insert([0; LENGTH_BINS.len()])[length_bin(minutes)] += 1;
        self.hold_minutes.entry(year).or_default().push(minutes);
        if let (Some(form), Some(over)) = (h.form, h.over_limit) {
            let e = self.limits.entry((form.to_string(), year)).or_default();
            e.0 += u64::from(over);
            e.1 += 1;
        }
    }
}

impl CountyReport {
    /// Gathers the county's figures; `summary` is the frame written to
    /// `summary/`, so the report shows the same numbers, `holds` its
    /// hold rows' figures and `flagged_people` the persons with a flagged
    /// hold.
    #[allow(clippy::too_many_arguments)]
    pub fn collect(
        p: &Pipeline,
        audit: &Audit,
        summary: &DataFrame,
        holds: HoldFigures,
        flagged_people: u64,
        members: &MemberTotals,
        files: &[Reconciled],
        rejected: u64,
    ) -> PolarsResult<CountyReport> {
        let HoldFigures {
            lengths,
            limits,
            mut hold_minutes,
        } = holds;
        for v in hold_minutes.values_mut() {
            v.sort_unstable();
        }
        Ok(CountyReport {
            slug: p.slug.clone(),
            name: p.county.clone(),
            state: p.state.clone(),
            timezone: p.tz.name().to_string(),
            pipeline_file: p.file.to_string_lossy().replace('\\', "/"),
            as_of: crate::outputs::local_text(audit.as_of, &p.tz),
            as_of_source: audit.as_of_source.to_string(),
            since: p.rules.since,
            until: p.rules.until,
            params: params(p),
            months: months(summary)?,
            lengths,
            limits,
            hold_minutes,
            baseline: audit.baseline.clone(),
            flagged_people,
            members: members.count() as u64,
            days_held: members.days_held,
            damages: members.damages.iter().sum(),
            files: files
                .iter()
                .map(|f| FileRow {
                    input: f.input,
                    table: f.table.clone(),
                    path: f.stats.display.clone(),
                    sha256: f.stats.sha256.clone(),
                    rows_in: f.stats.rows_in,
                    rows_used: f.rows_used(),
                    rows_rejected: f.rows_rejected,
                    rejected_by_reason: f.rejected_by_reason.clone(),
                    unmapped: f
                        .stats
                        .unmapped
                        .iter()
                        .flat_map(|(field, codes)| {
                            codes
                                .iter()
                                .map(move |(code, n)| (field.clone(), code.clone(), *n))
                        })
                        .collect(),
                })
                .collect(),
            rejected,
        })
    }
}

/// The rules' parameters of a pipeline.
fn params(p: &Pipeline) -> Vec<(String, String)> {
    let r = &p.rules;
    vec![
        ("time zone".into(), p.tz.name().to_string()),
        ("since".into(), r.since.to_string()),
        (
            "until".into(),
            r.until.map_or("none".into(), |u| u.to_string()),
        ),
        ("grace_minutes".into(), r.grace_minutes.to_string()),
        (
            "damages".into(),
            format!("{} per day, capped at {}", r.per_day, r.cap),
        ),
        ("missing warrant read as".into(), r.missing_warrant.clone()),
        ("max_reject_rate".into(), r.max_reject_rate.to_string()),
    ]
}

/// The rows of a county's summary frame.
fn months(summary: &DataFrame) -> PolarsResult<Vec<Month>> {
    let int = |name: &str| i64s(summary, name);
    let (year, month) = (int("year")?, int("month")?);
    let (bookings, holds, flagged) = (int("bookings")?, int("holds")?, int("flagged")?);
    let (over, wu, eu, ru, open) = (
        int("over_limit")?,
        int("warrant_unknown")?,
        int("eligibility_unknown")?,
        int("release_unknown")?,
        int("open_holds")?,
    );
    let hours = f64s(summary, "hold_hours_total")?;
    let unwarranted = f64s(summary, "flagged_unwarranted_hours_total")?;
    Ok((0..summary.height())
        .map(|i| Month {
            year: year[i].unwrap_or(0) as i32,
            month: month[i].unwrap_or(0) as u32,
            bookings: bookings[i].unwrap_or(0),
            holds: holds[i].unwrap_or(0),
            flagged: flagged[i].unwrap_or(0),
            over_limit: over[i].unwrap_or(0),
            warrant_unknown: wu[i].unwrap_or(0),
            eligibility_unknown: eu[i].unwrap_or(0),
            release_unknown: ru[i].unwrap_or(0),
            open_holds: open[i].unwrap_or(0),
            hold_hours: hours[i].unwrap_or(0.0),
            flagged_unwarranted_hours: unwarranted[i].unwrap_or(0.0),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_fall_in_their_bins_and_48_hours_is_a_bound() {
        assert_eq!(length_bin(0), 0);
        assert_eq!(length_bin(59), 0);
        assert_eq!(length_bin(60), 1);
        assert_eq!(length_bin(48 * 60 - 1), BIN_48H);
        assert_eq!(length_bin(48 * 60), BIN_48H + 1);
        assert_eq!(LENGTH_BINS[BIN_48H].0, 48.0);
        assert_eq!(length_bin(i64::MAX / 2), LENGTH_BINS.len() - 1);
    }
}
