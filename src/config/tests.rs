//! The module as its callers use it: pipeline files written to disk, read
//! by `load_all`, and either a plan or every problem of every file, each at
//! its line and column. The tests of one piece alone sit beside that piece.

use super::*;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const GOOD: &str = r#"
county = "San Luis Obispo"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"

[rules]
grace_minutes = 5
date_only = { released_at = "end_of_day" }

[[inputs]]
table = "bookings"
path = "data/b_*.csv"
delimiter = ";"
encoding = "windows-1252"
[inputs.columns]
booking_id = "BKG"
booked_at = ["BDATE", "BTIME"]
[inputs.formats]
booked_at = ["%m/%d/%Y %H%M"]

[[inputs]]
table = "detainers"
path = "data/d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"

[codes.form]
"I247A" = "I-247A"
"#;

fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for f in ["b_2019.csv", "b_2020.csv", "d.csv"] {
        write(&dir.path().join("data"), f, "x\n");
    }
    dir
}

#[test]
fn a_good_file_becomes_a_plan() {
    let dir = fixture_dir();
    let f = write(dir.path(), "slo.toml", GOOD);
    let p = load_all(&[f]).unwrap().remove(0);
    assert_eq!(p.slug, "san-luis-obispo");
    assert_eq!(p.inputs[0].files.len(), 2);
    assert_eq!(p.inputs[0].delimiter, b';');
    assert_eq!(p.inputs[0].encoding, Encoding::Windows1252);
    assert_eq!(p.rules.grace_minutes, 5);
    assert_eq!(p.rules.date_only("released_at"), DateOnly::EndOfDay);
    assert_eq!(p.rules.date_only("lodged_at"), DateOnly::EndOfDay);
    let booked = p.inputs[0]
        .columns
        .iter()
        .find(|c| c.field.name == "booked_at")
        .unwrap();
    assert_eq!(booked.sources, vec!["BDATE", "BTIME"]);
    assert_eq!(booked.formats, vec!["%m/%d/%Y %H%M"]);
}

#[test]
fn every_unknown_key_is_reported_with_its_line() {
    let dir = fixture_dir();
    let text = GOOD
        .replace("grace_minutes = 5", "grace_minuts = 5")
        .replace("delimiter = \";\"", "delimeter = \";\"");
    let f = write(dir.path(), "slo.toml", &text);
    let err = load_all(&[f]).unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
    assert_eq!(err.0[0].key, "rules.grace_minuts");
    assert_eq!(err.0[0].at, Some((8, 1)));
    assert!(err.0[0].message.contains("did you mean `grace_minutes`"));
    assert_eq!(err.0[1].key, "inputs[0].delimeter");
    assert_eq!(err.0[1].at, Some((14, 1)));
}

#[test]
fn unknown_keys_and_other_problems_come_together() {
    let dir = fixture_dir();
    let text = GOOD
        .replace("grace_minutes = 5", "grace_minuts = 5")
        .replace("America/Los_Angeles", "Europe/Nowhere");
    let f = write(dir.path(), "slo.toml", &text);
    let err = load_all(&[f]).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["timezone", "rules.grace_minuts"], "{err}");
}

#[test]
fn semantic_problems_of_all_files_are_collected() {
    let dir = fixture_dir();
    let bad = GOOD
        .replace("America/Los_Angeles", "America/Los_Angles")
        .replace("\"I-247A\"", "\"I-247Z\"")
        .replace("data/d.csv", "data/missing_*.csv")
        .replace("booking_id = \"BKG\"\nbooked_at", "booked_at");
    let f1 = write(dir.path(), "a.toml", &bad);
    let f2 = write(
        dir.path(),
        "b.toml",
        &GOOD.replace("table = \"detainers\"", "table = \"detainer\""),
    );
    let err = load_all(&[f1.clone(), f2.clone()]).unwrap_err();
    let text = err.to_string();
    for needle in [
        "a.toml:4:1: `timezone`",
        "`codes.form.I247A`",
        "matches no file",
        "required field `booking_id` of bookings",
        "b.toml:23:1: `inputs[1].table`",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn as_of_in_the_dst_gap_is_an_error() {
    let dir = fixture_dir();
    let f = write(
        dir.path(),
        "slo.toml",
        &GOOD.replace("2026-06-30T00:00:00", "2019-03-10T02:30:00"),
    );
    let err = load_all(&[f]).unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert_eq!(err.0[0].key, "as_of");
    assert!(err.0[0].message.contains("does not exist"));
}

#[test]
fn one_file_twice_for_one_table_is_an_error() {
    let dir = fixture_dir();
    let f = write(
        dir.path(),
        "slo.toml",
        &GOOD.replace("path = \"data/d.csv\"", "path = \"data/*.csv\""),
    );
    // inputs[1] (detainers) now reads every csv; fine. Make it bookings.
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("table = \"detainers\"", "table = \"bookings\"");
    std::fs::write(&f, text).unwrap();
    let err = load_all(&[f]).unwrap_err().to_string();
    assert!(
        err.contains("is already read as bookings by inputs[0]"),
        "{err}"
    );
}

#[test]
fn malformed_days_name_their_key() {
    let dir = fixture_dir();
    let text = GOOD.replace("grace_minutes = 5", "since = \"2011-13-01\"")
        + "[class]\nto = \"June 2019\"\n";
    let f = write(dir.path(), "slo.toml", &text);
    let err = load_all(&[f]).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["rules.since", "class.to"], "{err}");
}
