//! Method rule 3: the hold.
//!
//! What it does: a detainer is *in force* from its `lodged_at` until its
//! `lifted_at` (for ever when not lifted). The hold is the set of instants
//! from `eligible_at` up to the release (or `as_of` for a person still held)
//! at which at least one detainer was in force: one or more disjoint
//! pieces. `hold_start` is its first instant, `hold_end` its last, and its
//! length counts the pieces only, in whole minutes rounded down. A detainer
//! lifted at or before eligibility, or lodged at or after the release, plays
//! no part. When no detainer is in force after eligibility, the hold is 0
//! minutes and starts and ends at `eligible_at`.
//!
//! Why: the new seizure lasts only while the local case no longer holds the
//! person *and* a detainer asks the jail to keep them (*Miranda-Olivares v.
//! Clackamas County*); a time between one detainer's lifting and the next
//! one's lodging is not time held on a detainer, and counting it would
//! overstate the hold.
//!
//! Example: D1 lodged 08:00, lifted 09:00; D2 lodged 14:00; eligible 12:00,
//! released 16:00: D1 plays no part, the hold is 14:00 to 16:00, 120 minutes.

use crate::model::{Form, Warrant};

/// One detainer attached to a booking, times in UTC microseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detainer {
    pub lodged_at: i64,
    pub lifted_at: Option<i64>,
    /// The form, `Unknown` for an unmapped code, `None` for an empty field.
    pub form: Option<Form>,
    /// The warrant, `Unknown` for an unmapped code, `None` for an empty
    /// field (read per `rules.missing_warrant`).
    pub warrant: Option<Warrant>,
    pub final_order: Option<bool>,
    pub ice_custody_at: Option<i64>,
    pub detainer_id: Option<String>,
    /// Where the detainer's row is: file (as shown in outputs) and data row.
    pub source_file: String,
    pub source_row: i64,
}

impl Detainer {
    /// The part of `[from, to)` during which this detainer was in force, if
    /// any of it was.
    pub fn in_force_within(&self, from: i64, to: i64) -> Option<(i64, i64)> {
        let a = self.lodged_at.max(from);
        let b = self.lifted_at.map_or(to, |l| l.min(to));
        (a < b).then_some((a, b))
    }

    /// Whether the detainer was in force at instant `t`.
    pub fn in_force_at(&self, t: i64) -> bool {
        self.lodged_at <= t && self.lifted_at.is_none_or(|l| l > t)
    }
}

pub const MICROS_PER_MINUTE: i64 = 60_000_000;

/// The hold of one booking: disjoint pieces in time order, and the
/// detainers in force during it.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldTime {
    pub start: i64,
    pub end: i64,
    /// Disjoint, in order, each `[from, to)` with `from < to`; empty for a
    /// hold of no length.
    pub pieces: Vec<(i64, i64)>,
    /// For each detainer given: the part of the hold it was in force for
    /// (`None` when it played no part).
    pub in_force: Vec<Option<(i64, i64)>>,
}

impl HoldTime {
    /// Elapsed time of the pieces, in microseconds.
    pub fn micros(&self) -> i64 {
        self.pieces.iter().map(|(a, b)| b - a).sum()
    }

    pub fn minutes(&self) -> i64 {
        self.micros() / MICROS_PER_MINUTE
    }
}

/// The detainers that make a hold row: those lodged before the release
/// (any, when the release is not known).
pub fn lodged_before(detainers: &[Detainer], release: Option<i64>) -> Vec<&Detainer> {
    detainers
        .iter()
        .filter(|d| release.is_none_or(|r| d.lodged_at < r))
        .collect()
}

