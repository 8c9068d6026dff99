//! `run` on the hand-made fixture (tests/fixtures/hand): every hold's
//! minutes, flags and 48-hour results were worked out by hand, below, from
//! the rows of bookings.csv and detainers.csv.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

fn run_hand(dir: &Path) -> std::process::Output {
    copy_dir(&root().join("tests/fixtures/hand"), &dir.join("hand"));
    run(&["run", "hand/pipeline.toml", "--out", "out"], dir)
}

fn by(rows: Vec<Row>, key: &str) -> BTreeMap<String, Row> {
    rows.into_iter().map(|r| (r[key].clone(), r)).collect()
}

#[test]
fn holds_match_the_hand_worked_results() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_hand(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o)); // 5 of 22 booking rows rejected: above 1%
    let holds = by(
        read_parquet(
            &dir.path()
                .join("out/holds/county=hand-county/part-0.parquet"),
        ),
        "booking_id",
    );
    // Bookings with a detainer lodged before release: B01..B11.
    assert_eq!(
        holds.keys().cloned().collect::<Vec<_>>(),
        ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11"]
    );
    let check = |id: &str, field: &str, want: &str| {
        assert_eq!(holds[id][field], want, "{id}.{field}");
    };
    // B01: spring forward. Eligible Sat 2019-03-09 22:00 PST, released Sun
    // 04:00 PDT: 6 hours on the wall clock, 5 hours of real time.
    check("B01", "hold_minutes", "300");
    check("B01", "hold_start", "2019-03-09T22:00:00-08:00");
    check("B01", "hold_end", "2019-03-10T04:00:00-07:00");
    check("B01", "limit_hours_counted", "5.0");
    check("B01", "over_limit", "false");
    check("B01", "flagged", "true");
    check("B01", "warrant_status", "administrative");
    check("B01", "regime", "values_act");
    // B02: fall back. Released at 01:30 on 2019-11-03, which happens twice:
    // the earlier instant (PDT) is taken, so 00:30 to 01:30 is 60 minutes.
    check("B02", "hold_minutes", "60");
    check("B02", "hold_end", "2019-11-03T01:30:00-07:00");
    // B03: 23:00 PDT to 03:00 PST across the repeated hour: 5 hours.
    check("B03", "hold_minutes", "300");
    check("B03", "warrant_status", "none");
    check("B03", "flagged", "true");
    // B04: I-247D over Thanksgiving 2016. Wed 11-23 18:00 to Mon 11-28
    // 19:00 is 121 calendar hours; counted: Wed 6 + Thu 0 (holiday) + Fri 24
    // + Sat/Sun 0 + Mon 19 = 49 > 48.
    check("B04", "hold_minutes", "7260");
    check("B04", "form", "I-247D");
    check("B04", "limit_hours_counted", "49.0");
    check("B04", "over_limit", "true");
    check("B04", "regime", "trust_act");
    // B05: New Year's Day 2017 was a Sunday, observed Monday 01-02. Fri
    // 12-30 12:00 to Tue 01-03 12:00: 96 calendar hours; counted Fri 12 +
    // Tue 12 = 24.
    check("B05", "hold_minutes", "5760");
    check("B05", "limit_hours_counted", "24.0");
    check("B05", "over_limit", "false");
    // B06: a judicial warrant: measured, never flagged.
    check("B06", "hold_minutes", "600");
    check("B06", "warrant_status", "judicial");
    check("B06", "flagged", "false");
    // B07: warrant code XX9 is not mapped: unknown, past release, not flagged.
    check("B07", "warrant_status", "unknown");
    check("B07", "past_release", "true");
    check("B07", "flagged", "false");
    // B08: detainer lifted 09:00, before eligibility at 12:00: it plays no
    // part; a hold of no length at eligibility, with no form.
    check("B08", "hold_minutes", "0");
    check("B08", "hold_start", "2019-05-01T12:00:00-07:00");
    check("B08", "hold_end", "2019-05-01T12:00:00-07:00");
    check("B08", "status", "closed");
    check("B08", "form", "");
    check("B08", "over_limit", "");
    check("B08", "past_release", "false");
    check("B08", "flagged", "false");
    // B09: still held; measured to as_of 2026-06-30 00:00 from 06-28 00:00.
    check("B09", "status", "open");
    check("B09", "hold_minutes", "2880");
    check("B09", "limit_hours_counted", "48.0");
    check("B09", "over_limit", "false");
    check("B09", "flagged", "true");
    // B10: an I-247N authorizes no detention: 30 minutes is over its limit.
    check("B10", "form", "I-247N");
    check("B10", "hold_minutes", "30");
    check("B10", "limit_hours_counted", "0.5");
    check("B10", "over_limit", "true");
    // B11: detainer keyed by person P11, lodged 2019-08-02 (date only: end of
    // day), inside B11's custody window, not B12's (2018).
    check("B11", "hold_minutes", "360");
    check("B11", "hold_start", "2019-08-05T10:00:00-07:00");
    check("B11", "eligibility_source", "releases");
    check("B11", "source_file", "bookings.csv");
    check("B11", "source_row", "11");
    // Timestamps carry the county's zone for every reader.
    let t = column_type(
        &dir.path()
            .join("out/holds/county=hand-county/part-0.parquet"),
        "hold_start",
    );
    assert!(t.contains("America/Los_Angeles"), "{t}");
}

