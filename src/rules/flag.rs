//! Method rules 5 and 7: past release, and the flag.
//!
//! What it does: a hold is `past_release` when it lasted more than
//! `rules.grace_minutes`; it is `flagged` when its unwarranted part lasted
//! more than `rules.grace_minutes`, its warrant status is `none` or
//! `administrative`, and it started within `[since, until]` (local dates).
//!
//! Why: any detention after eligibility is a new seizure (grace 0 by
//! default); only a judge's warrant makes it lawful; an unknown warrant is
//! counted apart, never flagged, so that no one is listed on a guess.
//!
//! Example: 1 minute past eligibility on an I-200, in 2019: flagged.

use crate::model::Warrant;
use chrono::NaiveDate;

pub fn past_release(minutes: Option<i64>, grace_minutes: i64) -> Option<bool> {
    minutes.map(|m| m > grace_minutes)
}

pub fn flagged(
    unwarranted_minutes: Option<i64>,
    grace_minutes: i64,
    warrant_status: Warrant,
    start_day: Option<NaiveDate>,
    since: NaiveDate,
    until: Option<NaiveDate>,
) -> bool {
    unwarranted_minutes.is_some_and(|m| m > grace_minutes)
        && matches!(warrant_status, Warrant::None | Warrant::Administrative)
        && start_day.is_some_and(|d| d >= since && until.is_none_or(|u| d <= u))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn grace_is_strict() {
        assert_eq!(past_release(Some(0), 0), Some(false));
        assert_eq!(past_release(Some(1), 0), Some(true));
        assert_eq!(past_release(Some(30), 30), Some(false));
        assert_eq!(past_release(None, 0), None);
    }

    #[test]
    fn only_none_or_administrative_within_the_period() {
        let since = day("2011-01-01");
        let d = Some(day("2019-05-01"));
        let m = Some(1);
        assert!(flagged(m, 0, Warrant::Administrative, d, since, None));
        assert!(flagged(m, 0, Warrant::None, d, since, None));
        assert!(!flagged(m, 0, Warrant::Judicial, d, since, None));
        assert!(!flagged(m, 0, Warrant::Unknown, d, since, None));
        assert!(!flagged(Some(0), 0, Warrant::None, d, since, None));
        assert!(!flagged(Some(30), 30, Warrant::None, d, since, None));
        assert!(flagged(Some(31), 30, Warrant::None, d, since, None));
        assert!(!flagged(None, 0, Warrant::None, d, since, None));
        let before = Some(day("2010-12-31"));
        assert!(!flagged(m, 0, Warrant::None, before, since, None));
        assert!(!flagged(
            m,
            0,
            Warrant::None,
            d,
            since,
            Some(day("2019-04-30"))
        ));
        assert!(flagged(
            m,
            0,
            Warrant::None,
            d,
            since,
            Some(day("2019-05-01"))
        ));
    }
}
