//! The hold rows: for each booking with a detainer, its facts read from
//! the collected cases, handed to `rules::hold::evaluate`, and the row the
//! outputs write, with the evidence of the rows that decided it.

use super::evidence::place;
use super::frame::{bools, days, i64s, strs};
use crate::calendar::local_date;
use crate::config::Pipeline;
use crate::ingest::{Reject, SOURCE_FILE, SOURCE_LINE, SOURCE_ROW};
use crate::model::{
    BailStatus, EligibilitySource, Form, MatchBasis, Regime, ReleaseReason, ReleaseSource, Status,
    Table, Warrant,
};
use crate::rules::interval::{self, Detainer};
use crate::rules::{hold, person, plausibility, regime, release};
use chrono::Datelike;
use polars::prelude::*;
use std::collections::BTreeMap;

/// One row of the holds table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hold {
    pub booking_id: String,
    pub person_key: String,
    pub match_basis: MatchBasis,
    pub person_id: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    /// Days since 1970-01-01.
    pub dob: Option<i32>,
    pub booked_at: i64,
    pub eligible_at: Option<i64>,
    pub eligibility_source: EligibilitySource,
    pub first_lodged_at: i64,
    pub hold_start: Option<i64>,
    pub hold_end: Option<i64>,
    pub hold_minutes: Option<i64>,
    /// The part of the hold before a judicial warrant came into force.
    pub unwarranted_minutes: Option<i64>,
    pub status: Status,
    pub past_release: Option<bool>,
    /// The form of the detainer in force at `hold_start`; `None` when no
    /// detainer was in force after eligibility.
    pub form: Option<Form>,
    pub warrant_status: Warrant,
    pub flagged: bool,
    pub over_limit: Option<bool>,
    pub limit_hours_counted: Option<f64>,
    pub regime: Regime,
    /// The release the hold was measured to: the export's `released_at`, or
    /// the earliest ICE custody time where it has none.
    pub released_at: Option<i64>,
    /// Where `released_at` came from.
    pub release_source: ReleaseSource,
    pub release_reason: Option<ReleaseReason>,
    pub bail_status: Option<BailStatus>,
    pub final_order: Option<bool>,
    pub transferred_to_ice: bool,
    pub detainers: u32,
    pub detainer_ids: String,
    /// Evidence: the release or charge rows that set `eligible_at`,
    /// the row that set `released_at`, and the detainer rows in force during
    /// the hold, each as `file row N`.
    pub eligibility_from: Vec<String>,
    pub release_from: Option<String>,
    pub detainer_rows: Vec<String>,
    /// Every detainer lodged before the release, in lodging order.
    pub detainer_details: Vec<HoldDetainer>,
    /// The month a hold is counted in: local year and month of `hold_start`,
    /// or of the first lodging when the start is unknown.
    pub year: i32,
    pub month: u32,
    pub source_file: String,
    pub source_row: i64,
}

/// One detainer of a hold, as the `hold_detainers` output shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HoldDetainer {
    pub detainer_id: Option<String>,
    pub source_file: String,
    pub source_row: i64,
    pub lodged_at: i64,
    pub lifted_at: Option<i64>,
    pub ice_custody_at: Option<i64>,
    pub form: Option<Form>,
    /// The warrant, an empty field read per `missing_warrant`.
    pub warrant: Warrant,
    /// In force during the hold (see `hold::Evaluated::in_force`).
    pub in_force: bool,
    /// The part of the hold it was in force for.
    pub in_force_during: Option<(i64, i64)>,
}

/// What the rules need of the rows rejected at staging: the booking ids
/// named by rejected release rows (or whose release rows conflict) and by
/// rejected charge rows.
#[derive(Debug, Default)]
pub(super) struct Doubts {
    pub release_rejected: PlHashSet<String>,
    pub charge_rejected: PlHashSet<String>,
}

/// What `build_holds` gives back.
pub(super) struct Built {
    pub holds: Vec<Hold>,
    pub rejects: Vec<Reject>,
    /// Local (year, month) of `booked_at` of each booking rejected here
    /// (each had a detainer): they leave the monthly counts.
    pub dropped_bookings: Vec<(i32, u32)>,
}

