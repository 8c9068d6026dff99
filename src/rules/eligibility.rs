//! Method rule 1: when the person became entitled to release on the local
//! case.
//!
//! What it does: `eligible_at` comes from the releases table; where it is
//! missing, from the charges: the latest `charge_released_at` among the
//! booking's criminal charges (the immigration-hold charge left out), only
//! when there is one, every criminal charge has one, and no charge row of
//! the booking was rejected. `eligibility_source` says which (`releases`,
//! `charges`, `none`).
//!
//! Why: per-charge exports have no booking-level eligibility; the person is
//! free on the local case only when the last criminal charge is disposed of.
//! A charge of unknown kind counts as criminal, a criminal charge still open
//! means no eligibility, and so does a charge row that could not be read:
//! each reading can only shorten a hold, never overstate it.
//!
//! Example: charges disposed 2019-03-01 10:00 and 2019-03-02 09:00 plus an
//! open immigration hold: eligible 2019-03-02 09:00, source `charges`.
//!
//! The audit computes the same over every booking as a polars expression
//! (`audit::join::eligibility_exprs`); a test there holds the two together.

use crate::model::{ChargeKind, EligibilitySource};

/// One charge row of a booking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Charge {
    /// `None` for an empty field; an unmapped code is `Unknown`.
    pub kind: Option<ChargeKind>,
    /// When the charge was disposed of (UTC microseconds), if it was.
    pub released_at: Option<i64>,
}

impl Charge {
    /// Every charge but the immigration hold counts as criminal, one of
    /// unknown kind included.
    pub fn is_criminal(&self) -> bool {
        self.kind != Some(ChargeKind::ImmigrationHold)
    }
}

/// The eligibility the charges give, and the positions of the charges that
/// set it (every criminal charge disposed at that time). `None` when there
/// is no criminal charge, one is still open, or a charge row of the booking
/// was rejected (`any_rejected`).
pub fn from_charges(charges: &[Charge], any_rejected: bool) -> Option<(i64, Vec<usize>)> {
    if any_rejected {
        return None;
    }
    let mut latest: Option<i64> = None;
    for c in charges.iter().filter(|c| c.is_criminal()) {
        let t = c.released_at?;
        latest = Some(latest.map_or(t, |l| l.max(t)));
    }
    let latest = latest?;
    let rows = (0..charges.len())
        .filter(|&i| charges[i].is_criminal() && charges[i].released_at == Some(latest))
        .collect();
    Some((latest, rows))
}

/// The eligibility of a booking: the releases table's, else the charges'.
pub fn eligibility(
    from_releases: Option<i64>,
    from_charges: Option<i64>,
) -> (Option<i64>, EligibilitySource) {
    match (from_releases, from_charges) {
        (Some(t), _) => (Some(t), EligibilitySource::Releases),
        (None, Some(t)) => (Some(t), EligibilitySource::Charges),
        (None, None) => (None, EligibilitySource::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000;

    fn c(kind: Option<ChargeKind>, at: Option<i64>) -> Charge {
        Charge {
            kind,
            released_at: at,
        }
    }

    #[test]
    fn the_latest_criminal_disposition_when_all_are_disposed() {
        let crim = Some(ChargeKind::Criminal);
        let hold = Some(ChargeKind::ImmigrationHold);
        // The module's example: 10:00 and 33:00 (the next day's 09:00), and
        // an immigration hold never disposed.
        let cs = [c(crim, Some(10 * H)), c(crim, Some(33 * H)), c(hold, None)];
        assert_eq!(from_charges(&cs, false), Some((33 * H, vec![1])));
        // An open criminal charge: none.
        let cs = [c(crim, Some(10 * H)), c(crim, None)];
        assert_eq!(from_charges(&cs, false), None);
        // Unknown and empty kinds count as criminal.
        let cs = [
            c(crim, Some(10 * H)),
            c(Some(ChargeKind::Unknown), Some(12 * H)),
            c(None, Some(12 * H)),
        ];
        assert_eq!(from_charges(&cs, false), Some((12 * H, vec![1, 2])));
        // A rejected row, or no criminal charge at all: none.
        assert_eq!(from_charges(&[c(crim, Some(H))], true), None);
        assert_eq!(from_charges(&[c(hold, Some(H))], false), None);
        assert_eq!(from_charges(&[], false), None);
    }

    #[test]
    fn the_releases_table_comes_first() {
        assert_eq!(
            eligibility(Some(H), Some(2 * H)),
            (Some(H), EligibilitySource::Releases)
        );
        assert_eq!(
            eligibility(None, Some(2 * H)),
            (Some(2 * H), EligibilitySource::Charges)
        );
        assert_eq!(eligibility(None, None), (None, EligibilitySource::Missing));
    }
}
