//! The bad rows planted on purpose, each kind in every county so that every
//! reject reason is exercised: what the kinds are, and how each is made
//! from an ordinary booking (or, for an orphan detainer, from no booking).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::IndexedRandom;
use rand::Rng;

use super::dates::{at, dst_spring, instant, local};
use super::draws::{secs, DAY, HOUR, MIN};
use super::sim::Sim;
use super::{Booking, BookingKey, Orphan, ReleaseReason};
use crate::generate::names;

/// A bad row planted on purpose; each kind appears in every county.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Defect {
    /// `booked_at` written as an impossible date (February 30).
    UnparseableDate,
    /// `booked_at` in the hour skipped by the spring DST change.
    NonexistentTime,
    /// `released_at` before `booked_at`.
    ReleaseBeforeBooking,
    /// A second row with the same booking id and different data.
    ConflictingDuplicate,
    /// The same row written twice.
    ExactDuplicate,
    /// A release reason code absent from the pipeline's code table.
    UnmappedReleaseReason,
    /// A detainer whose booking (or person) is not in the export.
    OrphanDetainer,
}

impl Defect {
    pub const ALL: [Defect; 7] = [
        Defect::UnparseableDate,
        Defect::NonexistentTime,
        Defect::ReleaseBeforeBooking,
        Defect::ConflictingDuplicate,
        Defect::ExactDuplicate,
        Defect::UnmappedReleaseReason,
        Defect::OrphanDetainer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Defect::UnparseableDate => "unparseable_date",
            Defect::NonexistentTime => "nonexistent_local_time",
            Defect::ReleaseBeforeBooking => "release_before_booking",
            Defect::ConflictingDuplicate => "conflicting_duplicate_booking",
            Defect::ExactDuplicate => "exact_duplicate_row",
            Defect::UnmappedReleaseReason => "unmapped_release_reason",
            Defect::OrphanDetainer => "orphan_detainer",
        }
    }
}

impl Sim<'_> {
    /// A booking without a detainer to carry a defect, at a time well
    /// before `as_of` and away from the year's edges.
    fn defect_base(&mut self, year: i32, defect: Defect) -> Booking {
        let start = instant(at(
            NaiveDate::from_ymd_opt(year, 2, 1).expect("valid"),
            0,
            0,
        ));
        let end = instant(at(
            NaiveDate::from_ymd_opt(year, 10, 31).expect("valid"),
            0,
            0,
        ))
        .min(self.as_of - Duration::days(60));
        let span = (end - start).num_seconds().max(1);
        let booked = start + secs(self.rng, 0, span);
        self.defect_at(booked, defect)
    }

    fn defect_at(&mut self, booked: DateTime<Utc>, defect: Defect) -> Booking {
        let person = self.new_person(local(booked).date());
        let eligible = booked + secs(self.rng, HOUR, 10 * DAY);
        let t = self.timeline(booked, eligible);
        let mut b = self.finish(person, t);
        b.defect = Some(defect);
        b
    }
}

/// Plants every defect kind at least once (one per thousand regular
/// bookings, rounded), and returns the orphan detainers.
pub(super) fn plant_defects(sim: &mut Sim, regular_count: u64) -> Vec<Orphan> {
    let plan = sim.plan;
    let n_each = ((regular_count + 500) / 1000).max(1);
    // Years with a whole February-to-October stretch before `as_of`.
    let years: Vec<i32> = (plan.from_year..=plan.to_year)
        .filter(|&y| {
            at(NaiveDate::from_ymd_opt(y, 4, 1).expect("valid"), 0, 0) + Duration::days(60)
                < plan.as_of
        })
        .collect();
    let years = if years.is_empty() {
        vec![plan.from_year]
    } else {
        years
    };
    let mut orphans = Vec::new();
    for defect in Defect::ALL {
        for _ in 0..n_each {
            let year = *years.choose(sim.rng).unwrap_or(&plan.from_year);
            match defect {
                Defect::NonexistentTime => {
                    // Drawn at 03:mm, written as the skipped 02:mm.
                    let minute = sim.rng.random_range(0..60);
                    let second = Duration::seconds(sim.rng.random_range(0..60));
                    let real = at(dst_spring(year), 3, minute) + second;
                    let mut b = sim.defect_at(instant(real), defect);
                    b.booked = at(dst_spring(year), 2, minute) + second;
                    sim.bookings.push(b);
                }
                Defect::ReleaseBeforeBooking => {
                    let mut b = sim.defect_base(year, defect);
                    let released = b.booked - secs(sim.rng, 2 * HOUR, 3 * DAY);
                    b.released = Some(released);
                    b.eligible = Some(released - secs(sim.rng, 10 * MIN, 90 * MIN));
                    for c in &mut b.charges {
                        c.released = b.eligible;
                    }
                    sim.bookings.push(b);
                }
                Defect::ConflictingDuplicate => {
                    let b = sim.defect_base(year, defect);
                    let mut other = b.clone();
                    other.duplicate_row = true;
                    let shift = Duration::hours(sim.rng.random_range(2..72));
                    other.booked += shift;
                    other.eligible = other.eligible.map(|t| t + shift);
                    other.released = other.released.map(|t| t + shift);
                    other.facility = if b.facility == names::FACILITIES[0] {
                        names::FACILITIES[1]
                    } else {
                        names::FACILITIES[0]
                    };
                    sim.bookings.push(b);
                    sim.bookings.push(other);
                }
                Defect::ExactDuplicate => {
                    let b = sim.defect_base(year, defect);
                    let mut copy = b.clone();
                    copy.duplicate_row = true;
                    sim.bookings.push(b);
                    sim.bookings.push(copy);
                }
                Defect::UnparseableDate | Defect::UnmappedReleaseReason => {
                    let mut b = sim.defect_base(year, defect);
                    if defect == Defect::UnmappedReleaseReason {
                        b.reason = Some(ReleaseReason::Unknown);
                    }
                    sim.bookings.push(b);
                }
                Defect::OrphanDetainer => {
                    let day = NaiveDate::from_ymd_opt(year, 3, 1).expect("valid")
                        + Duration::days(sim.rng.random_range(0..200));
                    let lodged = instant(at(day, sim.rng.random_range(0..24), 0))
                        + secs(sim.rng, 0, HOUR - 1);
                    let detainer = sim.detainer(lodged, false);
                    let k = orphans.len() as u64;
                    orphans.push(Orphan {
                        key: BookingKey {
                            year,
                            seq_in_year: 900_000 + k,
                            seq: 990_000 + k,
                        },
                        person_num: 9_000_000 + k,
                        detainer,
                    });
                    // One orphan per county, however many bookings: detainer
                    // rows are few, and their rejects must stay within the
                    // pipeline's `max_reject_rate`.
                    break;
                }
            }
        }
    }
    orphans
}
