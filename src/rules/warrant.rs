//! SPEC 3.5: the warrant status of a hold.
//!
//! What it does: `judicial` if any detainer in force during the hold came
//! with a judicial warrant; else `unknown` if any had an unknown warrant;
//! else `administrative` if any had an I-200/I-205; else `none`.
//!
//! Why: only a warrant or probable-cause finding by a judge makes the new
//! seizure lawful; an administrative warrant is signed by ICE officers, not
//! judges. An unknown warrant is never flagged (SPEC 3.6), so it must win over
//! `none` and `administrative`.
//!
//! Example: one I-247A with an I-200 and one with an unreadable code: `unknown`.

use super::interval::Detainer;

/// `missing` is the pipeline's reading of an empty warrant field
/// (`rules.missing_warrant`, default `unknown`).
pub fn warrant_status(detainers: &[&Detainer], missing: &str) -> String {
    let statuses: Vec<&str> = detainers
        .iter()
        .map(|d| d.warrant.as_deref().unwrap_or(missing))
        .collect();
    for s in ["judicial", "unknown", "administrative"] {
        if statuses.contains(&s) {
            return s.to_string();
        }
    }
    if statuses.is_empty() {
        missing.to_string()
    } else {
        "none".to_string()
    }
}

/// The detainers in force during `[start, end]`: lodged before the hold
/// ended and not lifted before it began. Falls back to all when none is.
pub fn active<'d>(
    detainers: &[&'d Detainer],
    start: Option<i64>,
    end: Option<i64>,
) -> Vec<&'d Detainer> {
    let in_force: Vec<&Detainer> = detainers
        .iter()
        .copied()
        .filter(|d| end.is_none_or(|e| d.lodged_at <= e))
        .filter(|d| match (d.lifted_at, start) {
            (Some(l), Some(s)) => l > s,
            _ => true,
        })
        .collect();
    if in_force.is_empty() {
        detainers.to_vec()
    } else {
        in_force
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(w: Option<&str>) -> Detainer {
        Detainer {
            warrant: w.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn judicial_wins_then_unknown_then_administrative() {
        let (j, u, a, n) = (
            d(Some("judicial")),
            d(Some("unknown")),
            d(Some("administrative")),
            d(Some("none")),
        );
        assert_eq!(warrant_status(&[&a, &j, &u], "unknown"), "judicial");
        assert_eq!(warrant_status(&[&a, &u], "unknown"), "unknown");
        assert_eq!(warrant_status(&[&a, &n], "unknown"), "administrative");
        assert_eq!(warrant_status(&[&n], "unknown"), "none");
    }

    #[test]
    fn an_empty_warrant_reads_per_pipeline() {
        let e = d(None);
        assert_eq!(warrant_status(&[&e], "unknown"), "unknown");
        assert_eq!(warrant_status(&[&e], "none"), "none");
    }

    #[test]
    fn a_detainer_lifted_before_the_hold_does_not_count() {
        let mut judicial = d(Some("judicial"));
        judicial.lifted_at = Some(5);
        let mut admin = d(Some("administrative"));
        admin.lodged_at = 1;
        let act = active(&[&judicial, &admin], Some(10), Some(20));
        assert_eq!(warrant_status(&act, "unknown"), "administrative");
    }
}
