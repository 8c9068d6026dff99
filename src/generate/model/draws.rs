//! The random draws of the simulation: lengths of stay, release latencies
//! and hold lengths, and the release reason, detainer form and warrant of a
//! date. Each takes the county's stream and draws from it in a fixed order.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Form, ReleaseReason, WarrantCode};

pub(super) fn secs(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> Duration {
    Duration::seconds(rng.random_range(lo..=hi))
}

pub(super) const MIN: i64 = 60;
pub(super) const HOUR: i64 = 3600;
pub(super) const DAY: i64 = 86_400;

/// Time from booking to eligibility on the local case.
pub(super) fn stay(rng: &mut ChaCha8Rng) -> Duration {
    let r: f64 = rng.random();
    if r < 0.35 {
        secs(rng, HOUR, DAY)
    } else if r < 0.65 {
        secs(rng, DAY, 7 * DAY)
    } else if r < 0.85 {
        secs(rng, 7 * DAY, 60 * DAY)
    } else if r < 0.97 {
        secs(rng, 60 * DAY, 365 * DAY)
    } else {
        secs(rng, 365 * DAY, 730 * DAY)
    }
}

/// The jail's normal release latency, from eligibility to leaving custody.
pub(super) fn latency(rng: &mut ChaCha8Rng) -> Duration {
    let r: f64 = rng.random();
    if r < 0.05 {
        secs(rng, 0, 15 * MIN)
    } else if r < 0.75 {
        secs(rng, 15 * MIN, 3 * HOUR)
    } else {
        secs(rng, 3 * HOUR, 8 * HOUR)
    }
}

/// Time held on a detainer past eligibility: from none to rare weeks.
pub(super) fn hold_length(rng: &mut ChaCha8Rng) -> Duration {
    let r: f64 = rng.random();
    if r < 0.12 {
        Duration::zero()
    } else if r < 0.30 {
        secs(rng, MIN, 59 * MIN)
    } else if r < 0.62 {
        secs(rng, HOUR, DAY)
    } else if r < 0.92 {
        secs(rng, DAY, 5 * DAY)
    } else {
        secs(rng, 5 * DAY, 21 * DAY)
    }
}

pub(super) fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for &(item, w) in items {
        if pick < w {
            return item;
        }
        pick -= w;
    }
    items[items.len() - 1].0
}

/// The local case's reason for eligibility.
pub(super) fn local_reason(rng: &mut ChaCha8Rng) -> ReleaseReason {
    weighted(
        rng,
        &[
            (ReleaseReason::Bail, 28),
            (ReleaseReason::OwnRecognizance, 20),
            (ReleaseReason::ChargesDropped, 12),
            (ReleaseReason::Acquitted, 2),
            (ReleaseReason::SentenceServed, 25),
            (ReleaseReason::CourtOrder, 6),
            (ReleaseReason::Diversion, 3),
            (ReleaseReason::TransferOther, 2),
            (ReleaseReason::Other, 2),
        ],
    )
}

/// The detainer form in use on a date.
pub(super) fn form_on(rng: &mut ChaCha8Rng, date: NaiveDate) -> Form {
    if date.year() < 2015 {
        Form::I247
    } else if date <= NaiveDate::from_ymd_opt(2017, 4, 1).expect("valid date") {
        weighted(
            rng,
            &[(Form::I247D, 70), (Form::I247N, 15), (Form::I247X, 15)],
        )
    } else {
        Form::I247A
    }
}

/// The warrant sent with a detainer: nothing before April 2017, an I-200 or
/// I-205 after; a few judicial, a few with a code nobody mapped.
pub(super) fn warrant_on(rng: &mut ChaCha8Rng, date: NaiveDate) -> WarrantCode {
    if date < NaiveDate::from_ymd_opt(2017, 4, 2).expect("valid date") {
        weighted(
            rng,
            &[
                (WarrantCode::None, 91),
                (WarrantCode::Judicial, 4),
                (WarrantCode::Unmapped, 5),
            ],
        )
    } else {
        weighted(
            rng,
            &[
                (WarrantCode::I200, 60),
                (WarrantCode::I205, 28),
                (WarrantCode::None, 3),
                (WarrantCode::Judicial, 4),
                (WarrantCode::Unmapped, 5),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::model::test_county as county;

    #[test]
    fn forms_follow_their_dates() {
        let cutoff = NaiveDate::from_ymd_opt(2017, 4, 2).expect("valid");
        for b in county().bookings {
            for d in &b.detainers {
                let date = d.lodged.date();
                match d.form {
                    Form::I247 => assert!(date.year() < 2015),
                    Form::I247A => assert!(date >= cutoff),
                    _ => assert!(date.year() >= 2015 && date < cutoff),
                }
            }
        }
    }
}