/// Method rule 3 for a booking with a known eligibility. `end` is the release,
/// or `as_of` for a person still held; `detainers` are those lodged before
/// the release.
pub fn hold(eligible_at: i64, end: i64, detainers: &[&Detainer]) -> HoldTime {
    let in_force: Vec<Option<(i64, i64)>> = detainers
        .iter()
        .map(|d| d.in_force_within(eligible_at, end))
        .collect();
    let mut spans: Vec<(i64, i64)> = in_force.iter().flatten().copied().collect();
    spans.sort_unstable();
    let mut pieces: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match pieces.last_mut() {
            // Overlapping or touching: one piece.
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => pieces.push((a, b)),
        }
    }
    let (start, end) = match (pieces.first(), pieces.last()) {
        (Some(f), Some(l)) => (f.0, l.1),
        _ => (eligible_at, eligible_at),
    };
    HoldTime {
        start,
        end,
        pieces,
        in_force,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 60 * MICROS_PER_MINUTE;

    fn det(lodged: i64, lifted: Option<i64>) -> Detainer {
        Detainer {
            lodged_at: lodged,
            lifted_at: lifted,
            ..Default::default()
        }
    }

    #[test]
    fn starts_at_the_later_of_eligibility_and_lodging() {
        let d = det(8 * H, None);
        let h = hold(10 * H, 14 * H + 30 * MICROS_PER_MINUTE, &[&d]);
        assert_eq!((h.start, h.minutes()), (10 * H, 270));
        let late = det(12 * H, None);
        let h = hold(10 * H, 14 * H, &[&late]);
        assert_eq!((h.start, h.minutes()), (12 * H, 120));
    }

    #[test]
    fn a_gap_between_detainers_is_not_hold_time() {
        // The example: D1 08:00-09:00, D2 from 14:00, eligible 12:00,
        // released 16:00: D1 plays no part; 120 minutes from 14:00.
        let d1 = det(8 * H, Some(9 * H));
        let d2 = det(14 * H, None);
        let h = hold(12 * H, 16 * H, &[&d1, &d2]);
        assert_eq!((h.start, h.end, h.minutes()), (14 * H, 16 * H, 120));
        assert_eq!(h.in_force, [None, Some((14 * H, 16 * H))]);
        // D1 lifted 13:00 instead: in force 12:00-13:00, then a gap.
        let d1 = det(8 * H, Some(13 * H));
        let h = hold(12 * H, 16 * H, &[&d1, &d2]);
        assert_eq!(h.pieces, [(12 * H, 13 * H), (14 * H, 16 * H)]);
        assert_eq!((h.start, h.end, h.minutes()), (12 * H, 16 * H, 180));
    }

    #[test]
    fn lifted_at_or_before_eligibility_is_a_hold_of_no_length() {
        let d = det(H, Some(10 * H));
        let h = hold(10 * H, 20 * H, &[&d]);
        assert_eq!((h.start, h.end, h.minutes()), (10 * H, 10 * H, 0));
        assert_eq!(h.in_force, [None]);
    }

    #[test]
    fn the_hold_ends_at_the_last_lifting_or_the_release() {
        let a = det(H, Some(12 * H));
        let b = det(2 * H, Some(15 * H));
        let h = hold(10 * H, 20 * H, &[&a, &b]);
        assert_eq!((h.end, h.minutes()), (15 * H, 300));
        let b = det(2 * H, None);
        assert_eq!(hold(10 * H, 20 * H, &[&a, &b]).end, 20 * H);
    }

    #[test]
    fn eligibility_at_or_after_the_end_is_no_hold() {
        let d = det(H, None);
        let h = hold(10 * H, 10 * H, &[&d]);
        assert_eq!((h.start, h.end, h.minutes()), (10 * H, 10 * H, 0));
        let h = hold(12 * H, 10 * H, &[&d]);
        assert_eq!((h.start, h.end, h.minutes()), (12 * H, 12 * H, 0));
    }

    #[test]
    fn minutes_are_whole_and_rounded_down() {
        let d = det(0, None);
        assert_eq!(hold(0, 119 * 1_000_000, &[&d]).minutes(), 1);
        // Two pieces of 30.5 minutes: 61 minutes, not 60.
        let half = 30 * MICROS_PER_MINUTE + 30_000_000;
        let a = det(0, Some(half));
        let b = det(H, Some(H + half));
        assert_eq!(hold(0, 2 * H, &[&a, &b]).minutes(), 61);
    }

    #[test]
    fn only_detainers_lodged_before_the_release_count() {
        let ds = [det(H, None), det(9 * H, None)];
        assert_eq!(lodged_before(&ds, Some(9 * H)).len(), 1);
        assert_eq!(lodged_before(&ds, None).len(), 2);
    }

    #[test]
    fn a_detainer_lifted_before_it_was_lodged_is_never_in_force() {
        let d = det(12 * H, Some(11 * H));
        let h = hold(10 * H, 20 * H, &[&d]);
        assert_eq!(h.minutes(), 0);
        assert!(!d.in_force_at(12 * H));
    }
}
