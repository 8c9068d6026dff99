//! What a user reads, pinned as snapshots (`insta`): the help texts,
//! `check`'s report and the configuration errors. A change of wording
//! fails here until the new text is reviewed and accepted (`cargo insta
//! review`, or `INSTA_UPDATE=always cargo test --test test_snapshots` and a
//! look at the diff in `tests/snapshots/`).

mod common;

use common::*;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn help_texts() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("help", vec!["--help"]),
        ("help_run", vec!["run", "--help"]),
        ("help_check", vec!["check", "--help"]),
        ("help_explain", vec!["explain", "--help"]),
        ("help_generate", vec!["generate", "--help"]),
        ("help_init", vec!["init", "--help"]),
    ] {
        let o = run(&args, dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        insta::assert_snapshot!(name, stdout(&o));
    }
}

#[test]
fn check_report_of_the_hand_fixture() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures/hand"),
        &dir.path().join("hand"),
    );
    let o = run(&["check", "hand"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("data.csv"),
        "BKG,BOOKED\nB1,2019-01-01 10:00\n",
    )
    .unwrap();
    // One file with a problem of each kind, and a second file, so that the
    // report shows every problem of every file at once.
    std::fs::write(
        dir.path().join("a.toml"),
        r#"county = "Alpha"
state = "CA"
timezone = "America/Los_Angles"
as_of = "2019-03-10T02:30:00"

[rulez]
since = "2012-01-01"

[rules]
grace_minuts = 5
damages = { per_dya = 1000, cap = 5000 }
missing_warrant = "maybe"

[class]
exclude_final_ordr = true

[[class.subclasses]]
name = "x"
field = "colour"
equals = "red"

[[inputs]]
table = "bokings"
path = "data.csv"

[[inputs]]
table = "bookings"
path = "nothing_*.csv"
delimter = ";"
[inputs.columns]
booking_id = "BKG"
booked = "BOOKED"

[codes.warrant]
"ADMIN" = "administratve"
"" = "nothing"
"NO WARRANT" = "nne"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "county = \"Beta\"\nstate = \"CA\"\ntimezone = \"UTC\"\ncolour = 1\n",
    )
    .unwrap();
    let o = run(&["check", "a.toml", "b.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    insta::assert_snapshot!(stderr(&o));

    // A mapped column the file does not have: found when the file is read.
    std::fs::write(
        dir.path().join("c.toml"),
        r#"county = "Gamma"
state = "CA"
timezone = "UTC"
[[inputs]]
table = "bookings"
path = "data.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKD"
[[inputs]]
table = "detainers"
path = "data.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "BOOKED"
"#,
    )
    .unwrap();
    let o = run(&["check", "c.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    insta::assert_snapshot!("missing_column", stderr(&o));
}

#[test]
fn problems_of_several_files_are_listed_in_one_order() {
    // Three files each lack a mapped column; workers read them in any
    // order, the report must not depend on it.
    let dir = tempfile::tempdir().unwrap();
    for name in ["b1.csv", "b2.csv", "b3.csv"] {
        std::fs::write(dir.path().join(name), "BKG,WHEN\nB1,2019-01-01 10:00\n").unwrap();
    }
    std::fs::write(
        dir.path().join("d.csv"),
        "BKG,LODGED\nB1,2019-01-01 10:00\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        r#"county = "Delta"
state = "CA"
timezone = "UTC"
[[inputs]]
table = "bookings"
path = "b*.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKED"
[[inputs]]
table = "detainers"
path = "d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGD"
"#,
    )
    .unwrap();
    let first = stderr(&run(&["check", "p.toml"], dir.path()));
    for _ in 0..5 {
        assert_eq!(stderr(&run(&["check", "p.toml"], dir.path())), first);
    }
    insta::assert_snapshot!(first);
}
