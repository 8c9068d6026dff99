//! Every way an input can be wrong: each test feeds one in and asserts the
//! outcome, a clear error or a reject row, with nothing lost.

mod common;

use common::*;
use std::path::Path;

/// A pipeline over `b.csv` (bookings and releases) and `d.csv`.
fn setup(dir: &Path, bookings: &[u8], detainers: &str) {
    std::fs::write(
        dir.join("p.toml"),
        r#"county = "Bad"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[rules]
max_reject_rate = 1.0
[[inputs]]
table = "bookings"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b.csv"
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIGIBLE"
released_at = "RELEASED"
[[inputs]]
table = "detainers"
path = "d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"
"#,
    )
    .unwrap();
    std::fs::write(dir.join("b.csv"), bookings).unwrap();
    std::fs::write(dir.join("d.csv"), detainers).unwrap();
}

fn rejects(dir: &Path) -> Vec<Row> {
    read_parquet(&dir.join("out/rejects/county=bad/part-0.parquet"))
}

fn manifest_counts(dir: &Path) -> Vec<(u64, u64, u64)> {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/manifest.json")).unwrap())
            .unwrap();
    m["pipelines"][0]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["files"].as_array().unwrap().clone())
        .map(|f| {
            (
                f["rows_in"].as_u64().unwrap(),
                f["rows_used"].as_u64().unwrap(),
                f["rows_rejected"].as_u64().unwrap(),
            )
        })
        .collect()
}

const HEADER: &str = "BKG,BOOKED,ELIGIBLE,RELEASED\n";
const DET: &str = "BKG,LODGED\n";

#[test]
fn an_empty_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), b"", DET);
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("b.csv: the file is empty"));
}

#[test]
fn a_header_only_file_is_zero_rows() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), HEADER.as_bytes(), DET);
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(manifest_counts(dir.path()), vec![(0, 0, 0); 3]);
}

#[test]
fn truncated_last_line_and_a_one_megabyte_field() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(1 << 20);
    let csv = format!(
        "{HEADER}B1,2019-01-01 10:00:00,2019-01-02 10:00:00,2019-01-02 11:00:00\nB2,{big},,\nB3,2019-01-01 10:00:00,2019-01"
    );
    setup(dir.path(), csv.as_bytes(), DET);
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = rejects(dir.path());
    assert_eq!(
        reasons(&r),
        [
            ("bookings", "2", "bad_datetime"),
            ("bookings", "3", "wrong_field_count"),
            ("releases", "2", "no_booking"),
            ("releases", "3", "wrong_field_count"),
        ]
    );
    // The detail shows at most 200 characters of the megabyte; raw keeps all.
    assert!(r[0]["detail"].len() < 400);
    assert!(r[0]["raw"].len() > 1 << 20);
    assert_eq!(manifest_counts(dir.path())[0], (3, 1, 2));
}

#[test]
fn dates_out_of_range_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "{HEADER}B1,1900-01-01 10:00:00,,\nB2,2090-01-01 10:00:00,,\nB3,2019-01-01 10:00:00,,\n"
    );
    setup(dir.path(), csv.as_bytes(), DET);
    run(&["run", "p.toml", "--out", "out"], dir.path());
    let r = rejects(dir.path());
    let bookings: Vec<(&str, &str)> = r
        .iter()
        .filter(|r| r["table"] == "bookings")
        .map(|r| (r["source_row"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(
        bookings,
        [("1", "date_out_of_range"), ("2", "date_out_of_range")]
    );
    assert!(r.iter().any(|r| r["detail"].contains("after as_of")));
    assert_eq!(manifest_counts(dir.path())[0], (3, 1, 2));
}

#[test]
fn a_hold_longer_than_five_years_is_rejected_as_implausible() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "{HEADER}B1,2012-01-01 10:00:00,2012-01-02 10:00:00,\nB2,2019-01-01 10:00:00,2019-01-02 10:00:00,2019-01-03 10:00:00\n"
    );
    setup(
        dir.path(),
        csv.as_bytes(),
        "BKG,LODGED\nB1,2012-01-01 12:00:00\nB2,2019-01-01 12:00:00\n",
    );
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = rejects(dir.path());
    assert_eq!(
        reasons(&r),
        [
            ("bookings", "1", "implausible_stay"),
            ("releases", "1", "implausible_stay")
        ]
    );
    assert!(
        r[0]["detail"].contains("longer than 5 years"),
        "{}",
        r[0]["detail"]
    );
    let holds = read_parquet(&dir.path().join("out/holds/county=bad/part-0.parquet"));
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0]["booking_id"], "B2");
    assert_eq!(
        manifest_counts(dir.path()),
        vec![(2, 1, 1), (2, 1, 1), (2, 2, 0)]
    );
}

/// Every file under `dir` with its size, sorted.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.push((rel, e.metadata().unwrap().len()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_intact() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!("{HEADER}B1,2019-01-01 10:00:00,2019-01-02 10:00:00,2019-01-02 11:00:00\n");
    setup(
        dir.path(),
        csv.as_bytes(),
        "BKG,LODGED\nB1,2019-01-01 12:00:00\n",
    );
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let before = std::fs::read(dir.path().join("out/manifest.json")).unwrap();
    let before_files = listing(&dir.path().join("out"));
    assert!(before_files.len() >= 8, "{before_files:?}");
    // Change the input, then kill the run once its outputs are written but
    // before they are moved into place (the pause is a test hook).
    let csv = format!("{HEADER}B1,2019-01-01 10:00:00,2019-01-02 10:00:00,2019-01-02 12:00:00\n");
    std::fs::write(dir.path().join("b.csv"), csv).unwrap();
    let mut child = bin()
        .args(["run", "p.toml", "--out", "out"])
        .current_dir(dir.path())
        .env("DETAINER_AUDIT_PAUSE_BEFORE_PUBLISH_MS", "60000")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the new outputs are complete in the private folder.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let work_manifest = loop {
        let found = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("out/manifest.json"))
            .find(|p| p.is_file());
        if let Some(p) = found {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never wrote its outputs"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // The private folder is the owner's alone while the run writes in it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let work = work_manifest.parent().unwrap().parent().unwrap();
        let mode = std::fs::metadata(work).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(work_manifest.is_file());
    let after = std::fs::read(dir.path().join("out/manifest.json")).unwrap();
    assert_eq!(before, after, "the previous outputs changed");
    // Nothing was added, removed or half-written in `out`.
    assert_eq!(listing(&dir.path().join("out")), before_files);
    // The next run succeeds and replaces them.
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_ne!(
        before,
        std::fs::read(dir.path().join("out/manifest.json")).unwrap()
    );
}