#[test]
fn every_bad_row_is_rejected_with_its_reason_and_the_counts_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_hand(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let rejects = read_parquet(
        &dir.path()
            .join("out/rejects/county=hand-county/part-0.parquet"),
    );
    assert_eq!(
        reasons(&rejects),
        [
            ("bookings", "16", "nonexistent_local_time"),
            ("bookings", "17", "bad_datetime"),
            ("bookings", "18", "release_before_booking"),
            ("bookings", "20", "duplicate_row"),
            ("bookings", "22", "duplicate_row"),
            ("detainers", "12", "no_booking"),
            ("detainers", "13", "no_booking_for_person"),
            ("releases", "16", "no_booking"),
            ("releases", "17", "no_booking"),
            ("releases", "18", "release_before_booking"),
            ("releases", "19", "conflicting_duplicate"),
            ("releases", "20", "conflicting_duplicate"),
            ("releases", "22", "duplicate_row"),
        ]
    );
    // Raw values are there, also for rows rejected after staging.
    let dup = rejects
        .iter()
        .find(|r| r["table"] == "releases" && r["source_row"] == "19")
        .unwrap();
    assert!(
        dup["raw"].contains("\"RELEASED\":\"2019-04-02 12:00\""),
        "{}",
        dup["raw"]
    );
    assert!(
        dup["detail"].contains("bookings.csv row 20"),
        "{}",
        dup["detail"]
    );
    let gap = rejects
        .iter()
        .find(|r| r["reason"] == "nonexistent_local_time")
        .unwrap();
    assert!(gap["raw"].contains("2019-03-10 02:30"));
    assert_eq!(gap["source_line"], "17"); // header is line 1

    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap(),
    )
    .unwrap();
    let inputs = manifest["pipelines"][0]["inputs"].as_array().unwrap();
    let counts: Vec<(u64, u64, u64)> = inputs
        .iter()
        .map(|i| {
            let f = &i["files"][0];
            (
                f["rows_in"].as_u64().unwrap(),
                f["rows_used"].as_u64().unwrap(),
                f["rows_rejected"].as_u64().unwrap(),
            )
        })
        .collect();
    // B19's release rows conflict: both rejected, the booking kept (it has
    // no detainer; with one, its hold would be release_unknown).
    assert_eq!(counts, vec![(22, 17, 5), (22, 16, 6), (13, 11, 2)]);
    assert_eq!(
        inputs[1]["files"][0]["unmapped_codes"]["release_reason"]["WEIRD"],
        1
    );
    assert_eq!(inputs[2]["files"][0]["unmapped_codes"]["warrant"]["XX9"], 1);
}

