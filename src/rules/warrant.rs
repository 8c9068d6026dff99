//! Method rule 6: the warrant, and the part of a hold it leaves unwarranted.
//!
//! What it does: `unwarranted_minutes` is the part of the hold before a
//! detainer with a `judicial` warrant came into force (all of it when none
//! did). `warrant_status` judges that part: `judicial` when a judicial
//! warrant was in force from `hold_start` (no unwarranted part); else
//! `unknown` if any detainer in force during the unwarranted part had an
//! unknown warrant; else `administrative` if any had an I-200/I-205; else
//! `none`.
//!
//! Why: only a warrant or probable-cause finding by a judge makes the new
//! seizure lawful, and only from the moment it exists; an administrative
//! warrant is signed by ICE officers, not judges. An unknown warrant is
//! never flagged (method rule 7), so it wins over `none` and `administrative`.
//!
//! Example: an administrative detainer in force from eligibility at 10:00
//! and a judicial warrant lodged at 15:00: 300 unwarranted minutes,
//! `administrative`.

use super::interval::{Detainer, HoldTime, MICROS_PER_MINUTE};
use crate::model::Warrant;

/// A detainer's warrant; `missing` is the pipeline's reading of an empty
/// warrant field (`rules.missing_warrant`, default `unknown`).
fn category(d: &Detainer, missing: Warrant) -> Warrant {
    d.warrant.unwrap_or(missing)
}

/// The unwarranted part of a hold and its warrant status.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub unwarranted_minutes: i64,
    pub status: Warrant,
}

/// Method rule 6 for a measured hold; `detainers` are those `hold` was made of.
pub fn judge(hold: &HoldTime, detainers: &[&Detainer], missing: Warrant) -> Judged {
    let judicial = |d: &Detainer| category(d, missing) == Warrant::Judicial;
    if hold.pieces.is_empty() {
        // A hold of no length: its "unwarranted part" is the instant it
        // starts, judged by the detainers in force then.
        let at_start: Vec<&Detainer> = detainers
            .iter()
            .copied()
            .filter(|d| d.in_force_at(hold.start))
            .collect();
        let status = if at_start.iter().any(|d| judicial(d)) {
            Warrant::Judicial
        } else {
            precedence(at_start.iter().map(|d| category(d, missing)))
        };
        return Judged {
            unwarranted_minutes: 0,
            status,
        };
    }
    // When the first judicial warrant came into force within the hold.
    let warranted_from = detainers
        .iter()
        .zip(&hold.in_force)
        .filter(|(d, _)| judicial(d))
        .filter_map(|(_, span)| span.map(|s| s.0))
        .min();
    let unwarranted: i64 = match warranted_from {
        Some(w) => hold
            .pieces
            .iter()
            .map(|&(a, b)| (b.min(w) - a).max(0))
            .sum(),
        None => hold.micros(),
    };
    let status = if warranted_from == Some(hold.start) {
        Warrant::Judicial
    } else {
        let cutoff = warranted_from.unwrap_or(i64::MAX);
        precedence(
            detainers
                .iter()
                .zip(&hold.in_force)
                .filter(|(_, span)| span.is_some_and(|(a, _)| a < cutoff))
                .map(|(d, _)| category(d, missing)),
        )
    };
    Judged {
        unwarranted_minutes: unwarranted / MICROS_PER_MINUTE,
        status,
    }
}

/// `unknown` over `administrative` over `none` (a judicial warrant is
/// handled by the caller).
fn precedence(warrants: impl Iterator<Item = Warrant>) -> Warrant {
    let mut best = Warrant::None;
    for w in warrants {
        match w {
            Warrant::Unknown => return Warrant::Unknown,
            Warrant::Administrative => best = Warrant::Administrative,
            Warrant::None | Warrant::Judicial => {}
        }
    }
    best
}

