//! Local wall-clock times against UTC instants in California's zone, and
//! the dates the planted cases are built around: the DST changes and the
//! observed New Year's Day.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// Every California county keeps local time in this zone.
pub const TZ: Tz = chrono_tz::America::Los_Angeles;

/// Local wall-clock time of an instant.
pub(super) fn local(t: DateTime<Utc>) -> NaiveDateTime {
    TZ.from_utc_datetime(&t.naive_utc()).naive_local()
}

/// The instant of a local time: the earlier one when it is ambiguous, and
/// one hour later when it falls in the skipped spring hour.
pub(super) fn instant(t: NaiveDateTime) -> DateTime<Utc> {
    match TZ.from_local_datetime(&t).earliest() {
        Some(z) => z.with_timezone(&Utc),
        None => instant(t + Duration::hours(1)),
    }
}

pub(super) fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("hour and minute are in range"))
}

pub(super) fn jan1(year: i32) -> NaiveDate {
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

/// The day New Year's Day of `year` is observed (method rule 9).
pub(super) fn new_year_observed(year: i32) -> NaiveDate {
    let d = jan1(year);
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_year_observed_follows_method_rule_9() {
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
