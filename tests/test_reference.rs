//! Differential test of `rules::hold::evaluate` (method rules 2 to 8 for one
//! booking) against a brute-force reference written from the rules' text
//! alone, independently of the library: the reference steps minute by minute
//! over `[eligible, release)` and asks, at each minute, which detainers are
//! in force. Every time the test makes is on the minute grid, so minute
//! steps measure the hold exactly.
//!
//! The reference's calendar is its own: Saturdays and Sundays of the local
//! date, and the days listed in `tests/fixtures/us_federal_holidays_2010_2030.csv`
//! (holidays and their observed days).
//!
//! Windows of four days around DST changes (Los Angeles, London, Sydney) and
//! federal holidays near weekends, in four zones (Kolkata for a half-hour
//! offset). Runs 10,000 cases by default, about 1.5 s in a debug build; for
//! a longer run: `PROPTEST_CASES=300000 cargo test --test test_reference`.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, TimeZone, Weekday};
use chrono_tz::Tz;
use detainer_audit::model::{Form, Warrant};
use detainer_audit::rules::hold::{evaluate, Evaluated, Params, Release, Status};
use detainer_audit::rules::interval::Detainer;
use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::OnceLock;

/// One minute in microseconds.
const MIN: i64 = 60_000_000;

// ---------------------------------------------------------------------------
// The reference.
// ---------------------------------------------------------------------------

/// The federal holidays and observed days of the fixture.
fn holidays() -> &'static HashSet<NaiveDate> {
    static DAYS: OnceLock<HashSet<NaiveDate>> = OnceLock::new();
    DAYS.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/us_federal_holidays_2010_2030.csv"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("date,weekday,holiday,is_observed_day"),
            "fixture header"
        );
        lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let date = l.split(',').next().unwrap();
                NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap()
            })
            .collect()
    })
}

fn local_date(t: i64, tz: Tz) -> NaiveDate {
    DateTime::from_timestamp_micros(t)
        .unwrap()
        .with_timezone(&tz)
        .date_naive()
}

/// A day the business clock skips: weekend or federal holiday (observed).
fn excluded(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || holidays().contains(&day)
}

fn in_force(d: &Detainer, t: i64) -> bool {
    d.lodged_at <= t && d.lifted_at.is_none_or(|l| t < l)
}

fn category(d: &Detainer, p: &Params) -> &'static str {
    d.warrant.unwrap_or(p.missing_warrant).name()
}

/// judicial > unknown > administrative > none ("none" for no detainer).
fn precedence<'a>(cats: impl IntoIterator<Item = &'a str>) -> &'static str {
    let cats: Vec<&str> = cats.into_iter().collect();
    for c in ["judicial", "unknown", "administrative"] {
        if cats.contains(&c) {
            return c;
        }
    }
    "none"
}

/// Lodging order: lodged_at, then detainer_id, then source_file, then
/// source_row.
fn earliest<'a>(ds: impl IntoIterator<Item = &'a Detainer>) -> Option<&'a Detainer> {
    ds.into_iter().min_by(|a, b| {
        (a.lodged_at, &a.detainer_id, &a.source_file, a.source_row).cmp(&(
            b.lodged_at,
            &b.detainer_id,
            &b.source_file,
            b.source_row,
        ))
    })
}

/// The library's form of a name the reference uses.
fn form_named(name: &str) -> Form {
    Form::parse(name).expect("a form name")
}

/// The library's warrant of a name the reference uses.
fn warrant_named(name: &str) -> Warrant {
    Warrant::parse(name).expect("a warrant name")
}

fn form_of(d: &Detainer) -> String {
    d.form
        .map_or_else(|| "unknown".to_string(), |f| f.name().to_string())
}

