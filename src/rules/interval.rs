//! SPEC 3.2: the hold interval.
//!
//! What it does: from a booking's eligibility, release and detainers, finds
//! when the hold on the detainer began (`max(eligible_at, first lodged_at)`)
//! and ended (release, the lifting of every detainer if earlier, or `as_of`
//! for a person still held), and its length in whole minutes.
//!
//! Why: the new seizure starts only once the local case no longer holds the
//! person *and* a detainer is on file (*Miranda-Olivares v. Clackamas County*),
//! and it ends when the person leaves or ICE withdraws its request.
//!
//! Example: eligible 10:00, detainer lodged 08:00, released 14:30: the hold
//! runs 10:00 to 14:30, 270 minutes, `closed`.

/// One detainer attached to a booking, times in UTC microseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detainer {
    pub lodged_at: i64,
    pub lifted_at: Option<i64>,
    pub form: Option<String>,
    pub warrant: Option<String>,
    pub final_order: Option<bool>,
    pub ice_custody_at: Option<i64>,
    pub detainer_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Closed,
    /// Still held at `as_of`: measured to `as_of`, right-censored.
    Open,
    /// No eligibility time: kept, not measured (SPEC 3.1).
    EligibilityUnknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Closed => "closed",
            Status::Open => "open",
            Status::EligibilityUnknown => "eligibility_unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub minutes: Option<i64>,
    pub status: Status,
}

const MICROS_PER_MINUTE: i64 = 60_000_000;

/// The detainers that make a hold: those lodged before release (any, for a
/// person still held). Empty means the booking gives no hold row.
pub fn lodged_before_release(detainers: &[Detainer], released_at: Option<i64>) -> Vec<&Detainer> {
    detainers
        .iter()
        .filter(|d| released_at.is_none_or(|r| d.lodged_at < r))
        .collect()
}

/// SPEC 3.2 for one booking. `detainers` are those lodged before release
/// (non-empty); `as_of` is when the export was taken (UTC microseconds).
pub fn hold_interval(
    eligible_at: Option<i64>,
    released_at: Option<i64>,
    as_of: i64,
    detainers: &[&Detainer],
) -> Interval {
    let first_lodged = detainers.iter().map(|d| d.lodged_at).min();
    let Some(eligible) = eligible_at else {
        return Interval {
            start: None,
            end: released_at,
            minutes: None,
            status: Status::EligibilityUnknown,
        };
    };
    let start = first_lodged.map_or(eligible, |l| l.max(eligible));
    // The hold lasts while any detainer is in force: if every one was lifted,
    // it ended at the last lifting, unless release came first.
    let all_lifted = detainers
        .iter()
        .map(|d| d.lifted_at)
        .collect::<Option<Vec<i64>>>()
        .and_then(|v| v.into_iter().max());
    let (mut end, mut status) = match released_at {
        Some(r) => (r, Status::Closed),
        None => (as_of, Status::Open),
    };
    if let Some(lifted) = all_lifted {
        if lifted < end {
            end = lifted;
            status = Status::Closed;
        }
    }
    // An interval that ends before it starts is 0 minutes (SPEC 3.2).
    let minutes = ((end - start).max(0)) / MICROS_PER_MINUTE;
    Interval {
        start: Some(start),
        end: Some(end),
        minutes: Some(minutes),
        status,
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
        let i = hold_interval(Some(10 * H), Some(14 * H + 30 * 60_000_000), 0, &[&d]);
        assert_eq!(i.start, Some(10 * H));
        assert_eq!(i.minutes, Some(270));
        assert_eq!(i.status, Status::Closed);
        let late = det(12 * H, None);
        let i = hold_interval(Some(10 * H), Some(14 * H), 0, &[&late]);
        assert_eq!(i.start, Some(12 * H));
        assert_eq!(i.minutes, Some(120));
    }

    #[test]
    fn lifted_before_eligibility_is_zero_minutes() {
        let d = det(H, Some(5 * H));
        let i = hold_interval(Some(10 * H), Some(20 * H), 0, &[&d]);
        assert_eq!(i.end, Some(5 * H));
        assert_eq!(i.minutes, Some(0));
    }

    #[test]
    fn hold_lasts_while_any_detainer_is_in_force() {
        let a = det(H, Some(12 * H));
        let b = det(2 * H, None);
        let i = hold_interval(Some(10 * H), Some(20 * H), 0, &[&a, &b]);
        assert_eq!(i.end, Some(20 * H));
        let b = det(2 * H, Some(15 * H));
        let i = hold_interval(Some(10 * H), Some(20 * H), 0, &[&a, &b]);
        assert_eq!(i.end, Some(15 * H));
        assert_eq!(i.minutes, Some(300));
    }

    #[test]
    fn open_hold_is_measured_to_as_of() {
        let d = det(H, None);
        let i = hold_interval(Some(10 * H), None, 40 * H, &[&d]);
        assert_eq!(i.status, Status::Open);
        assert_eq!(i.minutes, Some(30 * 60));
    }

    #[test]
    fn no_eligibility_no_measurement() {
        let d = det(H, None);
        let i = hold_interval(None, Some(5 * H), 40 * H, &[&d]);
        assert_eq!(i.status, Status::EligibilityUnknown);
        assert_eq!(i.minutes, None);
    }

    #[test]
    fn only_detainers_lodged_before_release_count() {
        let ds = [det(H, None), det(9 * H, None)];
        assert_eq!(lodged_before_release(&ds, Some(9 * H)).len(), 1);
        assert_eq!(lodged_before_release(&ds, None).len(), 2);
    }
}
