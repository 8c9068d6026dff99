//! `check` and configuration errors.

mod common;

use common::*;

#[test]
fn check_prints_counts_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures/hand"),
        &dir.path().join("hand"),
    );
    let o = run(&["check", "hand"], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("bookings.csv: 22 rows read, 16 used, 6 rejected"),
        "{}",
        text(&o)
    );
    assert!(out.contains("rejected nonexistent_local_time: 1"), "{out}");
    assert!(
        out.contains("unmapped warrant code \"XX9\": 1 rows"),
        "{out}"
    );
    assert!(out.contains("11 holds, 8 flagged"), "{out}");
    assert_eq!(o.status.code(), Some(1)); // above max_reject_rate
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "check wrote something");
}

#[test]
fn config_errors_of_all_files_at_once_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "county = \"A\"\nstate = \"CA\"\ntimezone = \"Mars/Olympus\"\n[[inputs]]\ntable = \"bookings\"\npath = \"nothing_*.csv\"\n[inputs.columns]\nbooking_id = \"X\"\nbooked_at = \"Y\"\n[[inputs]]\ntable = \"detainers\"\npath = \"a.toml\"\n[inputs.columns]\nbooking_id = \"X\"\nlodged_at = \"Y\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "county = \"B\"\nstate = \"CA\"\ntimezone = \"UTC\"\ncolour = 1\n",
    )
    .unwrap();
    let o = run(&["check", "."], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("a.toml:3:1: `timezone`"), "{err}");
    assert!(err.contains("a.toml:6:1: `inputs[0].path`"), "{err}");
    assert!(err.contains("b.toml:4:1: `colour`: unknown key"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let o = bin().arg("frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}