fn reference(
    eligible_at: Option<i64>,
    release: Release,
    ds: &[&Detainer],
    p: &Params,
) -> Evaluated {
    let (e, end) = match (release, eligible_at) {
        (Release::At(r), Some(e)) => (e, r),
        (Release::Open, Some(e)) => (e, p.as_of),
        (Release::Unknown, _) | (_, None) => {
            let status = if release == Release::Unknown {
                Status::ReleaseUnknown
            } else {
                Status::EligibilityUnknown
            };
            let hold_end = match (status, release) {
                (Status::EligibilityUnknown, Release::At(r)) => Some(r),
                _ => None,
            };
            return Evaluated {
                status,
                hold_start: None,
                hold_end,
                hold_minutes: None,
                unwarranted_minutes: None,
                form: earliest(ds.iter().copied()).map(|d| form_named(&form_of(d))),
                warrant_status: warrant_named(precedence(ds.iter().map(|d| category(d, p)))),
                past_release: None,
                flagged: false,
                over_limit: None,
                limit_hours_counted: None,
                pieces: Vec::new(),
                in_force: vec![true; ds.len()],
            };
        }
    };

    // The hold: the minutes of [e, end) at which some detainer is in force.
    let mut hold: Vec<i64> = Vec::new();
    let mut t = e;
    while t < end {
        if ds.iter().any(|d| in_force(d, t)) {
            hold.push(t);
        }
        t += MIN;
    }
    let hold_start = hold.first().copied().unwrap_or(e);
    let hold_end = hold.last().map_or(e, |&t| t + MIN);
    let hold_minutes = hold.len() as i64;
    let mut pieces: Vec<(i64, i64)> = Vec::new();
    for &t in &hold {
        match pieces.last_mut() {
            Some(last) if last.1 == t => last.1 = t + MIN,
            _ => pieces.push((t, t + MIN)),
        }
    }

    let form = earliest(ds.iter().copied().filter(|d| in_force(d, hold_start))).map(form_of);

    // Warrant.
    let judicial_at = hold.iter().copied().find(|&t| {
        ds.iter()
            .any(|d| in_force(d, t) && category(d, p) == "judicial")
    });
    let before_j = |t: i64| judicial_at.is_none_or(|j| t < j);
    let unwarranted = hold.iter().filter(|&&t| before_j(t)).count() as i64;
    let warrant_status = if hold.is_empty() {
        precedence(
            ds.iter()
                .filter(|d| in_force(d, hold_start))
                .map(|d| category(d, p)),
        )
    } else if judicial_at == Some(hold_start) {
        "judicial"
    } else {
        precedence(
            ds.iter()
                .filter(|d| hold.iter().any(|&t| before_j(t) && in_force(d, t)))
                .map(|d| category(d, p)),
        )
    };

    let start_day = local_date(hold_start, p.tz);
    let flagged = unwarranted > p.grace_minutes
        && matches!(warrant_status, "none" | "administrative")
        && start_day >= p.since
        && p.until.is_none_or(|u| start_day <= u);

    // The 48-hour clock: (minutes counted, limit in hours).
    let business = || {
        hold.iter()
            .filter(|&&t| !excluded(local_date(t, p.tz)))
            .count() as i64
    };
    let clock = match form.as_deref() {
        Some("I-247" | "I-247D" | "I-247X") => Some((business(), 48.0)),
        Some("I-247A") => Some((hold_minutes, 48.0)),
        Some("I-247N") => Some((hold_minutes, 0.0)),
        _ => None,
    };
    let limit_hours_counted = clock.map(|(m, _)| m as f64 / 60.0);
    let over_limit = clock.map(|(m, limit)| m as f64 / 60.0 > limit);

    let status = match release {
        Release::Open if !hold.is_empty() && hold_end == p.as_of => Status::Open,
        _ => Status::Closed,
    };
    let in_force_flags = ds
        .iter()
        .map(|d| {
            if hold.is_empty() {
                in_force(d, hold_start)
            } else {
                hold.iter().any(|&t| in_force(d, t))
            }
        })
        .collect();

    Evaluated {
        status,
        hold_start: Some(hold_start),
        hold_end: Some(hold_end),
        hold_minutes: Some(hold_minutes),
        unwarranted_minutes: Some(unwarranted),
        form: form.map(|f| form_named(&f)),
        warrant_status: warrant_named(warrant_status),
        past_release: Some(hold_minutes > p.grace_minutes),
        flagged,
        over_limit,
        limit_hours_counted,
        pieces,
        in_force: in_force_flags,
    }
}

// ---------------------------------------------------------------------------
// Hand-worked cases: the expected values are worked out in the comments and
// checked against both the library and the reference.
// ---------------------------------------------------------------------------

