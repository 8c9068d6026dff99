//! Federal holidays and the detainer clocks: pure functions, no polars.
//!
//! 8 CFR 287.7(d) lets a jail keep a person on an I-247 or I-247D detainer for
//! at most 48 hours "excluding Saturdays, Sundays, and holidays". The holidays
//! are the federal ones of 5 U.S.C. 6103, computed here from the statute (not
//! listed by hand) and checked in the tests against an independent table for
//! 2010 to 2030 (`tests/fixtures/us_federal_holidays_2010_2030.csv`, from the
//! python-holidays package).

use crate::model::{Fold, Form};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// One legal public holiday of 5 U.S.C. 6103(a) in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub name: &'static str,
    /// The day the statute names.
    pub date: NaiveDate,
    /// The day federal offices close for it: 5 U.S.C. 6103(b) moves a holiday on
    /// a Saturday to the Friday before and one on a Sunday to the Monday after.
    pub observed: NaiveDate,
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("fixed holiday dates exist in every year")
}

/// The `n`th (1-based) `weekday` of a month; `n = 0` means the last one.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    if n == 0 {
        let next_first = if month == 12 {
            ymd(year + 1, 1, 1)
        } else {
            ymd(year, month + 1, 1)
        };
        let mut day = next_first - Duration::days(1);
        while day.weekday() != weekday {
            day -= Duration::days(1);
        }
        day
    } else {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
            .expect("the 1st to 4th weekday of a month always exists")
    }
}

fn observed(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date - Duration::days(1),
        Weekday::Sun => date + Duration::days(1),
        _ => date,
    }
}

/// The federal holidays of `year` (5 U.S.C. 6103(a)), in calendar order.
/// Juneteenth counts from 2021 (Pub. L. 117-17).
pub fn federal_holidays(year: i32) -> Vec<Holiday> {
    let mut days: Vec<(&'static str, NaiveDate)> = vec![
        ("New Year's Day", ymd(year, 1, 1)),
        (
            "Martin Luther King Jr. Day",
            nth_weekday(year, 1, Weekday::Mon, 3),
        ),
        (
            "Washington's Birthday",
            nth_weekday(year, 2, Weekday::Mon, 3),
        ),
        ("Memorial Day", nth_weekday(year, 5, Weekday::Mon, 0)),
    ];
    if year >= 2021 {
        days.push(("Juneteenth National Independence Day", ymd(year, 6, 19)));
    }
    days.extend([
        ("Independence Day", ymd(year, 7, 4)),
        ("Labor Day", nth_weekday(year, 9, Weekday::Mon, 1)),
        ("Columbus Day", nth_weekday(year, 10, Weekday::Mon, 2)),
        ("Veterans Day", ymd(year, 11, 11)),
        ("Thanksgiving Day", nth_weekday(year, 11, Weekday::Thu, 4)),
        ("Christmas Day", ymd(year, 12, 25)),
    ]);
    days.into_iter()
        .map(|(name, date)| Holiday {
            name,
            date,
            observed: observed(date),
        })
        .collect()
}

/// True when federal offices are closed on `day` for a holiday: the holiday
/// itself, or the weekday that stands in for one on a weekend. New Year's Day
/// of the next year can be observed on December 31 (2021-12-31 for 2022).
pub fn is_federal_holiday(day: NaiveDate) -> bool {
    let year = day.year();
    [year, year + 1].into_iter().any(|y| {
        federal_holidays(y)
            .iter()
            .any(|h| h.date == day || h.observed == day)
    })
}

/// True for a day that the 48-hour clock of 8 CFR 287.7(d) skips: a
/// Saturday, a Sunday or a federal holiday (observed day included).
pub fn is_excluded_day(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || is_federal_holiday(day)
}

