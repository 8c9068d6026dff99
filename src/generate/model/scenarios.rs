//! The hard but valid cases planted in every county, so the audit's
//! time-zone, holiday and censoring rules are exercised: holds across the
//! DST changes and the holiday weekends, holds still open when the export
//! was taken, and holds whose eligibility time the export lacks.

use chrono::{Duration, NaiveDate, NaiveDateTime, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{
    at, dst_fall, dst_spring, instant, jan1, local, new_year_observed, nth_weekday,
};
use super::draws::{hold_length, secs, DAY, HOUR, MIN};
use super::sim::{HoldPlan, Lift, Sim};
use super::Plan;

/// A hard but valid case planted on purpose, so the audit's time-zone,
/// holiday and censoring rules are exercised in every county.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Eligible on the Saturday evening before the spring DST change, held
    /// past it.
    DstSpringWeekend,
    /// Eligible around 01:00 on the spring DST Sunday, released after 03:00.
    DstSpringNight,
    /// Eligible on the Saturday evening before the fall DST change.
    DstFallWeekend,
    /// Eligible just before 01:00 PDT on the fall DST Sunday, released in or
    /// after the repeated hour.
    DstFallNight,
    /// Eligible the day before Thanksgiving, held over the long weekend.
    Thanksgiving,
    /// Eligible on December 23 or 24, held over Christmas.
    Christmas,
    /// Eligible the day before New Year's Day is observed (method rule 9).
    NewYear,
    /// Still held on the detainer when the export was taken.
    OpenHold,
    /// Held on a detainer, but the export lacks the eligibility time.
    MissingEligibility,
}

impl Sim<'_> {
    /// A detainer hold starting at a chosen local eligibility time.
    fn scenario(&mut self, kind: Scenario, eligible: NaiveDateTime, hold: Duration) {
        let eligible = instant(eligible);
        let booked = eligible - secs(self.rng, 6 * HOUR, 20 * DAY);
        let person = self.new_person(local(booked).date());
        let mut t = self.timeline(booked, eligible);
        let plan = HoldPlan {
            hold,
            lift: Lift::No,
            ice_pickup: self.rng.random_bool(0.6),
            lodged_after_eligible: false,
            flaggable_warrant: true,
        };
        self.apply_hold(&mut t, &plan);
        let mut b = self.finish(person, t);
        b.scenario = Some(kind);
        if kind == Scenario::MissingEligibility {
            b.eligible_hidden = true;
            for c in b.charges.iter_mut().filter(|c| !c.hold) {
                c.released = None;
            }
        }
        self.bookings.push(b);
    }
}

/// Years from `from` to `to` whose event `f(year)` (a local time) lies in
/// the simulated span with room for a hold before `as_of`.
fn candidate_years(
    plan: &Plan,
    first_year: i32,
    f: impl Fn(i32) -> NaiveDateTime,
) -> Vec<(i32, NaiveDateTime)> {
    (first_year..=plan.to_year)
        .map(|y| (y, f(y)))
        .filter(|(_, t)| {
            *t >= at(jan1(plan.from_year), 0, 0) + Duration::days(21)
                && *t + Duration::days(30) < plan.as_of
        })
        .collect()
}

/// Picks `k` of `items`, one from each of `k` consecutive chunks, so that
/// planted cases spread over the years (and over the legal regimes).
fn spread<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], k: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    let k = k.min(items.len()).max(1);
    (0..k)
        .map(|i| {
            let lo = i * items.len() / k;
            let hi = ((i + 1) * items.len() / k).max(lo + 1);
            items[rng.random_range(lo..hi)]
        })
        .collect()
}

/// The local time of a yearly event, given the year.
type EventTime = fn(i32) -> NaiveDateTime;