fn la() -> Tz {
    "America/Los_Angeles".parse().unwrap()
}

/// A local time ("2019-03-05 14:00") in `tz`, as UTC microseconds.
fn at(tz: Tz, local: &str) -> i64 {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive)
        .single()
        .unwrap()
        .timestamp_micros()
}

fn params(tz: Tz) -> Params {
    Params {
        as_of: at(tz, "2019-12-31 00:00"),
        grace_minutes: 30,
        missing_warrant: Warrant::Unknown,
        since: NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(),
        until: None,
        tz,
    }
}

fn detainer(
    lodged_at: i64,
    lifted_at: Option<i64>,
    form: Option<&str>,
    warrant: Option<&str>,
) -> Detainer {
    Detainer {
        lodged_at,
        lifted_at,
        form: form.map(form_named),
        warrant: warrant.map(warrant_named),
        source_file: "d.csv".to_string(),
        ..Default::default()
    }
}

/// Checks the library and the reference against the hand-worked values.
fn check(
    eligible_at: Option<i64>,
    release: Release,
    ds: &[Detainer],
    p: &Params,
    expected: &Evaluated,
) {
    let refs: Vec<&Detainer> = ds.iter().collect();
    assert_eq!(
        &reference(eligible_at, release, &refs, p),
        expected,
        "reference"
    );
    assert_eq!(
        &evaluate(eligible_at, release, &refs, p),
        expected,
        "library"
    );
}

#[test]
fn hand_gap_then_second_form() {
    // Tuesday 2019-03-05, Los Angeles. D1 (I-247N, administrative) is in
    // force 08:00-09:00, before eligibility at 12:00; D2 (I-247A, empty
    // warrant read as `unknown`) from 14:00. Released 16:00.
    // Hold: [14:00, 16:00) = 120 minutes, all unwarranted (no judicial
    // warrant); only D2 is in force during it, so `unknown`, not flagged.
    // Form I-247A: calendar clock, 2 h, not over 48 h. 120 > 30: past release.
    let tz = la();
    let h = |s: &str| at(tz, &format!("2019-03-05 {s}"));
    let ds = [
        detainer(
            h("08:00"),
            Some(h("09:00")),
            Some("I-247N"),
            Some("administrative"),
        ),
        detainer(h("14:00"), None, Some("I-247A"), None),
    ];
    let expected = Evaluated {
        status: Status::Closed,
        hold_start: Some(h("14:00")),
        hold_end: Some(h("16:00")),
        hold_minutes: Some(120),
        unwarranted_minutes: Some(120),
        form: Some(form_named("I-247A")),
        warrant_status: warrant_named("unknown"),
        past_release: Some(true),
        flagged: false,
        over_limit: Some(false),
        limit_hours_counted: Some(2.0),
        pieces: vec![(h("14:00"), h("16:00"))],
        in_force: vec![false, true],
    };
    check(
        Some(h("12:00")),
        Release::At(h("16:00")),
        &ds,
        &params(tz),
        &expected,
    );
}

#[test]
fn hand_administrative_then_judicial() {
    // Tuesday 2019-03-05, Los Angeles. D1 (I-247, administrative) lodged
    // 09:00, eligible 10:00; D2 (I-247D, judicial) lodged 15:00; released
    // 20:00. Hold [10:00, 20:00) = 600 minutes; the first judicial minute is
    // 15:00, so 300 minutes unwarranted; before it only D1 was in force:
    // `administrative`, 300 > 30, flagged. Form at 10:00: D1's I-247,
    // business clock on a Tuesday: 10 h, not over 48.
    let tz = la();
    let h = |s: &str| at(tz, &format!("2019-03-05 {s}"));
    let ds = [
        detainer(h("09:00"), None, Some("I-247"), Some("administrative")),
        detainer(h("15:00"), None, Some("I-247D"), Some("judicial")),
    ];
    let expected = Evaluated {
        status: Status::Closed,
        hold_start: Some(h("10:00")),
        hold_end: Some(h("20:00")),
        hold_minutes: Some(600),
        unwarranted_minutes: Some(300),
        form: Some(form_named("I-247")),
        warrant_status: warrant_named("administrative"),
        past_release: Some(true),
        flagged: true,
        over_limit: Some(false),
        limit_hours_counted: Some(10.0),
        pieces: vec![(h("10:00"), h("20:00"))],
        in_force: vec![true, true],
    };
    check(
        Some(h("10:00")),
        Release::At(h("20:00")),
        &ds,
        &params(tz),
        &expected,
    );
}