/// The instant a local calendar day starts in `tz`. Where midnight itself
/// does not exist (zones that change clocks at midnight) the day starts at the
/// first instant that does.
pub fn local_day_start(day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    let mut t = day.and_time(NaiveTime::MIN);
    for _ in 0..=24 * 4 {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += Duration::minutes(15);
    }
    // No zone skips a whole day of local time in the range we handle; fall
    // back to reading midnight as UTC rather than panicking.
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

/// The local wall-clock time in `tz` of a UTC-microsecond instant.
pub fn local_datetime(micros: i64, tz: &chrono_tz::Tz) -> Option<chrono::NaiveDateTime> {
    DateTime::<Utc>::from_timestamp_micros(micros).map(|t| t.with_timezone(tz).naive_local())
}

pub fn local_date(micros: i64, tz: &chrono_tz::Tz) -> NaiveDate {
    local_datetime(micros, tz).unwrap_or_default().date()
}

/// Method rule 4: the instant of a local time in `tz`. An ambiguous one (the
/// hour repeated when clocks go back) is the instant `fold` says; one that
/// does not exist (the hour skipped when they go forward) is `None`, never
/// shifted.
pub fn local_to_utc(local: chrono::NaiveDateTime, tz: &Tz, fold: Fold) -> Option<i64> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(dt) => Some(dt.timestamp_micros()),
        chrono::LocalResult::Ambiguous(earliest, latest) => Some(match fold {
            Fold::Earlier => earliest.timestamp_micros(),
            Fold::Later => latest.timestamp_micros(),
        }),
        chrono::LocalResult::None => None,
    }
}

/// Which clock a detainer form runs under (method rule 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// 48 hours excluding Saturdays, Sundays and federal holidays
    /// (I-247, I-247D, I-247X: 8 CFR 287.7(d)).
    BusinessHours,
    /// 48 hours of calendar time (I-247A).
    CalendarHours,
    /// No detention authorized at all (I-247N: a request for notification only).
    NoDetention,
}

impl Clock {
    /// The clock of a form, `None` for an unknown form.
    pub fn for_form(form: Form) -> Option<Clock> {
        match form {
            Form::I247 | Form::I247D | Form::I247X => Some(Clock::BusinessHours),
            Form::I247A => Some(Clock::CalendarHours),
            Form::I247N => Some(Clock::NoDetention),
            Form::Unknown => None,
        }
    }

    /// Hours of detention the form allows.
    pub fn limit_hours(self) -> f64 {
        match self {
            Clock::BusinessHours | Clock::CalendarHours => 48.0,
            Clock::NoDetention => 0.0,
        }
    }

    /// Seconds of `[start, end)` that count under this clock. Excluded days
    /// are local calendar days in `tz`, so their length follows DST (23 or 25
    /// hours) and the count is elapsed real time.
    pub fn counted_seconds(self, start: DateTime<Utc>, end: DateTime<Utc>, tz: &Tz) -> i64 {
        if end <= start {
            return 0;
        }
        match self {
            Clock::CalendarHours | Clock::NoDetention => (end - start).num_seconds(),
            Clock::BusinessHours => business_seconds(start, end, tz),
        }
    }
}

