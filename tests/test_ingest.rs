//! CSV dialects: each test writes a small export in a tempdir, runs the real
//! binary on it, and checks the staged result through the outputs.

mod common;

use common::*;
use std::path::Path;

const DETAINERS: &str = "DET,BKG,LODGED,FORM,WARRANT\nD1,0001,2019-03-01 08:00,I247A,ADMIN\n";

fn pipeline(dir: &Path, bookings_input: &str) {
    let text = format!(
        r#"county = "Dialect"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2020-01-01T00:00:00"
[rules]
max_reject_rate = 0.5
{bookings_input}
[[inputs]]
table = "detainers"
path = "detainers.csv"
[inputs.columns]
detainer_id = "DET"
booking_id = "BKG"
lodged_at = "LODGED"
form = "FORM"
warrant = "WARRANT"
[codes.form]
I247A = "I-247A"
[codes.warrant]
ADMIN = "administrative"
"#
    );
    std::fs::write(dir.join("p.toml"), text).unwrap();
    std::fs::write(dir.join("detainers.csv"), DETAINERS).unwrap();
}

fn holds(dir: &Path) -> Vec<Row> {
    read_parquet(&dir.join("out/holds/county=dialect/part-0.parquet"))
}

#[test]
fn semicolon_windows_1252_preamble_split_date_time_and_nulls() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        r#"
[[inputs]]
table = "bookings"
path = "b.csv"
delimiter = ";"
encoding = "windows-1252"
skip_rows = 2
null_values = ["NULL", "N/A"]
[inputs.columns]
booking_id = "BKG"
last_name = "NOM"
booked_at = ["BDATE", "BTIME"]
[inputs.formats]
booked_at = ["%m/%d/%Y %H%M"]
[[inputs]]
table = "releases"
path = "b.csv"
delimiter = ";"
encoding = "windows-1252"
skip_rows = 2
null_values = ["NULL", "N/A"]
[inputs.columns]
booking_id = "BKG"
eligible_at = ["EDATE", "ETIME"]
released_at = ["RDATE", "RTIME"]
[inputs.formats]
eligible_at = ["%m/%d/%Y %H%M"]
released_at = ["%m/%d/%Y %H%M"]
"#,
    );
    // "Peña" in Windows-1252: ñ is the single byte F1. CRLF line ends.
    let mut bytes =
        b"JAIL EXPORT\r\nRun date: 01/02/2020\r\nBKG;NOM;BDATE;BTIME;EDATE;ETIME;RDATE;RTIME\r\n"
            .to_vec();
    bytes.extend_from_slice(b"0001;Pe\xF1a;02/28/2019;0930;03/01/2019;1000;03/01/2019;1230\r\n");
    bytes.extend_from_slice(b"0002;NULL;02/28/2019;0930;03/01/2019;N/A;N/A;NULL\r\n");
    std::fs::write(dir.path().join("b.csv"), bytes).unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h = holds(dir.path());
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["booking_id"], "0001"); // leading zeros kept
    assert_eq!(h[0]["last_name"], "Peña");
    assert_eq!(h[0]["hold_minutes"], "150");
    assert_eq!(h[0]["source_row"], "1");
}

#[test]
fn utf8_bom_quoted_newlines_ampm_two_digit_years_and_globs() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        r#"
[[inputs]]
table = "bookings"
path = "b_*.csv"
[inputs.columns]
booking_id = "Booking No"
facility = "Facility"
booked_at = "Booked"
[inputs.formats]
booked_at = ["%m/%d/%y %I:%M %p"]
[[inputs]]
table = "releases"
path = "b_*.csv"
[inputs.columns]
booking_id = "Booking No"
eligible_at = "Eligible"
released_at = "Released"
[inputs.formats]
eligible_at = ["%m/%d/%y %I:%M %p"]
released_at = ["%m/%d/%y %I:%M %p"]
"#,
    );
    std::fs::write(
        dir.path().join("b_1.csv"),
        "\u{feff}Booking No,Facility,Booked,Eligible,Released\r\n\
         0001,\"Main Jail,\nNorth Wing\",02/28/19 9:30 AM,03/01/19 10:00 AM,03/01/19 3:15 PM\r\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b_2.csv"),
        "Booking No,Facility,Booked,Eligible,Released\n0002,South,02/28/19 9:30 AM,,\n",
    )
    .unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h = holds(dir.path());
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["hold_minutes"], "315");
    assert_eq!(h[0]["source_file"], "b_1.csv");
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap(),
    )
    .unwrap();
    let files = m["pipelines"][0]["inputs"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], "b_1.csv");
    assert_eq!(files[1]["rows_in"], 1);
}