pub(super) fn build_holds(
    p: &Pipeline,
    cases: &DataFrame,
    attached: &DataFrame,
    as_of: i64,
    doubts: &Doubts,
    charge_rows: &BTreeMap<String, Vec<String>>,
) -> PolarsResult<Built> {
    // Detainers by booking id.
    let mut by_booking: BTreeMap<String, Vec<Detainer>> = BTreeMap::new();
    {
        let ids = strs(attached, "booking_id")?;
        let lodged = i64s(attached, "lodged_at")?;
        let lifted = i64s(attached, "lifted_at")?;
        let form = strs(attached, "form")?;
        let warrant = strs(attached, "warrant")?;
        let final_order = bools(attached, "final_order")?;
        let ice = i64s(attached, "ice_custody_at")?;
        let det_id = strs(attached, "detainer_id")?;
        let files = strs(attached, SOURCE_FILE)?;
        let rows = i64s(attached, SOURCE_ROW)?;
        for i in 0..attached.height() {
            let (Some(id), Some(lodged_at)) = (ids[i].clone(), lodged[i]) else {
                continue;
            };
            by_booking.entry(id).or_default().push(Detainer {
                lodged_at,
                lifted_at: lifted[i],
                form: form[i].as_deref().and_then(Form::parse),
                warrant: warrant[i].as_deref().and_then(Warrant::parse),
                final_order: final_order[i],
                ice_custody_at: ice[i],
                detainer_id: det_id[i].clone(),
                source_file: files[i].clone().unwrap_or_default(),
                source_row: rows[i].unwrap_or(0),
            });
        }
    }
    for ds in by_booking.values_mut() {
        // In lodging order, as the holds' detainer lists show them.
        ds.sort_by(|a, b| {
            (a.lodged_at, &a.detainer_id, &a.source_file, a.source_row).cmp(&(
                b.lodged_at,
                &b.detainer_id,
                &b.source_file,
                b.source_row,
            ))
        });
    }
    let missing_warrant = Warrant::parse(&p.rules.missing_warrant).unwrap_or(Warrant::Unknown);
    let params = hold::Params {
        as_of,
        grace_minutes: p.rules.grace_minutes,
        missing_warrant,
        since: p.rules.since,
        until: p.rules.until,
        tz: p.tz,
    };

    let booking_id = strs(cases, "booking_id")?;
    let person_id = strs(cases, "person_id")?;
    let last = strs(cases, "last_name")?;
    let first = strs(cases, "first_name")?;
    let dob = days(cases, "dob")?;
    let booked = i64s(cases, "booked_at")?;
    let eligible = i64s(cases, "eligible")?;
    let source = strs(cases, "eligibility_source")?;
    let released = i64s(cases, "released_at")?;
    let reason = strs(cases, "release_reason")?;
    let bail = strs(cases, "bail_status")?;
    let files = strs(cases, SOURCE_FILE)?;
    let rows = i64s(cases, SOURCE_ROW)?;
    let lines = i64s(cases, SOURCE_LINE)?;
    let r_files = strs(cases, "r_file")?;
    let r_rows = i64s(cases, "r_row")?;
    let r_lines = i64s(cases, "r_line")?;
    let mut rejects = Vec::new();
    let mut dropped_bookings = Vec::new();

    let mut holds = Vec::new();
    for i in 0..cases.height() {
        let Some(id) = booking_id[i].clone() else {
            continue;
        };
        let Some(all) = by_booking.get(&id) else {
            continue;
        };
        let ice: Vec<Option<i64>> = all.iter().map(|d| d.ice_custody_at).collect();
        let (release, release_source, from_ice) =
            release::release(released[i], doubts.release_rejected.contains(&id), &ice);
        let release_from = match release_source {
            ReleaseSource::Releases => r_files[i]
                .as_deref()
                .map(|f| place(f, r_rows[i].unwrap_or(0))),
            _ => from_ice.map(|k| place(&all[k].source_file, all[k].source_row)),
        };
        let lodged = interval::lodged_before(all, release.at());
        if lodged.is_empty() {
            continue; // every detainer came after release: no hold
        }
        let ev = hold::evaluate(eligible[i], release, &lodged, &params);
        if let Some(detail) = plausibility::implausible_hold(ev.hold_minutes) {
            rejects.push(Reject {
                table: Table::Bookings,
                source_file: files[i].clone().unwrap_or_default(),
                source_row: rows[i].unwrap_or(0),
                source_line: lines[i].unwrap_or(0),
                reason: "implausible_stay",
                detail: detail.clone(),
                raw: String::new(),
            });
            if let Some(r_file) = r_files[i].clone() {
                rejects.push(Reject {
                    table: Table::Releases,
                    source_file: r_file,
                    source_row: r_rows[i].unwrap_or(0),
                    source_line: r_lines[i].unwrap_or(0),
                    reason: "implausible_stay",
                    detail: detail.clone(),
                    raw: String::new(),
                });
            }
            if let Some(b) = booked[i] {
                let day = local_date(b, &p.tz);
                dropped_bookings.push((day.year(), day.month()));
            }
            continue;
        }
        let first_lodged = lodged.iter().map(|d| d.lodged_at).min().unwrap_or(0);
        let basis_day = local_date(ev.hold_start.unwrap_or(first_lodged), &p.tz);
        let dob_date = dob[i].map(crate::model::date_from_days);
        let (person_key, match_basis) = person::person_key(
            person_id[i].as_deref(),
            last[i].as_deref(),
            first[i].as_deref(),
            dob_date,
            &id,
        );
        let release_reason = reason[i].as_deref().and_then(ReleaseReason::parse);
        let transferred = release_reason == Some(ReleaseReason::TransferIce)
            || lodged.iter().any(|d| d.ice_custody_at.is_some());
        let mut det_ids: Vec<&str> = lodged
            .iter()
            .filter_map(|d| d.detainer_id.as_deref())
            .collect();
        det_ids.sort_unstable();
        det_ids.dedup();
        let eligibility_source = source[i]
            .as_deref()
            .and_then(EligibilitySource::parse)
            .unwrap_or(EligibilitySource::Missing);
        let eligibility_from = match eligibility_source {
            EligibilitySource::Releases => r_files[i]
                .as_deref()
                .map(|f| vec![place(f, r_rows[i].unwrap_or(0))])
                .unwrap_or_default(),
            EligibilitySource::Charges => charge_rows.get(&id).cloned().unwrap_or_default(),
            EligibilitySource::Missing => Vec::new(),
        };
        let spans = if ev.pieces.is_empty() {
            Vec::new()
        } else {
            let end = release.at().unwrap_or(as_of);
            lodged
                .iter()
                .map(|d| eligible[i].and_then(|e| d.in_force_within(e, end)))
                .collect()
        };
        let detainer_details: Vec<HoldDetainer> = lodged
            .iter()
            .enumerate()
            .map(|(k, d)| HoldDetainer {
                detainer_id: d.detainer_id.clone(),
                source_file: d.source_file.clone(),
                source_row: d.source_row,
                lodged_at: d.lodged_at,
                lifted_at: d.lifted_at,
                ice_custody_at: d.ice_custody_at,
                form: d.form,
                warrant: d.warrant.unwrap_or(missing_warrant),
                in_force: ev.in_force[k],
                in_force_during: spans.get(k).copied().flatten(),
            })
            .collect();
        let detainer_rows = detainer_details
            .iter()
            .filter(|d| d.in_force)
            .map(|d| place(&d.source_file, d.source_row))
            .collect();
        holds.push(Hold {
            booking_id: id,
            person_key,
            match_basis,
            person_id: person_id[i].clone(),
            last_name: last[i].clone(),
            first_name: first[i].clone(),
            dob: dob[i],
            booked_at: booked[i].unwrap_or(0),
            eligible_at: eligible[i],
            eligibility_source,
            first_lodged_at: first_lodged,
            hold_start: ev.hold_start,
            hold_end: ev.hold_end,
            hold_minutes: ev.hold_minutes,
            unwarranted_minutes: ev.unwarranted_minutes,
            status: ev.status,
            past_release: ev.past_release,
            form: ev.form,
            warrant_status: ev.warrant_status,
            flagged: ev.flagged,
            over_limit: ev.over_limit,
            limit_hours_counted: ev.limit_hours_counted,
            regime: regime::regime(&p.state, basis_day),
            released_at: release.at(),
            release_source,
            release_reason,
            bail_status: bail[i].as_deref().and_then(BailStatus::parse),
            final_order: lodged
                .iter()
                .filter_map(|d| d.final_order)
                .reduce(|a, b| a || b),
            transferred_to_ice: transferred,
            detainers: lodged.len() as u32,
            detainer_ids: det_ids.join(";"),
            eligibility_from,
            release_from,
            detainer_rows,
            detainer_details,
            year: basis_day.year(),
            month: basis_day.month(),
            source_file: files[i].clone().unwrap_or_default(),
            source_row: rows[i].unwrap_or(0),
        });
    }
    holds.sort_by(row_order);
    Ok(Built {
        holds,
        rejects,
        dropped_bookings,
    })
}

/// The order of the hold rows: their booking's source file and row.
pub fn row_order(a: &Hold, b: &Hold) -> std::cmp::Ordering {
    (a.source_file.as_str(), a.source_row, a.booking_id.as_str()).cmp(&(
        b.source_file.as_str(),
        b.source_row,
        b.booking_id.as_str(),
    ))
}
