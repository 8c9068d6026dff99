//! The dialect-free simulation of one county jail: people, bookings,
//! releases, charges and detainers, plus the hard cases and defects planted
//! on purpose. Times are drawn as UTC instants and kept as local wall-clock
//! times, so a hold across a DST change has its true length and every local
//! time written exists, except the one planted to be rejected.
//! `dialects` renders a [`County`] as one export dialect.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::generate::names;
use crate::model::Warrant;
pub use crate::model::{BailStatus, Form, ReleaseReason};

/// Every California county keeps local time in this zone.
pub const TZ: Tz = chrono_tz::America::Los_Angeles;

/// Share of regular bookings that get an ICE detainer; the planted scenarios
/// below bring the total to about 5%.
const DETAINER_RATE: f64 = 0.045;
/// Share of regular bookings whose person was booked before.
const REBOOKING_RATE: f64 = 0.2;

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
    /// Eligible the day before New Year's Day is observed (5 U.S.C. 6103).
    NewYear,
    /// Still held on the detainer when the export was taken.
    OpenHold,
    /// Held on a detainer, but the export lacks the eligibility time.
    MissingEligibility,
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

/// Local wall-clock time of an instant.
fn local(t: DateTime<Utc>) -> NaiveDateTime {
    TZ.from_utc_datetime(&t.naive_utc()).naive_local()
}

/// The instant of a local time: the earlier one when it is ambiguous, and
/// one hour later when it falls in the skipped spring hour.
fn instant(t: NaiveDateTime) -> DateTime<Utc> {
    match TZ.from_local_datetime(&t).earliest() {
        Some(z) => z.with_timezone(&Utc),
        None => instant(t + Duration::hours(1)),
    }
}

fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("hour and minute are in range"))
}

fn jan1(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1 exists in every year")
}

/// The `n`th (from 1) `weekday` of a month.
pub fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
        .expect("the first to fourth weekday of a month exists")
}

/// US DST starts on the second Sunday of March (since 2007).
pub fn dst_spring(year: i32) -> NaiveDate {
    nth_weekday(year, 3, Weekday::Sun, 2)
}

/// US DST ends on the first Sunday of November (since 2007).
pub fn dst_fall(year: i32) -> NaiveDate {
    nth_weekday(year, 11, Weekday::Sun, 1)
}

