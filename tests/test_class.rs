//! Person matching in the class list: one person is neither split nor
//! merged; close names are listed for review, not merged.

mod common;

use common::*;

const PIPELINE: &str = r#"county = "Class"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[rules]
name_similarity = 0.9
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
last_name = "LAST"
first_name = "FIRST"
dob = "DOB"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIG"
released_at = "REL"
[[inputs]]
table = "detainers"
path = "d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"
warrant = "W"
[codes.warrant]
ADMIN = "administrative"
"#;

#[test]
fn one_person_under_variant_names_is_one_member_and_close_names_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), PIPELINE).unwrap();
    // B1 and B2: one person, name written two ways (accents, hyphen, swapped
    // first and last). B3: a same common name, another birth date: another
    // person. B4: a close name with B1's birth date: listed, not merged.
    std::fs::write(
        dir.path().join("b.csv"),
        "BKG,LAST,FIRST,DOB,BOOKED,ELIG,REL\n\
         B1,Peña-Ruiz,José,1980-02-03,2019-01-01 10:00,2019-01-02 10:00,2019-01-02 13:00\n\
         B2,JOSE,PENA RUIZ,1980-02-03,2019-05-01 10:00,2019-05-02 10:00,2019-05-03 11:00\n\
         B3,Peña-Ruiz,José,1985-07-07,2019-06-01 10:00,2019-06-02 10:00,2019-06-02 12:00\n\
         B4,Pena Ruis,Jose,1980-02-03,2019-07-01 10:00,2019-07-02 10:00,2019-07-02 12:00\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("d.csv"),
        "BKG,LODGED,W\nB1,2019-01-01 12:00,ADMIN\nB2,2019-05-01 12:00,ADMIN\nB3,2019-06-01 12:00,ADMIN\nB4,2019-07-01 12:00,ADMIN\n",
    )
    .unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let members = read_parquet(&dir.path().join("out/class_members.parquet"));
    let keys: Vec<(&str, &str, &str)> = members
        .iter()
        .map(|m| {
            (
                m["person_key"].as_str(),
                m["booking_ids"].as_str(),
                m["days_held"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("name:JOSE PENA RUIS|1980-02-03", "B4", "1"),
            // 3 hours + 25 hours: 1 + 2 started days.
            ("name:JOSE PENA RUIZ|1980-02-03", "B1;B2", "3"),
            ("name:JOSE PENA RUIZ|1985-07-07", "B3", "1"),
        ]
    );
    assert!(members.iter().all(|m| m["match_basis"] == "name_dob"));
    let pairs = read_parquet(&dir.path().join("out/possible_duplicates.parquet"));
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["person_key_a"], "name:JOSE PENA RUIS|1980-02-03");
    assert_eq!(pairs[0]["person_key_b"], "name:JOSE PENA RUIZ|1980-02-03");
    let score: f64 = pairs[0]["score"].parse().unwrap();
    assert!((0.9..1.0).contains(&score), "{score}");
}

