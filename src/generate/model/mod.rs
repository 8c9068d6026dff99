//! The dialect-free simulation of one county jail: people, bookings,
//! releases, charges and detainers, plus the hard cases and defects planted
//! on purpose. Times are drawn as UTC instants and kept as local wall-clock
//! times, so a hold across a DST change has its true length and every local
//! time written exists, except the one planted to be rejected.
//! `dialects` renders a [`County`] as one export dialect.
//!
//! This file holds the value types a dialect reads, and [`simulate`], which
//! makes a county: the regular bookings, then the planted hard cases, then
//! the planted defects, then the booking numbers. Every draw comes from the
//! county's one random stream, so the order of the draws is part of the
//! output: a draw added, dropped or moved changes every file after it. The
//! module's other files:
//!
//! - `sim`: the state of one simulation and how a booking is drawn: its
//!   person, timeline, detainer hold and release, capped at `as_of`;
//! - `scenarios`: the hard but valid cases (DST changes, holidays, open
//!   holds, missing eligibility) and the years they go in;
//! - `defects`: the bad rows, and how each kind is planted;
//! - `draws`: the random lengths of stay, latencies and holds, and the
//!   release reason, form and warrant of a date;
//! - `dates`: local times against instants, and the DST and holiday dates.

// Open to the generator, whose tests look for the DST days in the files.
pub(super) mod dates;
mod defects;
mod draws;
mod scenarios;
mod sim;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use rand_chacha::ChaCha8Rng;

use crate::model::Warrant;
pub use crate::model::{BailStatus, Form, ReleaseReason};
pub use defects::Defect;
pub use scenarios::Scenario;

use dates::{at, instant, jan1};
use defects::plant_defects;
use draws::{secs, DAY};
use scenarios::plant_scenarios;
use sim::Sim;

/// The warrant code a detainer row carries: an I-200 and an I-205 are both
/// administrative warrants, but exports tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarrantCode {
    None,
    I200,
    I205,
    Judicial,
    /// A code the pipeline file does not map (so `unknown`), on purpose.
    Unmapped,
}

impl WarrantCode {
    pub const ALL: [WarrantCode; 5] = [
        WarrantCode::None,
        WarrantCode::I200,
        WarrantCode::I205,
        WarrantCode::Judicial,
        WarrantCode::Unmapped,
    ];

