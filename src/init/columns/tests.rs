//! Tables and columns guessed from headers and values.

use super::*;
use crate::init::sample::{Layout, Part};
use crate::init::shape::profile;
use std::path::PathBuf;

/// A part named `file` with `header` and rows of values.
fn part(file: &str, header: &[&str], rows: &[&[&str]]) -> (Part, Vec<Profile>) {
    let columns: Vec<Vec<String>> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].to_string()).collect())
        .collect();
    let profiles = columns.iter().map(|c| profile(c, &[])).collect();
    let part = Part {
        path: PathBuf::from(file),
        layout: Layout::Parquet(Vec::new()),
        header: header.iter().map(|h| h.to_string()).collect(),
        columns,
        unreadable: 0,
        complete: true,
        preamble: Vec::new(),
    };
    (part, profiles)
}

fn tables(g: &PartGuess) -> Vec<Table> {
    g.tables.iter().map(|t| t.table).collect()
}

fn sources(g: &PartGuess, table: Table, field: &str) -> Option<Vec<usize>> {
    g.tables
        .iter()
        .find(|t| t.table == table)?
        .get(field)
        .map(|f| f.sources.clone())
}

#[test]
fn one_extract_feeds_bookings_and_releases_with_joined_date_and_time() {
    let (p, pr) = part(
        "export.csv",
        &[
            "BKG_NO",
            "BOOK_DATE",
            "BOOK_TIME",
            "REL_DATE",
            "REL_TIME",
            "REL_CODE",
        ],
        &[
            &["B1", "03/15/2019", "1432", "03/16/2019", "0900", "01"],
            &["B2", "03/17/2019", "0815", "03/19/2019", "1200", "01"],
            &["B3", "03/18/2019", "2210", "", "", ""],
        ],
    );
    let g = guess(&p, &pr);
    assert_eq!(tables(&g), [Table::Bookings, Table::Releases]);
    assert_eq!(sources(&g, Table::Bookings, "booking_id"), Some(vec![0]));
    assert_eq!(sources(&g, Table::Bookings, "booked_at"), Some(vec![1, 2]));
    assert_eq!(
        sources(&g, Table::Releases, "released_at"),
        Some(vec![3, 4])
    );
    assert_eq!(
        sources(&g, Table::Releases, "release_reason"),
        Some(vec![5])
    );
    assert!(g.tables[0]
        .why
        .contains("`BOOK_DATE` and `BOOK_TIME` are a booking time"));
}

#[test]
fn repeated_booking_ids_make_a_file_with_a_booking_date_a_charges_file() {
    let header = ["BOOKING_ID", "BOOKING_DATE", "CHARGE_TYPE", "DISPO_DATE"];
    let rows: &[&[&str]] = &[
        &["B1", "2019-03-15 10:00", "FEL", "2019-03-20 10:00"],
        &["B1", "2019-03-15 10:00", "MISD", "2019-03-21 10:00"],
        &["B2", "2019-03-16 10:00", "FEL", "2019-03-22 10:00"],
        &["B2", "2019-03-16 10:00", "ICE HOLD", ""],
    ];
    let (p, pr) = part("export.csv", &header, rows);
    assert_eq!(tables(&guess(&p, &pr)), [Table::Charges]);
    // Its name, when it names a table, decides.
    let (p, pr) = part("bookings.csv", &header, rows);
    assert_eq!(tables(&guess(&p, &pr)), [Table::Bookings]);
}

#[test]
fn a_detainer_file_with_a_booking_date_feeds_detainers_only() {
    let (p, pr) = part(
        "ice_holds.csv",
        &["Booking Number", "BookingDate", "Hold Lodged", "HOLD_TYPE"],
        &[
            &["B1", "2019-03-15", "2019-03-16 10:00", "247A"],
            &["B2", "2019-03-17", "2019-03-18 11:00", "247A"],
        ],
    );
    let g = guess(&p, &pr);
    assert_eq!(tables(&g), [Table::Detainers]);
    assert_eq!(sources(&g, Table::Detainers, "lodged_at"), Some(vec![2]));
    assert!(g.tables[0].missing().is_empty());
}

#[test]
fn a_name_whose_values_do_not_fit_is_refuted_and_said() {
    let (p, pr) = part(
        "bookings.csv",
        &["BOOKING_ID", "DOB", "BOOKED"],
        &[
            &["B1", "REDACTED", "2019-03-15 10:00"],
            &["B2", "REDACTED", "2019-03-16 10:00"],
        ],
    );
    let g = guess(&p, &pr);
    assert_eq!(sources(&g, Table::Bookings, "dob"), None);
    assert_eq!(
        g.refuted,
        ["`DOB` is named like `dob`, but its sampled values are codes: not mapped"]
    );
}

#[test]
fn a_file_with_no_table_plain_feeds_none_and_a_missing_id_is_named() {
    let (p, pr) = part("export.csv", &["A", "B"], &[&["1", "2"]]);
    assert!(guess(&p, &pr).tables.is_empty());
    let (p, pr) = part(
        "detainers.csv",
        &["JAIL_REF", "Hold Lodged"],
        &[
            &["B19-0101", "2019-03-16 10:00"],
            &["B19-0102", "2019-03-17 10:00"],
        ],
    );
    let g = guess(&p, &pr);
    let t = &g.tables[0];
    assert_eq!(t.missing(), ["booking_id or person_id"]);
    assert_eq!(candidates(&p, &pr, t, "booking_id"), ["JAIL_REF"]);
}