#[test]
fn summary_and_class_members() {
    let dir = tempfile::tempdir().unwrap();
    run_hand(dir.path());
    let summary = read_parquet(
        &dir.path()
            .join("out/summary/county=hand-county/part-0.parquet"),
    );
    // 2011-01 through the month of as_of (2026-06), every month present.
    assert_eq!(summary.len(), 15 * 12 + 6);
    let month = |y: &str, m: &str| {
        summary
            .iter()
            .find(|r| r["year"] == y && r["month"] == m)
            .unwrap()
            .clone()
    };
    let june = month("2019", "6");
    assert_eq!(june["bookings"], "3");
    assert_eq!(june["bookings_with_detainer"], "3");
    assert_eq!(june["holds"], "2");
    assert_eq!(june["flagged"], "0");
    assert_eq!(june["warrant_unknown"], "1");
    assert_eq!(june["hold_hours_total"], "11.0");
    assert_eq!(june["hold_hours_max"], "10.0");
    let nov = month("2019", "11");
    assert_eq!(nov["holds"], "2");
    assert_eq!(nov["flagged"], "2");
    assert_eq!(nov["flagged_persons"], "2");
    // Bookings without a detainer released 10, 20, 90 and 5 minutes after
    // eligibility in 2019: median 15.
    assert_eq!(
        month("2019", "2")["baseline_release_minutes_median"],
        "15.0"
    );
    assert_eq!(month("2016", "11")["regime"], "trust_act");
    assert_eq!(month("2016", "11")["over_limit"], "1");
    assert!(!summary[0].contains_key("last_name"));
    // `county` is the slug, as in the folder name: DuckDB's hive_partitioning
    // and a plain read of the file agree.
    assert_eq!(summary[0]["county"], "hand-county");
    assert_eq!(summary[0]["county_name"], "Hand County");

    let members = by(
        read_parquet(&dir.path().join("out/class_members.parquet")),
        "person_key",
    );
    assert_eq!(
        members.keys().cloned().collect::<Vec<_>>(),
        ["id:P01", "id:P02", "id:P03", "id:P04", "id:P05", "id:P09", "id:P10", "id:P11"]
    );
    // 7260 minutes = 5 days and 1 hour: 6 started days.
    assert_eq!(members["id:P04"]["days_held"], "6");
    assert_eq!(members["id:P04"]["damages_estimate"], "6000.0");
    assert_eq!(members["id:P05"]["days_held"], "4");
    assert_eq!(members["id:P11"]["booking_ids"], "B11");
    assert_eq!(members["id:P11"]["match_basis"], "person_id");
    let csv = std::fs::read_to_string(dir.path().join("out/class_members.csv")).unwrap();
    assert_eq!(csv.lines().count(), 9);
    assert!(csv.contains("Delta,Di,1983-04-04,1,2016-11-23 18:00:00"));
}

#[test]
fn same_inputs_give_byte_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    run_hand(dir.path());
    let first = std::fs::read(dir.path().join("out/manifest.json")).unwrap();
    // Let the clock move on: nothing written may depend on it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run(&["run", "hand/pipeline.toml", "--out", "out2"], dir.path());
    let second = std::fs::read(dir.path().join("out2/manifest.json")).unwrap();
    // The manifest holds the SHA-256 of every output file.
    assert_eq!(first, second);
}

