//! Format inference: each usual format found, day and month order never
//! guessed, dates alone, serials and stray values counted.

use super::*;

fn dt(values: &[&str]) -> Inference {
    infer(values, Target::DateTime)
}

#[test]
fn iso_us_and_compact_datetimes_are_found() {
    let i = dt(&["2013-01-05 05:09:55", "2013-01-17 22:32:56"]);
    assert_eq!(i.formats, ["%Y-%m-%d %H:%M:%S"]);
    assert_eq!((i.values, i.parsed, i.date_alone), (2, 2, 0));
    assert_eq!(
        i.evidence("Booked"),
        "`Booked`: 100% of 2 sampled values parse as `%Y-%m-%d %H:%M:%S`"
    );
    let i = dt(&["01/02/2011 1131", "06/17/2011 0247"]);
    assert_eq!(i.formats, ["%m/%d/%Y %H%M"]);
    assert_eq!(i.ambiguous, None);
    let i = dt(&["20190315 1432", "20191231 0001"]);
    assert_eq!(i.formats, ["%Y%m%d %H%M"]);
    let i = dt(&["2019-03-15T14:32:00", "2019-03-16T01:02:03"]);
    assert_eq!(i.formats, ["%Y-%m-%dT%H:%M:%S"]);
    let i = dt(&["15-MAR-2019 14:32", "01-Dec-2019 09:00"]);
    assert_eq!(i.formats, ["%d-%b-%Y %H:%M"]);
}

#[test]
fn two_digit_years_and_twelve_hour_clocks() {
    let i = dt(&[
        "01/10/11 03:58 AM",
        "01/19/11 08:33 PM",
        "12/31/19 12:00 pm",
    ]);
    assert_eq!(i.formats, ["%m/%d/%y %I:%M %p"]);
    assert_eq!(i.parsed, 3);
    // A four-digit-year format reads "11" as the year 11: out of range.
    assert!(!i.formats.iter().any(|f| f.contains("%Y")));
}

#[test]
fn day_first_is_found_when_a_day_is_above_12() {
    let i = dt(&["15/03/2019 14:32", "01/04/2019 09:00"]);
    assert_eq!(i.formats, ["%d/%m/%Y %H:%M"]);
    assert_eq!(i.ambiguous, None);
}

#[test]
fn ambiguous_day_and_month_order_is_said_not_guessed() {
    let i = dt(&["01/02/2019 10:00", "03/04/2019 11:00", "12/11/2019 09:30"]);
    assert!(i.undecided());
    assert_eq!(i.formats, Vec::<String>::new());
    assert_eq!(
        i.ambiguous,
        Some(("%m/%d/%Y %H:%M".to_string(), "%d/%m/%Y %H:%M".to_string()))
    );
    assert!(i
        .evidence("DispDate")
        .contains("day and month order is ambiguous"));
    // Dates alone, two-digit years: the same.
    let i = dt(&["01/02/19", "05/06/19"]);
    assert!(i.ambiguous.is_some(), "{i:?}");
}

#[test]
fn values_read_only_one_way_and_only_the_other_are_mixed() {
    let mut values = vec!["03/15/2019 10:00"; 30];
    values.extend(vec!["15/03/2019 10:00"; 30]);
    let i = dt(&values);
    assert!(i.mixed.is_some(), "{i:?}");
    assert!(i.formats.is_empty());
}

#[test]
fn dates_alone_beside_datetimes_are_read_by_the_date_part() {
    // A date column and a time column joined, the time sometimes empty.
    let i = dt(&["07/16/2011", "08/07/2011 1037", "08/08/2011 1348"]);
    assert_eq!(i.formats, ["%m/%d/%Y %H%M"]);
    assert_eq!((i.parsed, i.date_alone), (3, 1));
    assert!(i.evidence("LODGED").contains("1 of them a date alone"));
    // A column of dates alone gets a format without a time.
    let i = dt(&["07/16/2011", "08/27/2011"]);
    assert_eq!(i.formats, ["%m/%d/%Y"]);
    assert!(!i.has_time());
}

#[test]
fn a_stray_value_is_counted_not_fitted() {
    let mut values = vec!["2013-01-05 05:09:55"; 1500];
    values.push("2013-02-30 10:00:00");
    let i = dt(&values);
    assert_eq!(i.formats, ["%Y-%m-%d %H:%M:%S"]);
    assert_eq!((i.values, i.parsed), (1501, 1500));
    let e = i.evidence("BookingDateTime");
    assert!(
        e.starts_with("`BookingDateTime`: 99.9% of 1,501 sampled values parse as"),
        "{e}"
    );
    assert!(e.contains("1 value is read by no format tried"), "{e}");
}

#[test]
fn two_formats_in_one_column_are_both_kept_in_order() {
    let mut values = vec!["2019-03-15 14:32"; 60];
    values.extend(vec!["03/15/2019 02:32 PM"; 40]);
    let i = dt(&values);
    assert_eq!(i.formats, ["%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M %p"]);
    assert_eq!(i.per_format, [60, 40]);
    assert_eq!(
        i.evidence("When"),
        "`When`: of 100 sampled values, 60.0% parse as `%Y-%m-%d %H:%M`, 40.0% parse as \
         `%m/%d/%Y %I:%M %p`"
    );
}

#[test]
fn excel_serials_and_instants_need_no_format() {
    let i = dt(&["43539.5", "43540", "2019-11-03T09:30:00Z"]);
    assert!(i.formats.is_empty());
    assert_eq!(
        (i.serials, i.instants, i.parsed, i.date_alone),
        (2, 1, 3, 1)
    );
    assert!(!i.undecided());
}

#[test]
fn dates_of_birth_have_their_own_years_and_no_date_part() {
    let i = infer(&["19530116", "19650909"], Target::Date);
    assert_eq!(i.formats, ["%Y%m%d"]);
    let i = infer(&["02/09/1946", "03/30/1950"], Target::Date);
    assert_eq!(i.formats, ["%m/%d/%Y"]);
    // 1946 is no year for an event.
    assert_eq!(dt(&["02/09/1946"]).parsed, 0);
}

#[test]
fn empty_and_unreadable_columns() {
    let i = dt(&[]);
    assert_eq!(
        i.evidence("X"),
        "`X`: no value in the sample, so no format to infer"
    );
    let i = dt(&["Smith", "Lee"]);
    assert_eq!((i.parsed, i.formats.len()), (0, 0));
}

#[test]
fn times_of_day_alone() {
    assert_eq!(time_share(&["1131", "0247", "14:32", "2:32 PM"]), 1.0);
    assert_eq!(time_share(&["2460", "Smith"]), 0.0);
    assert_eq!(time_share(&[]), 0.0);
}

#[test]
fn percentages_never_round_up_to_all() {
    assert_eq!(percent(5, 5), "100%");
    assert_eq!(percent(4999, 5000), "99.9%");
    assert_eq!(percent(1, 3), "33.3%");
    assert_eq!(percent(0, 3), "0.0%");
}

#[test]
fn a_format_too_rare_for_the_probe_is_still_found() {
    // 30 values in 6,000 (0.5%) written another way: the probe of 64
    // values spread over the column sees none of them.
    let mut values = vec!["2019-03-15 14:32:00"; 5970];
    for i in 0..30 {
        values.insert(i * 199 + 1, "03/15/2019 02:32 PM");
    }
    let i = dt(&values);
    assert_eq!(
        i.formats,
        ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M %p"],
        "{i:?}"
    );
    assert_eq!((i.parsed, i.values), (6000, 6000));
}