#[test]
fn hand_module_doc_example() {
    // hold.rs's own example: eligible 2019-03-04 10:00, an I-247A with an
    // I-200 (administrative) lodged 08:00, released 16:00 (Los Angeles):
    // closed, 360 minutes, all unwarranted, administrative, flagged, 6 hours
    // on the calendar clock.
    let tz = la();
    let h = |s: &str| at(tz, &format!("2019-03-04 {s}"));
    let ds = [detainer(
        h("08:00"),
        None,
        Some("I-247A"),
        Some("administrative"),
    )];
    let expected = Evaluated {
        status: Status::Closed,
        hold_start: Some(h("10:00")),
        hold_end: Some(h("16:00")),
        hold_minutes: Some(360),
        unwarranted_minutes: Some(360),
        form: Some(form_named("I-247A")),
        warrant_status: warrant_named("administrative"),
        past_release: Some(true),
        flagged: true,
        over_limit: Some(false),
        limit_hours_counted: Some(6.0),
        pieces: vec![(h("10:00"), h("16:00"))],
        in_force: vec![true],
    };
    check(
        Some(h("10:00")),
        Release::At(h("16:00")),
        &ds,
        &params(tz),
        &expected,
    );
}

#[test]
fn hand_thanksgiving_business_clock() {
    // Los Angeles, an I-247 with a judicial warrant lodged Wednesday
    // 2019-11-27 12:00 (also eligible then), released Monday 2019-12-02
    // 12:00: 5 days = 7200 minutes. Business clock: Wednesday 12 h,
    // Thursday 28 (Thanksgiving) skipped, Friday 24 h, Saturday and Sunday
    // skipped, Monday 12 h: 48 h exactly, which is not over 48.
    // Judicial from the start: 0 unwarranted, not flagged.
    let tz = la();
    let ds = [detainer(
        at(tz, "2019-11-27 12:00"),
        None,
        Some("I-247"),
        Some("judicial"),
    )];
    let expected = Evaluated {
        status: Status::Closed,
        hold_start: Some(at(tz, "2019-11-27 12:00")),
        hold_end: Some(at(tz, "2019-12-02 12:00")),
        hold_minutes: Some(7200),
        unwarranted_minutes: Some(0),
        form: Some(form_named("I-247")),
        warrant_status: warrant_named("judicial"),
        past_release: Some(true),
        flagged: false,
        over_limit: Some(false),
        limit_hours_counted: Some(48.0),
        pieces: vec![(at(tz, "2019-11-27 12:00"), at(tz, "2019-12-02 12:00"))],
        in_force: vec![true],
    };
    check(
        Some(at(tz, "2019-11-27 12:00")),
        Release::At(at(tz, "2019-12-02 12:00")),
        &ds,
        &params(tz),
        &expected,
    );
}

#[test]
fn hand_spring_forward_day_is_23_hours() {
    // Los Angeles, Sunday 2019-03-10 (clocks jump 02:00 -> 03:00): eligible
    // at local midnight, released the next midnight: 23 h = 1380 minutes.
    // An I-247N (limit 0, calendar clock): 23 h counted, over the limit.
    // Empty warrant with missing_warrant = none: `none`, flagged (1380 > 30,
    // local start date 2019-03-10 within since..until).
    let tz = la();
    let mut p = params(tz);
    p.missing_warrant = Warrant::None;
    p.since = NaiveDate::from_ymd_opt(2019, 3, 10).unwrap();
    p.until = NaiveDate::from_ymd_opt(2019, 3, 10);
    let (s, e) = (at(tz, "2019-03-10 00:00"), at(tz, "2019-03-11 00:00"));
    let ds = [detainer(s - 60 * MIN, None, Some("I-247N"), None)];
    let expected = Evaluated {
        status: Status::Closed,
        hold_start: Some(s),
        hold_end: Some(e),
        hold_minutes: Some(1380),
        unwarranted_minutes: Some(1380),
        form: Some(form_named("I-247N")),
        warrant_status: warrant_named("none"),
        past_release: Some(true),
        flagged: true,
        over_limit: Some(true),
        limit_hours_counted: Some(23.0),
        pieces: vec![(s, e)],
        in_force: vec![true],
    };
    check(Some(s), Release::At(e), &ds, &p, &expected);
}

