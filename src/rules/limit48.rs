//! SPEC 3.7: the 48-hour limit of the detainer forms.
//!
//! What it does: counts the hours of a hold under its form's clock and says
//! whether the hold passed the form's limit. The form is that of the first
//! detainer lodged.
//!
//! Why: 8 CFR 287.7(d) and the I-247/I-247D forms (and I-247X transfers)
//! allow at most 48 hours excluding Saturdays, Sundays and federal holidays;
//! the I-247A allows 48 hours of calendar time; the I-247N asks only for
//! notification and authorizes no detention at all.
//!
//! Example: an I-247D hold from Friday 18:00 to Tuesday 18:00 counts Friday
//! 6 + Monday 24 + Tuesday 18 = 48 hours (the weekend skipped): not over; the
//! same hold on an I-247A counts 96 calendar hours: over.

use crate::calendar::Clock;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `(over_limit, limit_hours_counted)`; both empty for an unknown form.
pub fn limit(form: Option<&str>, start: i64, end: i64, tz: &Tz) -> (Option<bool>, Option<f64>) {
    let Some(clock) = form.and_then(Clock::for_form) else {
        return (None, None);
    };
    let (Some(s), Some(e)) = (
        DateTime::<Utc>::from_timestamp_micros(start),
        DateTime::<Utc>::from_timestamp_micros(end),
    ) else {
        return (None, None);
    };
    let seconds = clock.counted_seconds(s, e, tz);
    // Whole minutes, as hold_minutes, so the two never disagree by seconds.
    let hours = (seconds / 60) as f64 / 60.0;
    (Some(hours > clock.limit_hours()), Some(hours))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeZone};
    use chrono_tz::America::Los_Angeles as LA;

    fn t(s: &str) -> i64 {
        LA.from_local_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
            .earliest()
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn weekend_is_skipped_for_i247d_not_for_i247a() {
        // Friday 2019-03-01 18:00 to Tuesday 2019-03-05 18:00.
        let (s, e) = (t("2019-03-01 18:00"), t("2019-03-05 18:00"));
        assert_eq!(limit(Some("I-247D"), s, e, &LA), (Some(false), Some(48.0)));
        assert_eq!(limit(Some("I-247A"), s, e, &LA), (Some(true), Some(96.0)));
    }

    #[test]
    fn i247n_allows_nothing_and_unknown_forms_are_empty() {
        let (s, e) = (t("2019-03-01 18:00"), t("2019-03-01 18:01"));
        assert_eq!(
            limit(Some("I-247N"), s, e, &LA),
            (Some(true), Some(1.0 / 60.0))
        );
        assert_eq!(limit(Some("I-247N"), s, s, &LA), (Some(false), Some(0.0)));
        assert_eq!(limit(Some("unknown"), s, e, &LA), (None, None));
        assert_eq!(limit(None, s, e, &LA), (None, None));
    }
}
