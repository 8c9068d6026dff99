//! Method rule 2: the release a hold is measured to.
//!
//! What it does: the release is `released_at`; where the export has none,
//! the earliest `ice_custody_at` of the booking's detainers (the handover
//! to ICE ends the county's custody). A booking with a release row that was
//! rejected, or whose release rows conflict, has an unknown release: its
//! hold is not measured. Otherwise, with no release time at all, the person
//! is still held at `as_of`.
//!
//! Why: measuring a hold whose release row could not be read up to `as_of`
//! would turn an unreadable time into years of detention.
//!
//! Example: eligible 2019-07-02 10:00, no release time, ICE custody
//! 2019-07-03 10:00: the hold ends at 2019-07-03 10:00, source `ice_custody`.

use crate::model::ReleaseSource;

/// What the export says of when the person left jail custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Released, or handed to ICE, at this instant (UTC microseconds).
    At(i64),
    /// No release time and no ICE custody time: still held at `as_of`.
    Open,
    /// A release row of the booking was rejected: when it ended is unknown.
    Unknown,
}

impl Release {
    /// The release instant, if known.
    pub fn at(self) -> Option<i64> {
        match self {
            Release::At(t) => Some(t),
            Release::Open | Release::Unknown => None,
        }
    }
}

/// The release of a booking, where it came from, and which of
/// `ice_custody` (the booking's detainers' ICE custody times, in their
/// order) set it, if one did (the first of the earliest).
pub fn release(
    released_at: Option<i64>,
    release_rejected: bool,
    ice_custody: &[Option<i64>],
) -> (Release, ReleaseSource, Option<usize>) {
    if release_rejected {
        return (Release::Unknown, ReleaseSource::Rejected, None);
    }
    if let Some(t) = released_at {
        return (Release::At(t), ReleaseSource::Releases, None);
    }
    let earliest = (0..ice_custody.len())
        .filter_map(|i| ice_custody[i].map(|t| (t, i)))
        .min();
    match earliest {
        Some((t, i)) => (Release::At(t), ReleaseSource::IceCustody, Some(i)),
        None => (Release::Open, ReleaseSource::StillHeld, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_row_then_ice_custody_then_still_held() {
        let ice = [None, Some(30), Some(20), Some(20)];
        assert_eq!(
            release(Some(10), false, &ice),
            (Release::At(10), ReleaseSource::Releases, None)
        );
        assert_eq!(
            release(None, false, &ice),
            (Release::At(20), ReleaseSource::IceCustody, Some(2))
        );
        assert_eq!(
            release(None, false, &[None]),
            (Release::Open, ReleaseSource::StillHeld, None)
        );
    }

    #[test]
    fn a_rejected_release_row_is_never_measured_past() {
        // Not even to an ICE custody time, nor to a release time read from
        // another row.
        assert_eq!(
            release(Some(10), true, &[Some(5)]),
            (Release::Unknown, ReleaseSource::Rejected, None)
        );
    }
}
