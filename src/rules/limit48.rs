//! Method rule 8: the 48-hour limit of the detainer forms.
//!
//! What it does: counts the hours of a hold (its pieces: gaps when no
//! detainer was in force do not count) under its form's clock and says
//! whether the hold passed the form's limit. The form is that of the
//! detainer in force at `hold_start` (the earliest lodged, when several
//! are).
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
use crate::model::Form;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `(over_limit, limit_hours_counted)` of a hold made of `pieces` (UTC
/// microseconds, `[from, to)`); both empty for an unknown form.
pub fn limit(form: Option<Form>, pieces: &[(i64, i64)], tz: &Tz) -> (Option<bool>, Option<f64>) {
    let Some(clock) = form.and_then(Clock::for_form) else {
        return (None, None);
    };
    let mut seconds = 0;
    for &(start, end) in pieces {
        let (Some(s), Some(e)) = (
            DateTime::<Utc>::from_timestamp_micros(start),
            DateTime::<Utc>::from_timestamp_micros(end),
        ) else {
            return (None, None);
        };
        seconds += clock.counted_seconds(s, e, tz);
    }
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
        let p = [(t("2019-03-01 18:00"), t("2019-03-05 18:00"))];
        assert_eq!(limit(Some(Form::I247D), &p, &LA), (Some(false), Some(48.0)));
        assert_eq!(limit(Some(Form::I247A), &p, &LA), (Some(true), Some(96.0)));
    }

    #[test]
    fn gaps_between_pieces_do_not_count() {
        // Monday 2019-03-04: 10:00-12:00 and 14:00-15:30 are 3.5 hours.
        let p = [
            (t("2019-03-04 10:00"), t("2019-03-04 12:00")),
            (t("2019-03-04 14:00"), t("2019-03-04 15:30")),
        ];
        assert_eq!(limit(Some(Form::I247A), &p, &LA), (Some(false), Some(3.5)));
        assert_eq!(limit(Some(Form::I247D), &p, &LA), (Some(false), Some(3.5)));
        // A weekend piece does not count under the I-247D's clock.
        let p = [
            (t("2019-03-01 23:00"), t("2019-03-02 01:00")),
            (t("2019-03-03 10:00"), t("2019-03-03 12:00")),
        ];
        assert_eq!(limit(Some(Form::I247D), &p, &LA), (Some(false), Some(1.0)));
        assert_eq!(limit(Some(Form::I247D), &[], &LA), (Some(false), Some(0.0)));
    }

    #[test]
    fn i247n_allows_nothing_and_unknown_forms_are_empty() {
        let p = [(t("2019-03-01 18:00"), t("2019-03-01 18:01"))];
        assert_eq!(
            limit(Some(Form::I247N), &p, &LA),
            (Some(true), Some(1.0 / 60.0))
        );
        assert_eq!(limit(Some(Form::I247N), &[], &LA), (Some(false), Some(0.0)));
        assert_eq!(limit(Some(Form::Unknown), &p, &LA), (None, None));
        assert_eq!(limit(None, &p, &LA), (None, None));
    }
}