#[test]
fn hand_open_hold_ends_at_as_of() {
    // Still held: measured to as_of (18:00). D1 (empty form, read `unknown`)
    // in force 10:00-11:00, D2 (I-247X, unknown warrant) lodged 11:30,
    // eligible 10:30. Hold pieces [10:30, 11:00) and [11:30, 18:00): 30 +
    // 390 = 420 minutes, ends at as_of: open. Form at 10:30: D1's, `unknown`
    // (no clock). Warrant: D1 administrative, D2 unknown: `unknown`.
    let tz = la();
    let h = |s: &str| at(tz, &format!("2019-03-05 {s}"));
    let mut p = params(tz);
    p.as_of = h("18:00");
    let ds = [
        detainer(h("10:00"), Some(h("11:00")), None, Some("administrative")),
        detainer(h("11:30"), None, Some("I-247X"), Some("unknown")),
    ];
    let expected = Evaluated {
        status: Status::Open,
        hold_start: Some(h("10:30")),
        hold_end: Some(h("18:00")),
        hold_minutes: Some(420),
        unwarranted_minutes: Some(420),
        form: Some(form_named("unknown")),
        warrant_status: warrant_named("unknown"),
        past_release: Some(true),
        flagged: false,
        over_limit: None,
        limit_hours_counted: None,
        pieces: vec![(h("10:30"), h("11:00")), (h("11:30"), h("18:00"))],
        in_force: vec![true, true],
    };
    check(Some(h("10:30")), Release::Open, &ds, &p, &expected);
}

#[test]
fn hand_empty_hold() {
    // The only detainer was lifted (11:00) before eligibility (12:00): no
    // hold. Start = end = eligibility, 0 minutes; nothing in force at 12:00:
    // form None (no clock), warrant `none`, not flagged.
    let tz = la();
    let h = |s: &str| at(tz, &format!("2019-03-05 {s}"));
    let ds = [detainer(
        h("08:00"),
        Some(h("11:00")),
        Some("I-247A"),
        Some("administrative"),
    )];
    let expected = Evaluated {
        status: Status::Closed,
        hold_start: Some(h("12:00")),
        hold_end: Some(h("12:00")),
        hold_minutes: Some(0),
        unwarranted_minutes: Some(0),
        form: None,
        warrant_status: warrant_named("none"),
        past_release: Some(false),
        flagged: false,
        over_limit: None,
        limit_hours_counted: None,
        pieces: vec![],
        in_force: vec![false],
    };
    check(
        Some(h("12:00")),
        Release::At(h("16:00")),
        &ds,
        &params(tz),
        &expected,
    );
}

#[test]
fn hand_not_measured() {
    // No eligibility, released 16:00: eligibility_unknown, hold_end is the
    // release. Form of the earliest lodged (D2 at 07:00: I-247D); warrant
    // judicial since D1's is. Release unknown: release_unknown, no hold_end.
    let tz = la();
    let h = |s: &str| at(tz, &format!("2019-03-05 {s}"));
    let ds = [
        detainer(h("09:00"), None, Some("I-247A"), Some("judicial")),
        detainer(h("07:00"), Some(h("08:00")), Some("I-247D"), None),
    ];
    let mut expected = Evaluated {
        status: Status::EligibilityUnknown,
        hold_start: None,
        hold_end: Some(h("16:00")),
        hold_minutes: None,
        unwarranted_minutes: None,
        form: Some(form_named("I-247D")),
        warrant_status: warrant_named("judicial"),
        past_release: None,
        flagged: false,
        over_limit: None,
        limit_hours_counted: None,
        pieces: vec![],
        in_force: vec![true, true],
    };
    check(None, Release::At(h("16:00")), &ds, &params(tz), &expected);
    expected.status = Status::ReleaseUnknown;
    expected.hold_end = None;
    check(
        Some(h("10:00")),
        Release::Unknown,
        &ds,
        &params(tz),
        &expected,
    );
}

