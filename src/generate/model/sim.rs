//! The state of one county's simulation, and how one booking is drawn: its
//! person (new, or one booked before and free by then), the timeline from
//! booking to eligibility and release, the detainer hold if any, and the
//! booking as the export shows it, nothing at or after `as_of`. The regular
//! bookings are made here; `scenarios` and `defects` use the same steps.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{instant, local};
use super::draws::{
    form_on, hold_length, latency, local_reason, secs, stay, warrant_on, weighted, HOUR, MIN,
};
use super::{
    BailStatus, Booking, BookingKey, Charge, Detainer, Person, Plan, ReleaseReason, WarrantCode,
};
use crate::generate::names;

/// Share of regular bookings that get an ICE detainer; the planted scenarios
/// (`scenarios`) add a few more.
const DETAINER_RATE: f64 = 0.045;
/// Share of regular bookings whose person was booked before.
const REBOOKING_RATE: f64 = 0.2;

/// How a detainer hold ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lift {
    /// Not lifted: released to ICE or to the street at the end of the hold.
    No,
    /// Lifted while the local case still held the person.
    BeforeEligible,
    /// Lifted at the end of the hold; released after the usual latency.
    AtEndOfHold,
}

/// Timeline of a booking as instants, before capping at `as_of`.
pub(super) struct Timeline {
    booked: DateTime<Utc>,
    eligible: DateTime<Utc>,
    released: DateTime<Utc>,
    reason: ReleaseReason,
    detainers: Vec<(DateTime<Utc>, Detainer)>,
    lifted: Option<DateTime<Utc>>,
    ice: Option<DateTime<Utc>>,
}

/// Everything that decides one detainer hold.
pub(super) struct HoldPlan {
    pub(super) hold: Duration,
    pub(super) lift: Lift,
    pub(super) ice_pickup: bool,
    pub(super) lodged_after_eligible: bool,
    pub(super) flaggable_warrant: bool,
}

impl HoldPlan {
    fn random(rng: &mut ChaCha8Rng) -> HoldPlan {
        let r: f64 = rng.random();
        let lift = if r < 0.08 {
            Lift::BeforeEligible
        } else if r < 0.15 {
            Lift::AtEndOfHold
        } else {
            Lift::No
        };
        HoldPlan {
            hold: hold_length(rng),
            lift,
            ice_pickup: rng.random_bool(0.65),
            lodged_after_eligible: rng.random_bool(0.08),
            flaggable_warrant: false,
        }
    }
}

/// One county's simulation under way: its stream, plan, people and
/// bookings so far, shared by the regular bookings and the planting steps.
pub(super) struct Sim<'a> {
    pub(super) rng: &'a mut ChaCha8Rng,
    pub(super) plan: Plan,
    pub(super) as_of: DateTime<Utc>,
    pub(super) people: Vec<Person>,
    /// For each person, when they left custody last (`None`: still held or
    /// not reusable).
    pub(super) free_after: Vec<Option<DateTime<Utc>>>,
    pub(super) bookings: Vec<Booking>,
    pub(super) next_detainer: u64,
}

