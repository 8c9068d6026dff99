//! The rules of one hold row, together: method rules 2 to 8 over the typed
//! values of one booking (no polars). The audit feeds every booking with a
//! detainer through [`evaluate`]; the tests hold it against a brute-force
//! reference.
//!
//! What it does: decides whether the hold can be measured (eligibility and
//! release known, or the person still held), measures it (rules 3, 4), judges
//! its warrant (6), its flag (5, 7) and its form's clock (8).
//!
//! Why: each doubt the export leaves is read the way that gives the shorter
//! hold: a release row that could not be read leaves the hold unmeasured
//! (`release_unknown`), never measured to `as_of`.
//!
//! Example: eligible 2019-03-04 10:00, an I-247A with an I-200 lodged 08:00,
//! released 16:00 (Los Angeles): closed, 360 minutes, all unwarranted,
//! `administrative`, flagged, 6 hours on the I-247A's calendar clock.

use super::interval::{self, Detainer};
pub use super::release::Release;
use super::{flag, limit48, warrant};
pub use crate::model::Status;
use crate::model::{Form, Warrant};
use chrono::NaiveDate;
use chrono_tz::Tz;

/// The pipeline's parameters the rules read.
#[derive(Debug, Clone)]
pub struct Params {
    /// When the export was taken (UTC microseconds): open holds end here.
    pub as_of: i64,
    pub grace_minutes: i64,
    /// The reading of an empty warrant field (`rules.missing_warrant`).
    pub missing_warrant: Warrant,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub tz: Tz,
}

/// The rules' results for one hold row.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub status: Status,
    pub hold_start: Option<i64>,
    pub hold_end: Option<i64>,
    pub hold_minutes: Option<i64>,
    pub unwarranted_minutes: Option<i64>,
    /// The form of the detainer in force at `hold_start`; `None` when no
    /// detainer was.
    pub form: Option<Form>,
    pub warrant_status: Warrant,
    pub past_release: Option<bool>,
    pub flagged: bool,
    pub over_limit: Option<bool>,
    pub limit_hours_counted: Option<f64>,
    /// The pieces of the hold (`[from, to)`, UTC microseconds).
    pub pieces: Vec<(i64, i64)>,
    /// For each detainer given (in the order given): whether it was in force
    /// during the hold (for a hold of no length: at its start; for a hold
    /// not measured: lodged before the release).
    pub in_force: Vec<bool>,
}

/// Lodging order: the "earliest lodged" of method rule 8, ties broken by the
/// detainer id and then the source row, so that the choice is reproducible.
fn lodging_order(detainers: &[&Detainer]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..detainers.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (detainers[a], detainers[b]);
        (a.lodged_at, &a.detainer_id, &a.source_file, a.source_row).cmp(&(
            b.lodged_at,
            &b.detainer_id,
            &b.source_file,
            b.source_row,
        ))
    });
    order
}

/// Method rules 2 to 8 for one booking. `detainers` are those lodged before its
/// release (see [`interval::lodged_before`]; non-empty for a hold row).
pub fn evaluate(
    eligible_at: Option<i64>,
    release: Release,
    detainers: &[&Detainer],
    p: &Params,
) -> Evaluated {
    let order = lodging_order(detainers);
    let (end, status) = match (eligible_at, release) {
        (_, Release::Unknown) => (None, Status::ReleaseUnknown),
        (None, _) => (None, Status::EligibilityUnknown),
        (Some(_), Release::At(r)) => (Some(r), Status::Closed),
        (Some(_), Release::Open) => (Some(p.as_of), Status::Open),
    };
    let (Some(eligible), Some(end)) = (eligible_at, end) else {
        // Not measured: the detainers on file describe the row.
        let first = order.first().map(|&i| detainers[i]);
        return Evaluated {
            status,
            hold_start: None,
            hold_end: if status == Status::EligibilityUnknown {
                release.at()
            } else {
                None
            },
            hold_minutes: None,
            unwarranted_minutes: None,
            form: first.map(|d| d.form.unwrap_or(Form::Unknown)),
            warrant_status: warrant::on_file(detainers, p.missing_warrant),
            past_release: None,
            flagged: false,
            over_limit: None,
            limit_hours_counted: None,
            pieces: Vec::new(),
            in_force: vec![true; detainers.len()],
        };
    };

    let time = interval::hold(eligible, end, detainers);
    let minutes = time.minutes();
    let judged = warrant::judge(&time, detainers, p.missing_warrant);
    let in_force: Vec<bool> = if time.pieces.is_empty() {
        detainers
            .iter()
            .map(|d| d.in_force_at(time.start))
            .collect()
    } else {
        time.in_force.iter().map(Option::is_some).collect()
    };
    // The earliest lodged of the detainers in force at the start.
    let form_of = order
        .iter()
        .copied()
        .find(|&i| in_force[i] && detainers[i].in_force_at(time.start))
        .map(|i| detainers[i]);
    let form = form_of.map(|d| d.form.unwrap_or(Form::Unknown));
    let (over_limit, limit_hours) = limit48::limit(form, &time.pieces, &p.tz);
    let start_day = crate::calendar::local_date(time.start, &p.tz);
    // Open only while a detainer is still in force at `as_of`.
    let still_held = !time.pieces.is_empty() && time.end == p.as_of;
    let status = if status == Status::Open && !still_held {
        Status::Closed
    } else {
        status
    };
    Evaluated {
        status,
        hold_start: Some(time.start),
        hold_end: Some(time.end),
        hold_minutes: Some(minutes),
        unwarranted_minutes: Some(judged.unwarranted_minutes),
        form,
        warrant_status: judged.status,
        past_release: flag::past_release(Some(minutes), p.grace_minutes),
        flagged: flag::flagged(
            Some(judged.unwarranted_minutes),
            p.grace_minutes,
            judged.status,
            Some(start_day),
            p.since,
            p.until,
        ),
        over_limit,
        limit_hours_counted: limit_hours,
        pieces: time.pieces,
        in_force,
    }
}