/// The warrant status of a hold that is not measured (eligibility or
/// release unknown): what was on file, a judicial warrant first.
pub fn on_file(detainers: &[&Detainer], missing: Warrant) -> Warrant {
    if detainers
        .iter()
        .any(|d| category(d, missing) == Warrant::Judicial)
    {
        Warrant::Judicial
    } else {
        precedence(detainers.iter().map(|d| category(d, missing)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::interval::hold;
    use super::*;

    const H: i64 = 60 * MICROS_PER_MINUTE;

    fn d(lodged: i64, lifted: Option<i64>, w: Option<&str>) -> Detainer {
        Detainer {
            lodged_at: lodged,
            lifted_at: lifted,
            warrant: w.map(|w| Warrant::parse(w).expect("a warrant name")),
            ..Default::default()
        }
    }

    fn judged(eligible: i64, end: i64, ds: &[Detainer], missing: &str) -> Judged {
        let missing = Warrant::parse(missing).expect("a warrant name");
        let refs: Vec<&Detainer> = ds.iter().collect();
        judge(&hold(eligible, end, &refs), &refs, missing)
    }

    #[test]
    fn a_judicial_warrant_counts_from_when_it_exists() {
        // The example: administrative from eligibility at 10:00, a
        // judicial warrant lodged at 15:00, released 20:00.
        let ds = [
            d(8 * H, None, Some("administrative")),
            d(15 * H, None, Some("judicial")),
        ];
        let w = judged(10 * H, 20 * H, &ds, "unknown");
        assert_eq!(w.unwarranted_minutes, 300);
        assert_eq!(w.status, Warrant::Administrative);
    }

    #[test]
    fn judicial_from_the_start_leaves_nothing_unwarranted() {
        let ds = [
            d(8 * H, None, Some("judicial")),
            d(9 * H, None, Some("unknown")),
        ];
        let w = judged(10 * H, 20 * H, &ds, "unknown");
        assert_eq!((w.unwarranted_minutes, w.status), (0, Warrant::Judicial));
    }

    #[test]
    fn unknown_wins_over_administrative_then_none() {
        let both = [
            d(8 * H, None, Some("administrative")),
            d(9 * H, None, Some("unknown")),
        ];
        assert_eq!(
            judged(10 * H, 20 * H, &both, "unknown").status,
            Warrant::Unknown
        );
        let ds = [
            d(8 * H, None, Some("administrative")),
            d(9 * H, None, Some("none")),
        ];
        assert_eq!(
            judged(10 * H, 20 * H, &ds, "unknown").status,
            Warrant::Administrative
        );
        let ds = [d(8 * H, None, Some("none"))];
        assert_eq!(judged(10 * H, 20 * H, &ds, "unknown").status, Warrant::None);
    }

    #[test]
    fn an_unknown_warrant_after_the_judicial_one_does_not_count() {
        // Unknown lodged at 16:00, after the judicial warrant of 15:00: it is
        // not in force during the unwarranted part.
        let ds = [
            d(8 * H, None, Some("none")),
            d(15 * H, None, Some("judicial")),
            d(16 * H, None, Some("unknown")),
        ];
        let w = judged(10 * H, 20 * H, &ds, "unknown");
        assert_eq!((w.unwarranted_minutes, w.status), (300, Warrant::None));
    }

    #[test]
    fn an_empty_warrant_reads_per_pipeline() {
        let ds = [d(8 * H, None, None)];
        assert_eq!(
            judged(10 * H, 20 * H, &ds, "unknown").status,
            Warrant::Unknown
        );
        assert_eq!(judged(10 * H, 20 * H, &ds, "none").status, Warrant::None);
    }

    #[test]
    fn a_detainer_lifted_before_the_hold_does_not_count() {
        let ds = [
            d(0, Some(5 * H), Some("judicial")),
            d(H, None, Some("administrative")),
        ];
        let w = judged(10 * H, 20 * H, &ds, "unknown");
        assert_eq!(
            (w.unwarranted_minutes, w.status),
            (600, Warrant::Administrative)
        );
    }

    #[test]
    fn unmeasured_holds_say_what_was_on_file() {
        let (j, u) = (d(0, None, Some("judicial")), d(0, None, Some("unknown")));
        let unknown = Warrant::Unknown;
        assert_eq!(on_file(&[&u, &j], unknown), Warrant::Judicial);
        assert_eq!(on_file(&[&u], unknown), Warrant::Unknown);
        assert_eq!(on_file(&[], unknown), Warrant::None);
    }
}