/// Seconds of `[start, end)` that fall on local days that are neither
/// weekends nor federal holidays.
pub fn business_seconds(start: DateTime<Utc>, end: DateTime<Utc>, tz: &Tz) -> i64 {
    if end <= start {
        return 0;
    }
    let mut total = 0i64;
    let mut day = start.with_timezone(tz).date_naive();
    let last = end.with_timezone(tz).date_naive();
    while day <= last {
        let next = day.succ_opt().unwrap_or(day);
        if !is_excluded_day(day) {
            let day_start = local_day_start(day, tz).max(start);
            let day_end = local_day_start(next, tz).min(end);
            if day_end > day_start {
                total += (day_end - day_start).num_seconds();
            }
        }
        if next == day {
            break;
        }
        day = next;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    const LA: Tz = chrono_tz::America::Los_Angeles;

    fn la(s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        LA.from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fixture() -> Vec<(NaiveDate, String, bool)> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/us_federal_holidays_2010_2030.csv"
        );
        let text = std::fs::read_to_string(path).unwrap();
        text.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (
                    NaiveDate::parse_from_str(f[0], "%Y-%m-%d").unwrap(),
                    f[2].to_string(),
                    f[3] == "true",
                )
            })
            .collect()
    }

    #[test]
    fn holidays_match_independent_table_2010_to_2030() {
        // The fixture lists each holiday's statutory date (is_observed_day
        // false) and, when that is a weekend, the weekday that stands in for
        // it as a separate row (is_observed_day true).
        let expected: BTreeSet<(NaiveDate, String, bool)> = fixture().into_iter().collect();
        let mut computed = BTreeSet::new();
        for year in 2009..=2031 {
            for h in federal_holidays(year) {
                computed.insert((h.date, h.name.to_string(), false));
                if h.observed != h.date {
                    computed.insert((h.observed, h.name.to_string(), true));
                }
            }
        }
        // The table is clipped to 2010-01-01..2030-12-31; New Year's Day 2011
        // observed on 2010-12-31 is in it, an observed day in 2009 would not be.
        computed.retain(|(d, _, _)| d.year() >= 2010 && d.year() <= 2030);
        assert_eq!(computed, expected);
        // Its weekday column agrees with the dates (a check of the fixture).
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/us_federal_holidays_2010_2030.csv"
        );
        for line in std::fs::read_to_string(path).unwrap().lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let d = NaiveDate::parse_from_str(f[0], "%Y-%m-%d").unwrap();
            assert_eq!(d.weekday().to_string(), f[1], "{line}");
        }
    }

    #[test]
    fn every_fixture_day_is_a_day_off_and_no_other_weekday_is() {
        let offs: BTreeSet<NaiveDate> = fixture()
            .into_iter()
            .filter(|(d, _, _)| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .map(|(d, _, _)| d)
            .collect();
        let mut day = ymd(2010, 1, 1);
        while day <= ymd(2030, 12, 31) {
            let weekday = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            if weekday {
                assert_eq!(is_federal_holiday(day), offs.contains(&day), "{day}");
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn juneteenth_only_from_2021_and_new_year_2022_observed_in_2021() {
        assert!(!is_federal_holiday(ymd(2020, 6, 19)));
        assert!(is_federal_holiday(ymd(2021, 6, 18)));
        assert!(is_federal_holiday(ymd(2021, 12, 31)));
        assert!(is_excluded_day(ymd(2021, 12, 31)));
        assert!(!is_excluded_day(ymd(2021, 12, 30)));
    }

    #[test]
    fn business_clock_skips_thanksgiving_weekend() {
        // Wednesday 2023-11-22 18:00 to Monday 2023-11-27 18:00: Thursday
        // (Thanksgiving), Saturday and Sunday do not count; Wednesday 6 h,
        // Friday 24 h, Monday 18 h = 48 h.
        let s = la("2023-11-22 18:00");
        let e = la("2023-11-27 18:00");
        assert_eq!(business_seconds(s, e, &LA), 48 * 3600);
        assert_eq!(
            Clock::CalendarHours.counted_seconds(s, e, &LA),
            5 * 24 * 3600
        );
    }

    #[test]
    fn business_clock_measures_real_time_across_dst() {
        // Spring forward 2024-03-10 is a Sunday (not counted anyway); fall
        // back 2024-11-03 also a Sunday. Use a weekday span that crosses the
        // 2AM change in zone with the change on a weekday is impossible in the
        // US, so check calendar time: Sat 2024-03-09 12:00 to Mon 12:00 is 47h.
        let s = la("2024-03-09 12:00");
        let e = la("2024-03-11 12:00");
        assert_eq!(Clock::CalendarHours.counted_seconds(s, e, &LA), 47 * 3600);
        assert_eq!(business_seconds(s, e, &LA), 12 * 3600);
        let s = la("2024-11-02 12:00");
        let e = la("2024-11-04 12:00");
        assert_eq!(Clock::CalendarHours.counted_seconds(s, e, &LA), 49 * 3600);
    }

    #[test]
    fn no_detention_form_has_limit_zero() {
        assert_eq!(Clock::for_form(Form::I247N), Some(Clock::NoDetention));
        assert_eq!(Clock::NoDetention.limit_hours(), 0.0);
        assert_eq!(Clock::for_form(Form::I247X), Some(Clock::BusinessHours));
        assert_eq!(Clock::for_form(Form::Unknown), None);
    }

    proptest! {
        #[test]
        fn business_time_is_bounded_by_elapsed_time_and_additive(
            a in 1_300_000_000i64..1_900_000_000,
            len1 in 0i64..2_000_000,
            len2 in 0i64..2_000_000,
        ) {
            let s = Utc.timestamp_opt(a, 0).unwrap();
            let m = s + Duration::seconds(len1);
            let e = m + Duration::seconds(len2);
            let whole = business_seconds(s, e, &LA);
            prop_assert!(whole >= 0);
            prop_assert!(whole <= (e - s).num_seconds());
            prop_assert_eq!(whole, business_seconds(s, m, &LA) + business_seconds(m, e, &LA));
        }

        #[test]
        fn a_full_week_without_holidays_counts_five_days(week in 0i64..1000) {
            // Start on a Monday midnight, local time, and skip weeks that hold
            // a federal holiday.
            let monday = ymd(2011, 1, 3) + Duration::weeks(week);
            prop_assume!((0..7).all(|i| !is_federal_holiday(monday + Duration::days(i))));
            let s = local_day_start(monday, &LA);
            let e = local_day_start(monday + Duration::days(7), &LA);
            prop_assert_eq!(business_seconds(s, e, &LA), 5 * 24 * 3600);
        }
    }
}
