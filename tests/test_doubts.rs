//! Doubts in the export that the rules must read the short way and count
//! (method rules 2, 4, 12 and "Reading the export"): empty coded fields, a
//! missing warrant column, two-digit birth years, conflicting release rows.
//! Each export is written here, a few rows each.

mod common;

use common::*;
use std::path::Path;

const BOOKINGS: &str = "\
BKG,PID,LAST,FIRST,DOB,BOOKED,ELIGIBLE,RELEASED
B1,P1,Alpha,Ana,03/04/45,2019-03-01 10:00,2019-03-04 10:00,2019-03-04 16:00
B2,P2,Beta,Bo,03/04/99,2019-03-01 10:00,2019-03-04 10:00,2019-03-04 12:00
B3,P3,Gamma,Cy,03/04/05,2019-03-01 10:00,2019-03-04 10:00,2019-03-04 11:00
B3,P3,Gamma,Cy,03/04/05,2019-03-01 10:00,2019-03-04 10:00,2019-03-05 11:00
";

const DETAINERS: &str = "\
DET,BKG,LODGED,WARRANT
D1,B1,2019-03-02 10:00,
D2,B2,2019-03-02 10:00,ADMIN
D3,B3,2019-03-02 10:00,ADMIN
";

/// A pipeline over the files above; `warrant` is the warrant column's
/// mapping line (or nothing), `extra` more TOML at the end.
fn pipeline(warrant: &str, extra: &str) -> String {
    format!(
        r#"county = "Doubt County"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2020-01-01T00:00:00"

[rules]
max_reject_rate = 1.0

[[inputs]]
table = "bookings"
path = "bookings.csv"
[inputs.columns]
booking_id = "BKG"
person_id = "PID"
last_name = "LAST"
first_name = "FIRST"
dob = "DOB"
booked_at = "BOOKED"
[inputs.formats]
dob = ["%m/%d/%y"]

[[inputs]]
table = "releases"
path = "bookings.csv"
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIGIBLE"
released_at = "RELEASED"

[[inputs]]
table = "detainers"
path = "detainers.csv"
null_values = []
[inputs.columns]
detainer_id = "DET"
booking_id = "BKG"
lodged_at = "LODGED"
{warrant}

{extra}
"#
    )
}

fn setup(dir: &Path, pipeline_text: &str) {
    std::fs::write(dir.join("bookings.csv"), BOOKINGS).unwrap();
    std::fs::write(dir.join("detainers.csv"), DETAINERS).unwrap();
    std::fs::write(dir.join("p.toml"), pipeline_text).unwrap();
}

const CODES: &str = "[codes.warrant]\n\"\" = \"none\"\nADMIN = \"administrative\"\n";

#[test]
fn an_empty_code_maps_blank_fields_and_check_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &pipeline("warrant = \"WARRANT\"", CODES));
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let holds = read_parquet(
        &dir.path()
            .join("out/holds/county=doubt-county/part-0.parquet"),
    );
    let b1 = holds.iter().find(|h| h["booking_id"] == "B1").unwrap();
    // The blank warrant is "none" by the "" code: 6 hours, flagged.
    assert_eq!(b1["warrant_status"], "none");
    assert_eq!(b1["hold_minutes"], "360");
    assert_eq!(b1["flagged"], "true");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest["pipelines"][0]["inputs"][2]["files"][0]["empty_codes"]["warrant"],
        1
    );

    let o = run(&["check", "p.toml"], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("empty warrant: 1 fields read as `none`"),
        "{out}"
    );
    assert!(!out.contains("warning"), "{out}");

    // Without the "" code, the blank warrant is unknown: not flagged, but
    // counted where an analyst sees it.
    setup(
        dir.path(),
        &pipeline(
            "warrant = \"WARRANT\"",
            "[codes.warrant]\nADMIN = \"administrative\"\n",
        ),
    );
    let o = run(&["check", "p.toml"], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("doubts: 1 with an unknown warrant (not flagged)"),
        "{out}"
    );
}

#[test]
fn check_warns_of_a_missing_warrant_column_and_an_empty_code_never_used() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &pipeline("", ""));
    let o = run(&["check", "p.toml"], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "warning: no input maps a `warrant` column: every warrant is unknown and no hold can \
             be flagged"
        ),
        "{out}"
    );
    assert!(out.contains("0 flagged"), "{out}");

    // A "" code where no field is empty (the only blank is in B1's row,
    // which this pipeline reads with another null value list).
    let text = pipeline("warrant = \"WARRANT\"", CODES).replace(
        "path = \"detainers.csv\"\nnull_values = []",
        "path = \"detainers.csv\"",
    );
    std::fs::write(dir.path().join("p.toml"), text).unwrap();
    std::fs::write(
        dir.path().join("detainers.csv"),
        DETAINERS.replace("10:00,\n", "10:00,ADMIN\n"),
    )
    .unwrap();
    let o = run(&["check", "p.toml"], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "warning: [codes.warrant] maps \"\" but no input had an empty `warrant` field"
        ),
        "{out}"
    );
}

#[test]
fn two_digit_birth_years_are_never_after_the_booking() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &pipeline("warrant = \"WARRANT\"", CODES));
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let holds = read_parquet(
        &dir.path()
            .join("out/holds/county=doubt-county/part-0.parquet"),
    );
    let dob = |id: &str| holds.iter().find(|h| h["booking_id"] == id).unwrap()["dob"].clone();
    // %y reads 45 as 2045, after the 2019 booking: 1945. 99 is 1999 already;
    // 05 is 2005, before the booking: kept.
    assert_eq!(dob("B1"), "1945-03-04");
    assert_eq!(dob("B2"), "1999-03-04");
}

#[test]
fn conflicting_release_rows_leave_the_hold_unmeasured() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &pipeline("warrant = \"WARRANT\"", CODES));
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = dir.path().join("out");
    let holds = read_parquet(&out.join("holds/county=doubt-county/part-0.parquet"));
    let b3 = holds.iter().find(|h| h["booking_id"] == "B3").unwrap();
    // B3's two rows are one booking (its columns are identical: kept once)
    // with two release times: neither can be trusted, so the hold is kept
    // and not measured.
    assert_eq!(b3["status"], "release_unknown");
    assert_eq!(b3["hold_minutes"], "");
    assert_eq!(b3["flagged"], "false");
    let rejects = read_parquet(&out.join("rejects/county=doubt-county/part-0.parquet"));
    assert_eq!(
        reasons(&rejects),
        [
            ("bookings", "4", "duplicate_row"),
            ("releases", "3", "conflicting_duplicate"),
            ("releases", "4", "conflicting_duplicate"),
        ]
    );
}
