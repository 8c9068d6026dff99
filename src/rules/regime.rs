//! Method rule 10: the legal regime a hold fell under.
//!
//! What it does: for California counties, `pre_trust` before 2014-01-01,
//! `trust_act` from 2014-01-01 (Cal. Gov. Code 7282.5, the TRUST Act) to
//! 2017-12-31, `values_act` from 2018-01-01 (Cal. Gov. Code 7284.6, SB 54);
//! `none` for other states.
//!
//! Why: under the Values Act any hold on a detainer alone is unlawful
//! whatever its length, so the regime changes what a hold means.
//!
//! Example: a hold starting 2017-12-31 23:30 local time is `trust_act`.

use crate::model::Regime;
use chrono::NaiveDate;

pub fn regime(state: &str, local_day: NaiveDate) -> Regime {
    if state != "CA" {
        return Regime::OtherState;
    }
    let d = |y| NaiveDate::from_ymd_opt(y, 1, 1).expect("January 1 exists");
    if local_day < d(2014) {
        Regime::PreTrust
    } else if local_day < d(2018) {
        Regime::TrustAct
    } else {
        Regime::ValuesAct
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(regime("CA", day("2013-12-31")), Regime::PreTrust);
        assert_eq!(regime("CA", day("2014-01-01")), Regime::TrustAct);
        assert_eq!(regime("CA", day("2017-12-31")), Regime::TrustAct);
        assert_eq!(regime("CA", day("2018-01-01")), Regime::ValuesAct);
        assert_eq!(regime("OR", day("2018-01-01")), Regime::OtherState);
    }
}
