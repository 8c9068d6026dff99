//! Implausible holds.
//!
//! What it does: a hold longer than 5 years is not measured; the booking
//! (and its release row) is rejected as `implausible_stay`, with the length.
//!
//! Why: no county jail holds a person on a detainer for years; such a length
//! comes from a typo in a year or a release never recorded, and counting it
//! would swamp every total and damages figure built on it. An analyst sees
//! the row in the rejects and can correct the export.
//!
//! Example: eligible 2013-03-01, still "held" at as_of 2026-06-30: rejected.

/// Five years of 365.25 days, in minutes.
pub const MAX_HOLD_MINUTES: i64 = 5 * 36_525 * 24 * 60 / 100;

/// Why a hold of `minutes` is implausible, if it is.
pub fn implausible_hold(minutes: Option<i64>) -> Option<String> {
    let m = minutes?;
    (m > MAX_HOLD_MINUTES).then(|| {
        format!(
            "a hold of {:.1} days is longer than 5 years; check the year of the eligibility, \
             release or lifting times",
            m as f64 / 1440.0
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_years_is_the_limit() {
        assert_eq!(MAX_HOLD_MINUTES, 2_629_800);
        assert!(implausible_hold(Some(MAX_HOLD_MINUTES)).is_none());
        assert!(implausible_hold(Some(MAX_HOLD_MINUTES + 1)).is_some());
        assert!(implausible_hold(None).is_none());
    }
}