// ---------------------------------------------------------------------------
// The property.
// ---------------------------------------------------------------------------

/// Window length in minutes: four local days from local midnight two days
/// before the anchor.
const WINDOW: i64 = 4 * 24 * 60;

/// (zone, anchor date): DST changes and federal holidays near weekends.
const ANCHORS: &[(&str, &str)] = &[
    ("America/Los_Angeles", "2019-03-10"), // spring forward, Sunday
    ("America/Los_Angeles", "2019-11-03"), // fall back, Sunday
    ("America/Los_Angeles", "2019-11-28"), // Thanksgiving, Thursday
    ("America/Los_Angeles", "2019-12-25"), // Christmas, Wednesday
    ("America/Los_Angeles", "2020-07-03"), // observed Friday, July 4th Saturday
    ("America/Los_Angeles", "2021-07-05"), // observed Monday, July 4th Sunday
    ("America/Los_Angeles", "2021-12-31"), // New Year's 2022 observed
    ("America/Los_Angeles", "2022-12-26"), // Christmas observed Monday
    ("Europe/London", "2019-03-31"),       // BST starts
    ("Europe/London", "2019-10-27"),       // BST ends
    ("Europe/London", "2019-11-28"),
    ("Europe/London", "2020-12-25"),    // Christmas, Friday
    ("Australia/Sydney", "2019-04-07"), // DST ends
    ("Australia/Sydney", "2019-10-06"), // DST starts
    ("Australia/Sydney", "2021-12-31"),
    ("Asia/Kolkata", "2019-11-28"),
    ("Asia/Kolkata", "2021-06-18"), // Juneteenth observed Friday
];

/// A minute offset in the window: any minute, or on an hour or six-hour
/// grid so that times coincide often.
fn minute() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..WINDOW,
        (0..WINDOW / 60).prop_map(|h| h * 60),
        (0..WINDOW / 360).prop_map(|q| q * 360),
    ]
}

/// Minutes between two events: any, or whole hours.
fn span(lo_hours: i64, hi_hours: i64) -> impl Strategy<Value = i64> {
    prop_oneof![
        lo_hours * 60..hi_hours * 60,
        (lo_hours..hi_hours).prop_map(|h| h * 60),
    ]
}

/// A detainer in minutes of the window. Lodged at `lodged`, or at
/// `lodged_rel` minutes from eligibility (when there is one). How it ends:
/// `lift_kind` 0 = not lifted, 1 = at the minute `lift_abs` (maybe before
/// it was lodged), 2 = `lift_after` minutes after it was lodged.
#[derive(Debug, Clone)]
struct RawDetainer {
    lodged: i64,
    lodged_rel: Option<i64>,
    lift_kind: u8,
    lift_abs: i64,
    lift_after: i64,
    form: usize,
    warrant: usize,
    id: usize,
    file: usize,
    row: i64,
}

fn raw_detainer() -> impl Strategy<Value = RawDetainer> {
    (
        minute(),
        prop_oneof![1 => Just(None), 1 => span(-12, 25).prop_map(Some)],
        prop_oneof![1 => Just(0u8), 1 => Just(1u8), 2 => Just(2u8)],
        minute(),
        prop_oneof![Just(0i64), 0..1500i64, (0..25i64).prop_map(|h| h * 60)],
        0..FORMS.len(),
        0..WARRANTS.len(),
        0..3usize,
        0..2usize,
        0..3i64,
    )
        .prop_map(
            |(
                lodged,
                lodged_rel,
                lift_kind,
                lift_abs,
                lift_after,
                form,
                warrant,
                id,
                file,
                row,
            )| RawDetainer {
                lodged,
                lodged_rel,
                lift_kind,
                lift_abs,
                lift_after,
                form,
                warrant,
                id,
                file,
                row,
            },
        )
}