impl Sim<'_> {
    pub(super) fn new_person(&mut self, booked: NaiveDate) -> usize {
        let rng = &mut *self.rng;
        let female = rng.random_bool(0.2);
        let first = if female {
            names::FIRST_NAMES_FEMALE.choose(rng)
        } else {
            names::FIRST_NAMES_MALE.choose(rng)
        };
        let age_days = rng.random_range(18 * 365..66 * 365);
        let person = Person {
            num: self.people.len() as u64,
            last: names::LAST_NAMES.choose(rng).copied().unwrap_or("Doe"),
            first: first.copied().unwrap_or("John"),
            middle: if rng.random_bool(0.6) {
                names::MIDDLE_NAMES.choose(rng).copied()
            } else {
                None
            },
            dob: booked - Duration::days(age_days),
            sex: names::SEXES[usize::from(female)],
            race: weighted(rng, names::RACES),
        };
        self.people.push(person);
        self.free_after.push(None);
        self.people.len() - 1
    }

    /// A person for a regular booking: sometimes one booked before who is
    /// out of custody by now (so no two custody windows of a person overlap).
    fn person_for(&mut self, booked: DateTime<Utc>) -> usize {
        if !self.people.is_empty() && self.rng.random_bool(REBOOKING_RATE) {
            for _ in 0..4 {
                let i = self.rng.random_range(0..self.people.len());
                if self.free_after[i].is_some_and(|t| t < booked) {
                    return i;
                }
            }
        }
        self.new_person(local(booked).date())
    }

    pub(super) fn detainer(&mut self, lodged: DateTime<Utc>, flaggable: bool) -> Detainer {
        let rng = &mut *self.rng;
        let date = local(lodged).date();
        let form = form_on(rng, date);
        let mut warrant = warrant_on(rng, date);
        if flaggable && matches!(warrant, WarrantCode::Judicial | WarrantCode::Unmapped) {
            warrant = if date.year() >= 2018 {
                WarrantCode::I200
            } else {
                WarrantCode::None
            };
        }
        self.next_detainer += 1;
        Detainer {
            num: self.next_detainer,
            lodged: local(lodged),
            date_only: rng.random_bool(0.25),
            form,
            warrant,
            lifted: None,
            lift_reason: None,
            ice_custody: None,
            final_order: rng.random_bool(0.15),
            remark: names::DETAINER_REMARKS.choose(rng).copied().unwrap_or(""),
        }
    }

    /// Adds the detainers of a hold to a timeline whose `eligible` is set,
    /// and sets its release.
    pub(super) fn apply_hold(&mut self, t: &mut Timeline, plan: &HoldPlan) {
        let window = (t.eligible - t.booked).num_seconds();
        let lodged = if plan.lodged_after_eligible || window < 20 * MIN {
            t.eligible + secs(self.rng, MIN, HOUR)
        } else {
            t.booked + secs(self.rng, 10 * MIN, window - 5 * MIN)
        };
        let mut d = self.detainer(lodged, plan.flaggable_warrant);
        let start = t.eligible.max(lodged);
        match plan.lift {
            Lift::BeforeEligible if lodged < t.eligible => {
                let lifted = lodged + secs(self.rng, 0, (t.eligible - lodged).num_seconds());
                t.lifted = Some(lifted);
                t.released = t.eligible + latency(self.rng);
            }
            Lift::BeforeEligible | Lift::AtEndOfHold => {
                let lifted = start + plan.hold;
                t.lifted = Some(lifted);
                t.released = lifted + secs(self.rng, 5 * MIN, 2 * HOUR);
            }
            Lift::No => {
                t.released = (start + plan.hold).max(lodged + Duration::minutes(1));
                if plan.ice_pickup {
                    t.reason = ReleaseReason::TransferIce;
                    t.ice = Some(t.released);
                }
            }
        }
        if t.lifted.is_some() {
            d.lift_reason = names::LIFT_REASONS.choose(self.rng).copied();
        }
        let form = d.form;
        t.detainers.push((lodged, d));
        // Now and then ICE lodges a second detainer before release.
        if self.rng.random_bool(0.05) {
            let gap = (t.released - lodged).num_seconds();
            if gap > 2 * HOUR {
                let lodged2 = lodged + secs(self.rng, HOUR, gap - HOUR);
                let mut d2 = self.detainer(lodged2, plan.flaggable_warrant);
                d2.form = form;
                t.detainers.push((lodged2, d2));
            }
        }
    }

    /// Turns a timeline into a booking, leaving out every event at or after
    /// `as_of` (the export cannot know the future).
    pub(super) fn finish(&mut self, person: usize, t: Timeline) -> Booking {
        let as_of = self.as_of;
        let before = |x: DateTime<Utc>| (x < as_of).then_some(x);
        let eligible = before(t.eligible);
        let released = before(t.released);
        let reason = released.map(|_| t.reason);
        let lifted = t.lifted.and_then(before);
        let ice = t.ice.and_then(before);
        let rng = &mut *self.rng;
        let detainers: Vec<Detainer> = t
            .detainers
            .into_iter()
            .filter(|(lodged, _)| *lodged < as_of)
            .enumerate()
            .map(|(i, (_, mut d))| {
                if i == 0 {
                    d.lifted = lifted.map(local);
                    if lifted.is_none() {
                        d.lift_reason = None;
                    }
                    d.ice_custody = ice.map(local);
                } else {
                    d.lift_reason = None;
                }
                d
            })
            .collect();
        let has_detainer = !detainers.is_empty();
        let bail_status = if t.reason == ReleaseReason::Bail {
            BailStatus::Set
        } else if has_detainer && rng.random_bool(0.3) {
            BailStatus::DeniedForHold
        } else if rng.random_bool(0.15) {
            BailStatus::DeniedOther
        } else {
            BailStatus::Set
        };
        let bail = (bail_status == BailStatus::Set)
            .then(|| names::BAIL_AMOUNTS.choose(rng).copied().unwrap_or(5_000));

        // Criminal charges: the last one disposed makes the person eligible.
        let n_charges = weighted(rng, &[(1usize, 45), (2, 30), (3, 15), (4, 10)]);
        let span = (t.eligible - t.booked).num_seconds().max(0);
        let mut charges: Vec<Charge> = (0..n_charges)
            .map(|i| {
                let disposed = if i == 0 {
                    t.eligible
                } else {
                    t.booked + Duration::seconds(rng.random_range(0..=span))
                };
                Charge {
                    text: names::CHARGES
                        .choose(rng)
                        .copied()
                        .unwrap_or("PC 602 TRESPASSING"),
                    amendment: if rng.random_bool(0.04) {
                        names::CHARGE_AMENDMENTS.choose(rng).copied()
                    } else {
                        None
                    },
                    felony: rng.random_bool(0.4),
                    hold: false,
                    released: before(disposed).map(local),
                }
            })
            .collect();
        charges.rotate_left(rng.random_range(0..n_charges));
        if has_detainer {
            charges.push(Charge {
                text: "IMMIGRATION DETAINER - ICE HOLD",
                amendment: None,
                felony: false,
                hold: true,
                released: released.map(local),
            });
        }
        Booking {
            key: BookingKey::default(),
            person,
            booked: local(t.booked),
            eligible: eligible.map(local),
            eligible_hidden: false,
            released: released.map(local),
            reason,
            facility: names::FACILITIES
                .choose(rng)
                .copied()
                .unwrap_or("MAIN JAIL"),
            bail_status,
            bail,
            charges,
            detainers,
            scenario: None,
            defect: None,
            sort_at: local(t.booked),
            duplicate_row: false,
        }
    }

    pub(super) fn timeline(&mut self, booked: DateTime<Utc>, eligible: DateTime<Utc>) -> Timeline {
        let reason = local_reason(self.rng);
        Timeline {
            booked,
            eligible,
            released: eligible + latency(self.rng),
            reason,
            detainers: Vec::new(),
            lifted: None,
            ice: None,
        }
    }

    pub(super) fn regular(&mut self, booked: DateTime<Utc>) {
        let person = self.person_for(booked);
        let eligible = booked + stay(self.rng);
        let mut t = self.timeline(booked, eligible);
        if self.rng.random_bool(DETAINER_RATE) {
            let plan = HoldPlan::random(self.rng);
            self.apply_hold(&mut t, &plan);
        }
        let b = self.finish(person, t);
        self.free_after[person] = b.released.map(instant);
        self.bookings.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::model::dates::at;
    use crate::generate::model::test_county as county;

    #[test]
    fn no_event_at_or_after_as_of() {
        let as_of = at(NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid"), 0, 0);
        for b in county().bookings {
            assert!(b.booked < as_of);
            assert!(b.eligible.is_none_or(|t| t < as_of));
            assert!(b.released.is_none_or(|t| t < as_of));
            for d in &b.detainers {
                assert!(d.lodged < as_of);
                assert!(d.lifted.is_none_or(|t| t < as_of));
            }
        }
    }

    #[test]
    fn detainers_fall_in_their_custody_window() {
        for b in county().bookings.iter().filter(|b| b.defect.is_none()) {
            for d in &b.detainers {
                assert!(d.lodged > b.booked, "{:?}", b.key);
                assert!(b.released.is_none_or(|r| d.lodged < r), "{:?}", b.key);
            }
        }
    }

    #[test]
    fn a_person_is_never_in_two_bookings_at_once() {
        let c = county();
        let mut by_person: Vec<Vec<&Booking>> = vec![Vec::new(); c.people.len()];
        for b in c.bookings.iter().filter(|b| !b.duplicate_row) {
            by_person[b.person].push(b);
        }
        for bs in by_person {
            for w in bs.windows(2) {
                let end = w[0].released.expect("a rebooked person was released");
                assert!(end < w[1].booked);
            }
        }
    }
}