#[test]
fn class_definition_period_minimum_final_orders_and_subclasses() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = r#"county = "Class"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[class]
from = "2019-01-01"
to = "2019-12-31"
min_hold_minutes = 60
exclude_final_order = true
[[class.subclasses]]
name = "held_after_eligibility"
field = "past_release"
equals = true
[[class.subclasses]]
name = "bail_denied_for_hold"
field = "bail_status"
equals = "denied_for_hold"
[[class.subclasses]]
name = "over_48_hours"
field = "over_limit"
equals = true
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
person_id = "PID"
bail_status = "BAIL"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIG"
released_at = "REL"
[[inputs]]
table = "detainers"
path = "d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"
form = "FORM"
warrant = "W"
final_order = "FO"
[codes.warrant]
ADMIN = "administrative"
[codes.form]
I247A = "I-247A"
[codes.bail_status]
HOLD = "denied_for_hold"
SET = "set"
"#;
    std::fs::write(dir.path().join("p.toml"), pipeline).unwrap();
    std::fs::write(
        dir.path().join("b.csv"),
        "BKG,PID,BAIL,BOOKED,ELIG,REL\n\
         B1,P1,HOLD,2019-01-01 10:00,2019-01-02 10:00,2019-01-02 13:00\n\
         B2,P2,SET,2019-05-01 10:00,2019-05-02 10:00,2019-05-04 22:00\n\
         B3,P3,SET,2019-06-01 10:00,2019-06-02 10:00,2019-06-02 10:30\n\
         B4,P4,SET,2019-07-01 10:00,2019-07-02 10:00,2019-07-02 15:00\n\
         B5,P5,SET,2020-02-01 10:00,2020-02-02 10:00,2020-02-02 15:00\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("d.csv"),
        "BKG,LODGED,FORM,W,FO\n\
         B1,2019-01-01 12:00,I247A,ADMIN,N\n\
         B2,2019-05-01 12:00,I247A,ADMIN,N\n\
         B3,2019-06-01 12:00,I247A,ADMIN,N\n\
         B4,2019-07-01 12:00,I247A,ADMIN,Y\n\
         B5,2020-02-01 12:00,I247A,ADMIN,N\n",
    )
    .unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // All five holds are flagged; the class takes P1 and P2 only: B3 is
    // under 60 minutes, B4 had a final order, B5 is after `to`.
    let holds = read_parquet(&dir.path().join("out/holds/county=class/part-0.parquet"));
    assert_eq!(holds.iter().filter(|h| h["flagged"] == "true").count(), 5);
    let members = read_parquet(&dir.path().join("out/class_members.parquet"));
    let rows: Vec<(&str, &str, &str, &str)> = members
        .iter()
        .map(|m| {
            (
                m["person_key"].as_str(),
                m["held_after_eligibility"].as_str(),
                m["bail_denied_for_hold"].as_str(),
                m["over_48_hours"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("id:P1", "true", "true", "false"),
            ("id:P2", "true", "false", "true")
        ]
    );
    let csv = std::fs::read_to_string(dir.path().join("out/class_members.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with("match_basis,held_after_eligibility,bail_denied_for_hold,over_48_hours"),
        "{header}"
    );
}

#[test]
fn a_subclass_on_an_unknown_field_is_a_pipeline_error() {
    let dir = tempfile::tempdir().unwrap();
    let text_ = PIPELINE.replace(
        "[rules]",
        "[class]\n[[class.subclasses]]\nname = \"x\"\nfield = \"shoe_size\"\nequals = true\n[rules]",
    );
    std::fs::write(dir.path().join("p.toml"), text_).unwrap();
    std::fs::write(dir.path().join("b.csv"), "BKG\n").unwrap();
    std::fs::write(dir.path().join("d.csv"), "BKG\n").unwrap();
    let o = run(&["check", "p.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`class.subclasses[0]`"), "{err}");
    assert!(err.contains("`shoe_size` is not a holds field"), "{err}");
}

#[test]
fn a_person_keyed_detainer_goes_to_the_latest_booking_whose_window_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = r#"county = "Attach"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
person_id = "PID"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIG"
released_at = "REL"
[[inputs]]
table = "detainers"
path = "d.csv"
[inputs.columns]
person_id = "PID"
lodged_at = "LODGED"
"#;
    std::fs::write(dir.path().join("p.toml"), pipeline).unwrap();
    // A is never released, so its window runs to as_of and overlaps B's.
    std::fs::write(
        dir.path().join("b.csv"),
        "BKG,PID,BOOKED,ELIG,REL\n\
         A,P1,2019-01-01 10:00,,\n\
         B,P1,2019-03-01 10:00,2019-03-04 10:00,2019-03-04 12:00\n\
         C,P1,2018-01-01 10:00,2018-01-02 10:00,2018-01-02 12:00\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("d.csv"),
        "PID,LODGED\nP1,2019-03-02 10:00\n",
    )
    .unwrap();
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let holds = read_parquet(&dir.path().join("out/holds/county=attach/part-0.parquet"));
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0]["booking_id"], "B");
    assert_eq!(holds[0]["hold_minutes"], "120");
}