pub(super) fn plant_scenarios(sim: &mut Sim) {
    let plan = sim.plan;
    let years = (plan.to_year - plan.from_year + 1).max(1) as usize;
    let k = (years / 6).max(1);
    let kinds: [(Scenario, EventTime); 7] = [
        (Scenario::DstSpringWeekend, |y| {
            at(dst_spring(y) - Duration::days(1), 17, 0)
        }),
        (Scenario::DstSpringNight, |y| at(dst_spring(y), 0, 30)),
        (Scenario::DstFallWeekend, |y| {
            at(dst_fall(y) - Duration::days(1), 17, 0)
        }),
        (Scenario::DstFallNight, |y| at(dst_fall(y), 0, 5)),
        (Scenario::Thanksgiving, |y| {
            at(
                nth_weekday(y, 11, Weekday::Thu, 4) - Duration::days(1),
                13,
                0,
            )
        }),
        (Scenario::Christmas, |y| {
            at(NaiveDate::from_ymd_opt(y, 12, 23).expect("valid"), 14, 0)
        }),
        (Scenario::NewYear, |y| {
            at(new_year_observed(y) - Duration::days(1), 14, 0)
        }),
    ];
    for (kind, base) in kinds {
        let first = if kind == Scenario::NewYear {
            plan.from_year + 1
        } else {
            plan.from_year
        };
        let years = candidate_years(&plan, first, base);
        for (_, base) in spread(sim.rng, &years, k) {
            let (eligible, hold) = match kind {
                Scenario::DstSpringWeekend | Scenario::DstFallWeekend => (
                    base + secs(sim.rng, 0, 6 * HOUR + 30 * MIN),
                    secs(sim.rng, 20 * HOUR, 80 * HOUR),
                ),
                Scenario::DstSpringNight => (
                    base + secs(sim.rng, 0, 85 * MIN),
                    secs(sim.rng, 40 * MIN, 4 * HOUR),
                ),
                Scenario::DstFallNight => (
                    base + secs(sim.rng, 0, 50 * MIN),
                    secs(sim.rng, 70 * MIN, 150 * MIN),
                ),
                Scenario::Thanksgiving => (
                    base + secs(sim.rng, 0, 9 * HOUR),
                    secs(sim.rng, 50 * HOUR, 110 * HOUR),
                ),
                Scenario::Christmas => (
                    base + Duration::days(sim.rng.random_range(0..2)) + secs(sim.rng, 0, 8 * HOUR),
                    secs(sim.rng, 40 * HOUR, 120 * HOUR),
                ),
                _ => (
                    base + secs(sim.rng, 0, 8 * HOUR),
                    secs(sim.rng, 48 * HOUR, 100 * HOUR),
                ),
            };
            sim.scenario(kind, eligible, hold);
        }
    }

    // Holds still open at export time: eligible shortly before `as_of`,
    // held past it.
    for _ in 0..2 {
        let eligible = sim.as_of - secs(sim.rng, 6 * HOUR, 20 * DAY);
        let hold = (sim.as_of - eligible) + secs(sim.rng, HOUR, 30 * DAY);
        sim.scenario(Scenario::OpenHold, local(eligible), hold);
    }
    // Holds whose eligibility time the export lacks.
    let start = instant(at(jan1(plan.from_year), 0, 0)) + Duration::days(30);
    let span = (sim.as_of - Duration::days(60) - start)
        .num_seconds()
        .max(1);
    for _ in 0..2 {
        let eligible = start + secs(sim.rng, 0, span);
        let hold = hold_length(sim.rng);
        sim.scenario(Scenario::MissingEligibility, local(eligible), hold);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::model::test_county as county;

    #[test]
    fn every_scenario_is_planted() {
        let c = county();
        for kind in [
            Scenario::DstSpringWeekend,
            Scenario::DstSpringNight,
            Scenario::DstFallWeekend,
            Scenario::DstFallNight,
            Scenario::Thanksgiving,
            Scenario::Christmas,
            Scenario::NewYear,
            Scenario::OpenHold,
            Scenario::MissingEligibility,
        ] {
            assert!(
                c.bookings.iter().any(|b| b.scenario == Some(kind)),
                "{kind:?}"
            );
        }
        let open = c
            .bookings
            .iter()
            .filter(|b| b.scenario == Some(Scenario::OpenHold))
            .all(|b| b.released.is_none() && b.eligible.is_some());
        assert!(open);
    }
}