const FORMS: &[Option<&str>] = &[
    Some("I-247"),
    Some("I-247D"),
    Some("I-247N"),
    Some("I-247X"),
    Some("I-247A"),
    Some("unknown"),
    None,
];
const WARRANTS: &[Option<&str>] = &[
    Some("none"),
    Some("administrative"),
    Some("judicial"),
    Some("unknown"),
    None,
];
const MISSING: &[&str] = &["unknown", "none", "administrative"];

#[derive(Debug, Clone)]
struct Case {
    anchor: usize,
    eligible: Option<i64>,
    /// 0..6 = released at `release`, 6..8 = open, 8 = release unknown.
    release_kind: u8,
    release: i64,
    as_of: i64,
    /// When set (and eligible is known): the release, or `as_of` for an
    /// open hold, this many minutes after eligibility.
    release_rel: Option<i64>,
    detainers: Vec<RawDetainer>,
    grace: i64,
    missing: usize,
    since: Option<i64>,
    until: Option<i64>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ANCHORS.len(),
        prop_oneof![1 => Just(None), 8 => minute().prop_map(Some)],
        0..9u8,
        minute(),
        minute(),
        prop_oneof![1 => Just(None), 2 => span(0, 50).prop_map(Some)],
        proptest::collection::vec(raw_detainer(), 1..=4),
        prop_oneof![Just(0i64), Just(30i64)],
        0..MISSING.len(),
        proptest::option::of(-3..=3i64),
        proptest::option::of(-3..=3i64),
    )
        .prop_map(
            |(
                anchor,
                eligible,
                release_kind,
                release,
                as_of,
                release_rel,
                detainers,
                grace,
                missing,
                since,
                until,
            )| {
                Case {
                    anchor,
                    eligible,
                    release_kind,
                    release,
                    as_of,
                    release_rel,
                    detainers,
                    grace,
                    missing,
                    since,
                    until,
                }
            },
        )
}

/// The case's inputs, in UTC microseconds.
fn build(c: &Case) -> (Option<i64>, Release, Vec<Detainer>, Params) {
    let (zone, anchor) = ANCHORS[c.anchor];
    let tz: Tz = zone.parse().unwrap();
    let anchor = NaiveDate::parse_from_str(anchor, "%Y-%m-%d").unwrap();
    let first = anchor.checked_sub_days(Days::new(2)).unwrap();
    let start = tz
        .from_local_datetime(&first.and_hms_opt(0, 0, 0).unwrap())
        .single()
        .unwrap()
        .timestamp_micros();
    let t = |m: i64| start + m * MIN;
    let day = |off: i64| {
        if off >= 0 {
            anchor.checked_add_days(Days::new(off as u64)).unwrap()
        } else {
            anchor.checked_sub_days(Days::new((-off) as u64)).unwrap()
        }
    };

    // Released at least an hour into the window, so that something can be
    // lodged before it.
    let (release_minute, as_of_minute) = match (c.release_rel, c.eligible) {
        (Some(d), Some(e)) => ((e + d).max(60), e + d),
        _ => (c.release + 60, c.as_of + 60),
    };
    let release = match c.release_kind {
        0..=5 => Release::At(t(release_minute)),
        6 | 7 => Release::Open,
        _ => Release::Unknown,
    };
    let detainers = c
        .detainers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut lodged = match (r.lodged_rel, c.eligible) {
                (Some(d), Some(e)) => e + d,
                _ => r.lodged,
            };
            if matches!(release, Release::At(_)) && lodged >= release_minute {
                lodged %= release_minute;
            }
            let lifted = match r.lift_kind {
                0 => None,
                1 => Some(t(r.lift_abs)),
                _ => Some(t(lodged + r.lift_after)),
            };
            Detainer {
                lodged_at: t(lodged),
                lifted_at: lifted,
                form: FORMS[r.form].map(form_named),
                warrant: WARRANTS[r.warrant].map(warrant_named),
                detainer_id: [None, Some("A"), Some("B")][r.id].map(str::to_string),
                source_file: ["a.csv", "b.csv"][r.file].to_string(),
                // Distinct rows: no two detainers tie on the whole order.
                source_row: r.row * 10 + i as i64,
                ..Default::default()
            }
        })
        .collect();
    let p = Params {
        as_of: t(as_of_minute),
        grace_minutes: c.grace,
        missing_warrant: warrant_named(MISSING[c.missing]),
        since: c
            .since
            .map_or(NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(), day),
        until: c.until.map(day),
        tz,
    };
    (c.eligible.map(t), release, detainers, p)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000),
        // No regressions file: tests/ has no lib.rs for proptest to place
        // one beside; a failure prints its minimal case instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn evaluate_matches_reference(c in case()) {
        let (eligible, release, detainers, p) = build(&c);
        let refs: Vec<&Detainer> = detainers.iter().collect();
        let want = reference(eligible, release, &refs, &p);
        let got = evaluate(eligible, release, &refs, &p);
        prop_assert_eq!(
            got,
            want,
            "eligible {:?}, release {:?}, detainers {:#?}, params {:?}",
            eligible,
            release,
            detainers,
            p
        );
    }
}

