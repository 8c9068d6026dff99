//! SPEC 3.4 and 3.6: past release, and the flag.
//!
//! What it does: a hold is `past_release` when it lasted more than
//! `rules.grace_minutes`; it is `flagged` when past release, its warrant is
//! `none` or `administrative`, and it started within `[since, until]` (local
//! dates).
//!
//! Why: any detention after eligibility is a new seizure (grace 0 by
//! default); only a judge's warrant makes it lawful; an unknown warrant is
//! counted apart, never flagged, so that no one is listed on a guess.
//!
//! Example: 1 minute past eligibility on an I-200, in 2019: flagged.

use chrono::NaiveDate;

pub fn past_release(minutes: Option<i64>, grace_minutes: i64) -> Option<bool> {
    minutes.map(|m| m > grace_minutes)
}

pub fn flagged(
    past_release: Option<bool>,
    warrant_status: &str,
    start_day: Option<NaiveDate>,
    since: NaiveDate,
    until: Option<NaiveDate>,
) -> bool {
    past_release == Some(true)
        && matches!(warrant_status, "none" | "administrative")
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
        assert!(flagged(Some(true), "administrative", d, since, None));
        assert!(flagged(Some(true), "none", d, since, None));
        assert!(!flagged(Some(true), "judicial", d, since, None));
        assert!(!flagged(Some(true), "unknown", d, since, None));
        assert!(!flagged(Some(false), "none", d, since, None));
        assert!(!flagged(
            Some(true),
            "none",
            Some(day("2010-12-31")),
            since,
            None
        ));
        assert!(!flagged(
            Some(true),
            "none",
            d,
            since,
            Some(day("2019-04-30"))
        ));
        assert!(flagged(
            Some(true),
            "none",
            d,
            since,
            Some(day("2019-05-01"))
        ));
    }
}