#[cfg(unix)]
#[test]
fn files_with_names_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    run_hand(dir.path());
    for f in [
        "out/class_members.csv",
        "out/class_members.parquet",
        "out/class_members.xlsx",
        "out/possible_duplicates.parquet",
        "out/holds/county=hand-county/part-0.parquet",
        "out/rejects/county=hand-county/part-0.parquet",
    ] {
        let mode = std::fs::metadata(dir.path().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
}

#[test]
fn a_foreign_out_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/thesis.docx"), "mine").unwrap();
    let o = run_hand(dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not written by detainer-audit"));
    assert!(dir.path().join("out/thesis.docx").exists());
    // --force replaces it.
    let o = run(
        &["run", "hand/pipeline.toml", "--out", "out", "--force"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!dir.path().join("out/thesis.docx").exists());
    assert!(dir.path().join("out/manifest.json").is_file());
}

#[test]
fn workbook_has_its_sheets_real_cells_and_splits_long_tables() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures/hand"),
        &dir.path().join("hand"),
    );
    // 5 rows per sheet: a header and 4 data rows, so the 8 class members
    // take two sheets.
    let o = run(
        &[
            "run",
            "hand/pipeline.toml",
            "--out",
            "out",
            "--xlsx-max-rows",
            "5",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let mut book = calamine::open_workbook_auto(dir.path().join("out/class_members.xlsx")).unwrap();
    let names = book.sheet_names();
    for want in [
        "Summary",
        "Class members",
        "Class members (2)",
        "Flagged holds",
        "Flagged holds (2)",
        "Rejects",
        "Method",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "no sheet {want} in {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n == "Class members (3)"), "{names:?}");
    let members = book.worksheet_range("Class members").unwrap();
    assert_eq!(
        members.get((0, 1)),
        Some(&Data::String("Person key".into()))
    );
    assert_eq!(members.height(), 5);
    // P01: born 1980-01-01, first hold 2019-03-09 22:00 local: real cells.
    assert_eq!(members.get((1, 1)), Some(&Data::String("id:P01".into())));
    match (members.get((1, 5)), members.get((1, 7))) {
        (Some(Data::DateTime(dob)), Some(Data::DateTime(start))) => {
            assert_eq!(
                dob.as_datetime().unwrap().to_string(),
                "1980-01-01 00:00:00"
            );
            assert_eq!(
                start.as_datetime().unwrap().to_string(),
                "2019-03-09 22:00:00"
            );
        }
        other => panic!("not date cells: {other:?}"),
    }
    assert_eq!(members.get((1, 10)), Some(&Data::Float(1.0))); // days held
    let second = book.worksheet_range("Class members (2)").unwrap();
    assert_eq!(second.height(), 5);
    let method = book.worksheet_range("Method").unwrap();
    assert_eq!(method.get((1, 0)), Some(&Data::String("tool".into())));
    // The class list CSV opens cleanly in Excel: BOM and CRLF.
    let csv = std::fs::read(dir.path().join("out/class_members.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFcounty,"));
    assert!(csv.windows(2).any(|w| w == b"\r\n"));
    // --plain-csv turns both off.
    let o = run(
        &["run", "hand/pipeline.toml", "--out", "out2", "--plain-csv"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let plain = std::fs::read(dir.path().join("out2/class_members.csv")).unwrap();
    assert!(plain.starts_with(b"county,"));
    assert!(!plain.contains(&b'\r'));
}

/// A county's rejects are gathered a source file at a time and written in
/// row groups of 16,384 rows or more: the file keeps the order by table,
/// source file, row and reason across files and row groups (the detainers'
/// file, staged after both bookings files, comes between the bookings and
/// the releases), and the rows the rules rejected get their raw text from
/// their own file.
#[test]
fn rejects_of_several_files_keep_their_order_across_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        r#"county = "Many Rejects"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[rules]
max_reject_rate = 1.0
[[inputs]]
table = "bookings"
path = "b_*.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b_*.csv"
[inputs.columns]
booking_id = "BKG"
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
    // Rows 1, 4, 7, ... are bookings; the row after each is an exact copy
    // (rejected by the rules as a duplicate, in both tables); the row after
    // that has no valid times (rejected while read, in both tables).
    const ROWS: usize = 12_300;
    let mut expected: Vec<(String, String, String, String)> = Vec::new();
    for file in ["b_1.csv", "b_2.csv"] {
        let mut csv = String::from("BKG,BOOKED,RELEASED\n");
        for i in 1..=ROWS {
            let id = format!("{file}-{}", i - (i - 1) % 3);
            match i % 3 {
                1 | 2 => csv.push_str(&format!("{id},2019-01-01 10:00,2019-01-02 10:00\n")),
                _ => csv.push_str(&format!("{id},not a date,not a date\n")),
            }
        }
        std::fs::write(dir.path().join(file), csv).unwrap();
    }
    std::fs::write(
        dir.path().join("d.csv"),
        "BKG,LODGED\nb_1.csv-1,2019-01-01 12:00\nnone,2019-01-01 12:00\n",
    )
    .unwrap();
    let row = |table: &str, file: &str, i: usize| {
        let reason = if i % 3 == 2 {
            "duplicate_row"
        } else {
            "bad_datetime"
        };
        (table.into(), file.into(), i.to_string(), reason.into())
    };
    for table in ["bookings", "releases"] {
        if table == "releases" {
            expected.push((
                "detainers".into(),
                "d.csv".into(),
                "2".into(),
                "no_booking".into(),
            ));
        }
        for file in ["b_1.csv", "b_2.csv"] {
            expected.extend(
                (1..=ROWS)
                    .filter(|i| i % 3 != 1)
                    .map(|i| row(table, file, i)),
            );
        }
    }
    assert_eq!(expected.len(), 32_801);

    let o = run(&["--quiet", "run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let path = dir
        .path()
        .join("out/rejects/county=many-rejects/part-0.parquet");
    let rows = read_parquet(&path);
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].clone();
            (f("table"), f("source_file"), f("source_row"), f("reason"))
        })
        .collect();
    assert_eq!(got.len(), expected.len());
    if let Some(i) = (0..got.len()).find(|&i| got[i] != expected[i]) {
        panic!("row {i}: {:?}, expected {:?}", got[i], expected[i]);
    }
    // 32,801 rows: two row groups, as polars' writer cuts them.
    let file = std::fs::File::open(&path).unwrap();
    let meta = parquet::file::reader::SerializedFileReader::new(file).unwrap();
    let groups: Vec<i64> = parquet::file::reader::FileReader::metadata(&meta)
        .row_groups()
        .iter()
        .map(|g| g.num_rows())
        .collect();
    assert_eq!(groups, [16_400, 16_401]);
    // A duplicate the rules rejected, raw text read back from its own file.
    let dup = rows
        .iter()
        .find(|r| {
            r["table"] == "releases" && r["source_file"] == "b_2.csv" && r["source_row"] == "5"
        })
        .unwrap();
    assert_eq!(dup["reason"], "duplicate_row");
    assert!(
        dup["raw"].contains(r#""BKG":"b_2.csv-4""#),
        "{}",
        dup["raw"]
    );
}