#[test]
fn ragged_rows_and_invalid_utf8_are_rejected_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        r#"
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
last_name = "LAST"
booked_at = "BOOKED"
"#,
    );
    let mut bytes = b"BKG,LAST,BOOKED\n0001,Ok,2019-02-28 09:30\n".to_vec();
    bytes.extend_from_slice(b"0002,Too,2019-02-28 09:30,extra\n");
    bytes.extend_from_slice(b"0003,Bad\xFFbyte,2019-02-28 09:30\n");
    bytes.extend_from_slice(b"0004,Short\n");
    std::fs::write(dir.path().join("b.csv"), bytes).unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o)); // 3 of 4 rejected > 50%
    let rejects = read_parquet(&dir.path().join("out/rejects/county=dialect/part-0.parquet"));
    let reasons: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r["source_row"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("2", "wrong_field_count"),
            ("3", "invalid_utf8"),
            ("4", "wrong_field_count")
        ]
    );
    assert!(
        rejects[1]["detail"].contains("FF"),
        "{}",
        rejects[1]["detail"]
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("above max_reject_rate"));
}

#[test]
fn a_missing_column_names_file_column_and_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        r#"
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKD"
"#,
    );
    std::fs::write(dir.path().join("b.csv"), "BKG,BOOKED\n1,2019-01-01\n").unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("b.csv"), "{err}");
    assert!(err.contains("`BOOKD`"), "{err}");
    assert!(err.contains("did you mean `BOOKED`"), "{err}");
    assert!(err.contains("the header has: BKG, BOOKED"), "{err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn rejects_name_the_line_a_row_starts_on_in_crlf_files() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        r#"
[[inputs]]
table = "bookings"
path = "b.csv"
skip_rows = 1
[inputs.columns]
booking_id = "BKG"
last_name = "LAST"
booked_at = "BOOKED"
"#,
    );
    // Line 1 is a preamble, line 2 the header; a blank line (4) and a
    // quoted name over two lines (5-6) come before the bad rows (lines 7
    // and 8) and a copy of row 2 (lines 9-10). The `csv` crate placed a row
    // after a CRLF one line early.
    let csv = "EXPORT 2019\r\n\
               BKG,LAST,BOOKED\r\n\
               0001,Ok,2019-02-28 09:30\r\n\
               \r\n\
               0002,\"Two\r\nLines\",2019-02-28 09:30\r\n\
               0003,Bad,not a date\r\n\
               0004,\"Bad, too\",2019-13-01 09:30\r\n\
               0002,\"Two\r\nLines\",2019-02-28 09:30\r\n\
               0005,Ok,2019-02-28 09:30\r\n\
               0006,Ok,2019-02-28 09:30\r\n";
    std::fs::write(dir.path().join("b.csv"), csv).unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let mut rejects = read_parquet(&dir.path().join("out/rejects/county=dialect/part-0.parquet"));
    rejects.sort_by_key(|r| r["source_row"].parse::<u32>().unwrap());
    let at: Vec<(&str, &str, &str)> = rejects
        .iter()
        .map(|r| {
            (
                r["source_row"].as_str(),
                r["source_line"].as_str(),
                r["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            ("3", "7", "bad_datetime"),
            ("4", "8", "bad_datetime"),
            ("5", "9", "duplicate_row")
        ]
    );
    assert!(
        rejects[1]["raw"].contains("\"LAST\":\"Bad, too\""),
        "{}",
        rejects[1]["raw"]
    );
    // Read again from the row's byte offset, after staging.
    assert!(
        rejects[2]["raw"].contains("\"LAST\":\"Two\\r\\nLines\""),
        "{}",
        rejects[2]["raw"]
    );
}