/// The day New Year's Day of `year` is observed (5 U.S.C. 6103(b)).
fn new_year_observed(year: i32) -> NaiveDate {
    let d = jan1(year);
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

fn secs(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> Duration {
    Duration::seconds(rng.random_range(lo..=hi))
}

const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Time from booking to eligibility on the local case.
fn stay(rng: &mut ChaCha8Rng) -> Duration {
    let r: f64 = rng.random();
    if r < 0.35 {
        secs(rng, HOUR, DAY)
    } else if r < 0.65 {
        secs(rng, DAY, 7 * DAY)
    } else if r < 0.85 {
        secs(rng, 7 * DAY, 60 * DAY)
    } else if r < 0.97 {
        secs(rng, 60 * DAY, 365 * DAY)
    } else {
        secs(rng, 365 * DAY, 730 * DAY)
    }
}

/// The jail's normal release latency, from eligibility to leaving custody.
fn latency(rng: &mut ChaCha8Rng) -> Duration {
    let r: f64 = rng.random();
    if r < 0.05 {
        secs(rng, 0, 15 * MIN)
    } else if r < 0.75 {
        secs(rng, 15 * MIN, 3 * HOUR)
    } else {
        secs(rng, 3 * HOUR, 8 * HOUR)
    }
}

/// Time held on a detainer past eligibility: from none to rare weeks.
fn hold_length(rng: &mut ChaCha8Rng) -> Duration {
    let r: f64 = rng.random();
    if r < 0.12 {
        Duration::zero()
    } else if r < 0.30 {
        secs(rng, MIN, 59 * MIN)
    } else if r < 0.62 {
        secs(rng, HOUR, DAY)
    } else if r < 0.92 {
        secs(rng, DAY, 5 * DAY)
    } else {
        secs(rng, 5 * DAY, 21 * DAY)
    }
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for &(item, w) in items {
        if pick < w {
            return item;
        }
        pick -= w;
    }
    items[items.len() - 1].0
}

/// The local case's reason for eligibility.
fn local_reason(rng: &mut ChaCha8Rng) -> ReleaseReason {
    weighted(
        rng,
        &[
            (ReleaseReason::Bail, 28),
            (ReleaseReason::OwnRecognizance, 20),
            (ReleaseReason::ChargesDropped, 12),
            (ReleaseReason::Acquitted, 2),
            (ReleaseReason::SentenceServed, 25),
            (ReleaseReason::CourtOrder, 6),
            (ReleaseReason::Diversion, 3),
            (ReleaseReason::TransferOther, 2),
            (ReleaseReason::Other, 2),
        ],
    )
}

/// The detainer form in use on a date.
fn form_on(rng: &mut ChaCha8Rng, date: NaiveDate) -> Form {
    if date.year() < 2015 {
        Form::I247
    } else if date <= NaiveDate::from_ymd_opt(2017, 4, 1).expect("valid date") {
        weighted(
            rng,
            &[(Form::I247D, 70), (Form::I247N, 15), (Form::I247X, 15)],
        )
    } else {
        Form::I247A
    }
}

/// The warrant sent with a detainer: nothing before April 2017, an I-200 or
/// I-205 after; a few judicial, a few with a code nobody mapped.
fn warrant_on(rng: &mut ChaCha8Rng, date: NaiveDate) -> WarrantCode {
    if date < NaiveDate::from_ymd_opt(2017, 4, 2).expect("valid date") {
        weighted(
            rng,
            &[
                (WarrantCode::None, 91),
                (WarrantCode::Judicial, 4),
                (WarrantCode::Unmapped, 5),
            ],
        )
    } else {
        weighted(
            rng,
            &[
                (WarrantCode::I200, 60),
                (WarrantCode::I205, 28),
                (WarrantCode::None, 3),
                (WarrantCode::Judicial, 4),
                (WarrantCode::Unmapped, 5),
            ],
        )
    }
}

/// How a detainer hold ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lift {
    /// Not lifted: released to ICE or to the street at the end of the hold.
    No,
    /// Lifted while the local case still held the person.
    BeforeEligible,
    /// Lifted at the end of the hold; released after the usual latency.
    AtEndOfHold,
}

/// Timeline of a booking as instants, before capping at `as_of`.
struct Timeline {
    booked: DateTime<Utc>,
    eligible: DateTime<Utc>,
    released: DateTime<Utc>,
    reason: ReleaseReason,
    detainers: Vec<(DateTime<Utc>, Detainer)>,
    lifted: Option<DateTime<Utc>>,
    ice: Option<DateTime<Utc>>,
}

/// Everything that decides one detainer hold.
struct HoldPlan {
    hold: Duration,
    lift: Lift,
    ice_pickup: bool,
    lodged_after_eligible: bool,
    flaggable_warrant: bool,
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

struct Sim<'a> {
    rng: &'a mut ChaCha8Rng,
    plan: Plan,
    as_of: DateTime<Utc>,
    people: Vec<Person>,
    /// For each person, when they left custody last (`None`: still held or
    /// not reusable).
    free_after: Vec<Option<DateTime<Utc>>>,
    bookings: Vec<Booking>,
    next_detainer: u64,
}

impl Sim<'_> {
    fn new_person(&mut self, booked: NaiveDate) -> usize {
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

    fn detainer(&mut self, lodged: DateTime<Utc>, flaggable: bool) -> Detainer {
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
    fn apply_hold(&mut self, t: &mut Timeline, plan: &HoldPlan) {
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
    fn finish(&mut self, person: usize, t: Timeline) -> Booking {
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

    fn timeline(&mut self, booked: DateTime<Utc>, eligible: DateTime<Utc>) -> Timeline {
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

    fn regular(&mut self, booked: DateTime<Utc>) {
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

/// The local time of a yearly event, given the year.
type EventTime = fn(i32) -> NaiveDateTime;

fn plant_scenarios(sim: &mut Sim) {
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

/// Plants every defect kind at least once (about 0.1% of bookings each),
/// and returns the orphan detainers.
fn plant_defects(sim: &mut Sim, regular_count: u64) -> Vec<Orphan> {
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
                    // One orphan per county keeps the detainer table's reject
                    // share near 1% (`max_reject_rate`).
                    break;
                }
            }
        }
    }
    orphans
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn county() -> County {
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

    #[test]
    fn forms_follow_their_dates() {
        let cutoff = NaiveDate::from_ymd_opt(2017, 4, 2).expect("valid");
        for b in county().bookings {
            for d in &b.detainers {
                let date = d.lodged.date();
                match d.form {
                    Form::I247 => assert!(date.year() < 2015),
                    Form::I247A => assert!(date >= cutoff),
                    _ => assert!(date.year() >= 2015 && date < cutoff),
                }
            }
        }
    }

    #[test]
    fn new_year_observed_follows_6103() {
        // 2022-01-01 was a Saturday, observed Friday 2021-12-31.
        assert_eq!(
            new_year_observed(2022),
            NaiveDate::from_ymd_opt(2021, 12, 31).expect("valid")
        );
        assert_eq!(
            new_year_observed(2017),
            NaiveDate::from_ymd_opt(2017, 1, 2).expect("valid")
        );
    }
}