/// The generator reaches the outcomes the property is meant to compare: a
/// sample of its cases, judged by the reference, shows each kind often.
#[test]
fn generator_covers_the_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;

    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let n = 2000;
    for _ in 0..n {
        let c = case().new_tree(&mut runner).unwrap().current();
        let (eligible, release, detainers, p) = build(&c);
        let refs: Vec<&Detainer> = detainers.iter().collect();
        let r = reference(eligible, release, &refs, &p);
        let mut note = |k: &'static str, yes: bool| {
            if yes {
                *seen.entry(k).or_default() += 1;
            }
        };
        note("closed", r.status == Status::Closed);
        note("open", r.status == Status::Open);
        note(
            "eligibility_unknown",
            r.status == Status::EligibilityUnknown,
        );
        note("release_unknown", r.status == Status::ReleaseUnknown);
        note("empty hold", r.hold_minutes == Some(0));
        note("several pieces", r.pieces.len() > 1);
        note(
            "judicial at start",
            r.unwarranted_minutes == Some(0) && r.hold_minutes > Some(0),
        );
        let partly = r.unwarranted_minutes > Some(0) && r.unwarranted_minutes < r.hold_minutes;
        note("judicial mid-hold", partly);
        note("flagged", r.flagged);
        note("flag-eligible, outside since/until", {
            let day = r.hold_start.map(|t| local_date(t, p.tz));
            !r.flagged
                && matches!(r.warrant_status.name(), "none" | "administrative")
                && r.unwarranted_minutes > Some(p.grace_minutes)
                && day.is_some_and(|d| d < p.since || p.until.is_some_and(|u| d > u))
        });
        note("over limit", r.over_limit == Some(true));
        note("within limit", r.over_limit == Some(false));
        note("business clock short of calendar", {
            matches!(
                r.form.map(|f| f.name()),
                Some("I-247" | "I-247D" | "I-247X")
            ) && r
                .limit_hours_counted
                .is_some_and(|h| h * 60.0 < r.hold_minutes.unwrap() as f64)
        });
        note(
            "no form at start",
            r.form.is_none() && r.hold_minutes.is_some(),
        );
        note("some detainer out of the hold", r.in_force.contains(&false));
        note("warrant unknown", r.warrant_status.name() == "unknown");
        note(
            "warrant administrative",
            r.warrant_status.name() == "administrative",
        );
        note("warrant none", r.warrant_status.name() == "none");
        note("warrant judicial", r.warrant_status.name() == "judicial");
        note("tie on lodging time", {
            let mut l: Vec<i64> = detainers.iter().map(|d| d.lodged_at).collect();
            l.sort_unstable();
            l.windows(2).any(|w| w[0] == w[1])
        });
    }
    for (k, v) in &seen {
        eprintln!("{k}: {v}");
    }
    for k in [
        "closed",
        "open",
        "eligibility_unknown",
        "release_unknown",
        "empty hold",
        "several pieces",
        "judicial at start",
        "judicial mid-hold",
        "flagged",
        "flag-eligible, outside since/until",
        "over limit",
        "within limit",
        "business clock short of calendar",
        "no form at start",
        "some detainer out of the hold",
        "warrant unknown",
        "warrant administrative",
        "warrant none",
        "warrant judicial",
        "tie on lodging time",
    ] {
        let count = seen.get(k).copied().unwrap_or(0);
        assert!(count * 100 >= n, "{k}: {count} of {n} cases");
    }
}