    /// The warrant a pipeline file maps the code to; `None` for the code
    /// it leaves unmapped.
    pub fn category(self) -> Option<Warrant> {
        match self {
            WarrantCode::None => Some(Warrant::None),
            WarrantCode::I200 | WarrantCode::I205 => Some(Warrant::Administrative),
            WarrantCode::Judicial => Some(Warrant::Judicial),
            WarrantCode::Unmapped => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Person {
    pub num: u64,
    pub last: &'static str,
    pub first: &'static str,
    pub middle: Option<&'static str>,
    pub dob: NaiveDate,
    pub sex: &'static str,
    pub race: &'static str,
}

#[derive(Clone, Debug)]
pub struct Charge {
    pub text: &'static str,
    /// A second line of the charge text (an amendment note), if any.
    pub amendment: Option<&'static str>,
    pub felony: bool,
    /// The immigration-hold pseudo-charge, open until release.
    pub hold: bool,
    pub released: Option<NaiveDateTime>,
}

#[derive(Clone, Debug)]
pub struct Detainer {
    pub num: u64,
    pub lodged: NaiveDateTime,
    /// The export gives the lodging date without a time (dialects that can).
    pub date_only: bool,
    pub form: Form,
    pub warrant: WarrantCode,
    pub lifted: Option<NaiveDateTime>,
    pub lift_reason: Option<&'static str>,
    pub ice_custody: Option<NaiveDateTime>,
    pub final_order: bool,
    pub remark: &'static str,
}

/// The key a booking id is formatted from: year of booking, number within
/// that year and number within the county, both from 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BookingKey {
    pub year: i32,
    pub seq_in_year: u64,
    pub seq: u64,
}

#[derive(Clone, Debug)]
pub struct Booking {
    pub key: BookingKey,
    pub person: usize,
    pub booked: NaiveDateTime,
    pub eligible: Option<NaiveDateTime>,
    /// The eligibility time is known to the simulation but left out of the
    /// export (so the audit must report `eligibility_unknown`).
    pub eligible_hidden: bool,
    pub released: Option<NaiveDateTime>,
    pub reason: Option<ReleaseReason>,
    pub facility: &'static str,
    pub bail_status: BailStatus,
    pub bail: Option<u32>,
    pub charges: Vec<Charge>,
    pub detainers: Vec<Detainer>,
    pub scenario: Option<Scenario>,
    pub defect: Option<Defect>,
    /// Where the row goes in time order: `booked`, except that a duplicate
    /// row keeps its original's place.
    pub sort_at: NaiveDateTime,
    /// This row repeats the booking just before it in `County::bookings`
    /// (same key); it has no charges or detainers of its own.
    pub duplicate_row: bool,
}

/// A detainer row that points at no booking or person of the export.
#[derive(Clone, Debug)]
pub struct Orphan {
    /// A booking key that no booking has.
    pub key: BookingKey,
    /// A person number that no person has.
    pub person_num: u64,
    pub detainer: Detainer,
}

/// One county's simulated jail records, bookings in order of `booked`.
#[derive(Clone, Debug)]
pub struct County {
    pub people: Vec<Person>,
    pub bookings: Vec<Booking>,
    pub orphans: Vec<Orphan>,
}

/// What to simulate for one county.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub from_year: i32,
    pub to_year: i32,
    pub bookings_per_year: u64,
    /// When the export was taken (local time); no event is at or after it.
    pub as_of: NaiveDateTime,
}

/// Simulates one county.
pub fn simulate(rng: &mut ChaCha8Rng, plan: Plan) -> County {
    let as_of = instant(plan.as_of);
    let mut sim = Sim {
        rng,
        plan,
        as_of,
        people: Vec::new(),
        free_after: Vec::new(),
        bookings: Vec::new(),
        next_detainer: 0,
    };

    // Regular bookings, uniform over each year (a partial last year gets its
    // share), generated in time order so people can be booked again.
    let mut booked_times = Vec::new();
    for year in plan.from_year..=plan.to_year {
        let start = instant(at(jan1(year), 0, 0));
        let end = instant(at(jan1(year + 1), 0, 0)).min(as_of);
        if end <= start {
            continue;
        }
        let share = (end - start).num_seconds() as f64 / (365.25 * DAY as f64);
        let n = (plan.bookings_per_year as f64 * share.min(1.0)).round() as u64;
        let span = (end - start).num_seconds() - 1;
        let mut ts: Vec<DateTime<Utc>> = (0..n).map(|_| start + secs(sim.rng, 0, span)).collect();
        ts.sort();
        booked_times.extend(ts);
    }
    let regular_count = booked_times.len() as u64;
    for booked in booked_times {
        sim.regular(booked);
    }

    plant_scenarios(&mut sim);
    let orphans = plant_defects(&mut sim, regular_count);

    let Sim {
        people,
        mut bookings,
        ..
    } = sim;
    // Stable: a duplicate row stays right after its original.
    bookings.sort_by_key(|b| b.sort_at);
    assign_keys(&mut bookings);
    County {
        people,
        bookings,
        orphans,
    }
}

/// Numbers the bookings in time order, county-wide and within each year; a
/// duplicate row takes the key of the row before it.
fn assign_keys(bookings: &mut [Booking]) {
    let mut seq = 0u64;
    let mut year = i32::MIN;
    let mut seq_in_year = 0u64;
    let mut last = BookingKey::default();
    for b in bookings.iter_mut() {
        if b.duplicate_row {
            b.key = last;
            continue;
        }
        if b.booked.year() != year {
            year = b.booked.year();
            seq_in_year = 0;
        }
        b.key = BookingKey {
            year,
            seq_in_year,
            seq,
        };
        last = b.key;
        seq += 1;
        seq_in_year += 1;
    }
}

/// The county the tests of this module's files look at.
#[cfg(test)]
fn test_county() -> County {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    simulate(
        &mut rng,
        Plan {
            from_year: 2011,
            to_year: 2026,
            bookings_per_year: 100,
            as_of: at(NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid"), 0, 0),
        },
    )
}
