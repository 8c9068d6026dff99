//! Tests of staging a whole file: one reading for every input of the file,
//! staged rows and rejects with their values worked out by hand, the booking
//! ids of rejected rows, raw values read again, and missing columns.

use super::*;
use crate::model::Table;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const PIPELINE: &str = r#"
county = "Test"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"

[[inputs]]
table = "bookings"
path = "data/b.csv"
[inputs.columns]
booking_id = "BKG"
dob = "DOB"
# Found ignoring ASCII case.
booked_at = "booked"
[inputs.formats]
dob = ["%m/%d/%y"]
booked_at = ["%Y-%m-%d %H:%M"]

[[inputs]]
table = "releases"
path = "data/b.csv"
[inputs.columns]
booking_id = "BKG"
released_at = "RELEASED"
[inputs.formats]
released_at = ["%Y-%m-%d %H:%M"]

[[inputs]]
table = "detainers"
path = "data/d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"
"#;

/// Rows start at bytes 24, 70, 116, 162, 169 and 200 (the header is 24
/// bytes, rows 1 to 3 are 46, row 4 is 7, row 5 is 31).
const DATA: &[u8] = b"BKG,DOB,BOOKED,RELEASED\n\
    B1,03/04/85,2019-03-01 10:00,2019-03-02 10:00\n\
    B2,05/06/20,2019-03-01 10:00,2019-03-02 10:00\n\
    B3,07/08/19,2019-09-01 10:00,2019-13-01 10:00\n\
    B4,x,y\n\
    B5,01/02/90,2019-03-01 10:00,\xFF\n\
    B6,01/02/90,,\n";

/// 2019-03-01 10:00 PST, 2019-03-02 10:00 PST and 2019-09-01 10:00 PDT
/// as UTC microseconds (18:00, 18:00 and 17:00 UTC).
const MAR_1: i64 = 1_551_463_200_000_000;
const MAR_2: i64 = 1_551_549_600_000_000;
const SEP_1: i64 = 1_567_357_200_000_000;

fn raw(bkg: &str, dob: &str, booked: &str, released: &str) -> String {
    format!(r#"{{"BKG":"{bkg}","BOOKED":"{booked}","DOB":"{dob}","RELEASED":"{released}"}}"#)
}

fn staged_within(budget: usize) -> (tempfile::TempDir, crate::config::Pipeline, Vec<Staged>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/b.csv"), DATA).unwrap();
    std::fs::write(dir.path().join("data/d.csv"), "BKG,LODGED\n").unwrap();
    let file = dir.path().join("test.toml");
    std::fs::write(&file, PIPELINE).unwrap();
    let pipeline = crate::config::load_all(&[file]).unwrap().remove(0);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let inputs: Vec<&Input> = pipeline.inputs[..2].iter().collect();
    let staged = stage_file(
        &pipeline,
        &inputs,
        &dir.path().join("data/b.csv"),
        &StageTo {
            work: &work,
            tag: "t",
            budget: &MemoryBudget::new(budget),
            parts: 1,
        },
        &Observer::silent(),
    )
    .unwrap();
    (dir, pipeline, staged)
}

fn staged() -> (tempfile::TempDir, crate::config::Pipeline, Vec<Staged>) {
    staged_within(1 << 30)
}

fn frame(data: &StagedData) -> DataFrame {
    data.scan().unwrap().collect().unwrap()
}

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let c = df.column(name).unwrap().str().unwrap();
    c.iter().map(|v| v.map(str::to_string)).collect()
}

fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name).unwrap().i64().unwrap().iter().collect()
}

fn some(v: &[&str]) -> Vec<Option<String>> {
    v.iter().map(|s| Some(s.to_string())).collect()
}

#[test]
fn one_reading_stages_every_input_of_a_file() {
    let (dir, _, staged) = staged();
    let [bookings, releases] = &staged[..] else {
        panic!("{} staged", staged.len());
    };
    let path = dir.path().join("data/b.csv");
    for s in [bookings, releases] {
        assert_eq!(s.stats.display, "data/b.csv");
        assert_eq!(s.stats.rows_in, 6);
        assert_eq!(s.stats.sha256, sha256_file(&path).unwrap());
        // Row 1 starts at byte 24; with fewer rows than `EVERY`, every row
        // is read again from there.
        let o = s.offsets.as_deref().unwrap();
        assert_eq!(o.rows(), 6);
        assert_eq!((o.before(1), o.before(6)), (Some((1, 24)), Some((1, 24))));
        assert_eq!((o.before(0), o.before(7)), (None, None));
    }
    assert_eq!((bookings.table, bookings.input), (Table::Bookings, 0));
    assert_eq!((releases.table, releases.input), (Table::Releases, 1));

    let rows = frame(&bookings.rows);
    assert_eq!(**rows.schema(), staged_schema(Table::Bookings));
    assert_eq!(strs(&rows, SOURCE_FILE), some(&["data/b.csv"; 3]));
    assert_eq!(ints(&rows, SOURCE_ROW), [Some(1), Some(2), Some(3)]);
    assert_eq!(ints(&rows, SOURCE_LINE), [Some(2), Some(3), Some(4)]);
    assert_eq!(strs(&rows, "booking_id"), some(&["B1", "B2", "B3"]));
    assert_eq!(
        ints(&rows, "booked_at"),
        [Some(MAR_1), Some(MAR_1), Some(SEP_1)]
    );
    // A two-digit year is never after the booking: 05/06/20 is 1920,
    // while 07/08/19, before its booking in September 2019, stays.
    let dob: Vec<String> = rows
        .column("dob")
        .unwrap()
        .cast(&DataType::Int32)
        .unwrap()
        .i32()
        .unwrap()
        .iter()
        .map(|d| crate::model::date_from_days(d.unwrap()).to_string())
        .collect();
    assert_eq!(dob, ["1985-03-04", "1920-05-06", "2019-07-08"]);

    let rows = frame(&releases.rows);
    assert_eq!(**rows.schema(), staged_schema(Table::Releases));
    assert_eq!(ints(&rows, SOURCE_ROW), [Some(1), Some(2), Some(6)]);
    assert_eq!(strs(&rows, "booking_id"), some(&["B1", "B2", "B6"]));
    assert_eq!(ints(&rows, "released_at"), [Some(MAR_2), Some(MAR_2), None]);
}

#[test]
fn rejected_rows_keep_reason_detail_raw_values_and_booking_ids() {
    let (_dir, _, staged) = staged();
    let (bookings, releases) = (&staged[0], &staged[1]);
    let b4 = r#"{"BKG":"B4","BOOKED":"y","DOB":"x"}"#;
    let b5 = raw("B5", "01/02/90", "2019-03-01 10:00", "\u{FFFD}");
    let wrong = "expected 4 fields as in the header, found 3";
    let utf8 = "column `RELEASED` is not valid UTF-8: byte FF at offset 0 \
                (is the file Windows-1252? set encoding)";

    let rejects = frame(&bookings.rejects);
    assert_eq!(**rejects.schema(), reject_schema());
    assert_eq!(strs(&rejects, "table"), some(&["bookings"; 3]));
    assert_eq!(ints(&rejects, SOURCE_ROW), [Some(4), Some(5), Some(6)]);
    assert_eq!(ints(&rejects, SOURCE_LINE), [Some(5), Some(6), Some(7)]);
    assert_eq!(
        strs(&rejects, "reason"),
        some(&["wrong_field_count", "invalid_utf8", "missing_required"])
    );
    assert_eq!(
        strs(&rejects, "detail"),
        some(&[wrong, utf8, "required field empty: booked_at"])
    );
    assert_eq!(
        strs(&rejects, "raw"),
        some(&[b4, &b5, &raw("B6", "01/02/90", "", "")])
    );
    // Bookings name no booking to leave unmeasured.
    assert!(bookings.rejected_ids.is_empty());

    let rejects = frame(&releases.rejects);
    assert_eq!(ints(&rejects, SOURCE_ROW), [Some(3), Some(4), Some(5)]);
    assert_eq!(
        strs(&rejects, "reason"),
        some(&["bad_datetime", "wrong_field_count", "invalid_utf8"])
    );
    let bad = "released_at: `2019-13-01 10:00` matches none of the formats \
               [\"%Y-%m-%d %H:%M\"] and is no Excel serial date";
    assert_eq!(strs(&rejects, "detail"), some(&[bad, wrong, utf8]));
    let b3 = raw("B3", "07/08/19", "2019-09-01 10:00", "2019-13-01 10:00");
    assert_eq!(strs(&rejects, "raw"), some(&[&b3, b4, &b5]));
    // The id of each rejected release; every field of the ragged row,
    // which may have shifted.
    assert_eq!(releases.rejected_ids, ["B3", "B4", "x", "y", "B5"]);

    let count = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    };
    assert_eq!(
        bookings.stats.rejected,
        count(&[
            ("invalid_utf8", 1),
            ("missing_required", 1),
            ("wrong_field_count", 1)
        ])
    );
    assert_eq!(
        releases.stats.rejected,
        count(&[
            ("bad_datetime", 1),
            ("invalid_utf8", 1),
            ("wrong_field_count", 1)
        ])
    );
}

#[test]
fn tables_staged_to_files_read_back_as_those_kept_in_memory() {
    let (_dir, _, in_memory) = staged();
    let (_dir2, _, on_disk) = staged_within(0);
    for (m, d) in in_memory.iter().zip(&on_disk) {
        for (m, d) in [(&m.rows, &d.rows), (&m.rejects, &d.rejects)] {
            assert!(matches!(m, StagedData::Memory(..)));
            assert!(matches!(d, StagedData::File(_)));
            assert!(frame(m).equals_missing(&frame(d)));
        }
    }
}

#[test]
fn raw_values_read_again_match_the_rejects_with_or_without_offsets() {
    let (_dir, pipeline, staged) = staged();
    let releases = &staged[1];
    // Row 99 does not exist: it is left out.
    let rows: BTreeSet<i64> = [3, 5, 99].into();
    let want: HashMap<i64, String> = [
        (
            3,
            raw("B3", "07/08/19", "2019-09-01 10:00", "2019-13-01 10:00"),
        ),
        (5, raw("B5", "01/02/90", "2019-03-01 10:00", "\u{FFFD}")),
    ]
    .into();
    let input = &pipeline.inputs[1];
    assert_eq!(raw_values(input, releases, &rows).unwrap(), want);
    // Without offsets, the file is read in order to the last row wanted.
    let mut in_order = releases.clone();
    in_order.offsets = None;
    assert_eq!(raw_values(input, &in_order, &rows).unwrap(), want);
    assert!(raw_values(input, releases, &BTreeSet::new())
        .unwrap()
        .is_empty());
}

#[test]
fn the_missing_columns_of_every_input_are_reported_with_the_header() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/b.csv"), DATA).unwrap();
    std::fs::write(dir.path().join("data/d.csv"), "BKG,LODGED\n").unwrap();
    let file = dir.path().join("test.toml");
    let text = PIPELINE
        .replace("dob = \"DOB\"", "dob = \"DOBB\"")
        .replace("released_at = \"RELEASED\"", "released_at = \"EXIT\"");
    std::fs::write(&file, text).unwrap();
    let pipeline = crate::config::load_all(&[file]).unwrap().remove(0);
    let inputs: Vec<&Input> = pipeline.inputs[..2].iter().collect();
    let errors = stage_file(
        &pipeline,
        &inputs,
        &dir.path().join("data/b.csv"),
        &StageTo {
            work: dir.path(),
            tag: "t",
            budget: &MemoryBudget::new(1 << 30),
            parts: 1,
        },
        &Observer::silent(),
    )
    .unwrap_err();
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let path = dir.path().join("data/b.csv").display().to_string();
    let toml = dir.path().join("test.toml").display().to_string();
    assert_eq!(
        messages,
        [
            format!(
                "{path}: column `DOBB` (mapped to `dob` by {toml}, inputs[0]) is not in \
                 the header (did you mean `DOB`?); the header has: BKG, DOB, BOOKED, RELEASED"
            ),
            format!(
                "{path}: column `EXIT` (mapped to `released_at` by {toml}, inputs[1]) is \
                 not in the header; the header has: BKG, DOB, BOOKED, RELEASED"
            ),
        ]
    );
}

/// Offsets every `every` rows of `path`, as staging takes them, and the
/// offset of every row.
fn offsets_of(input: &Input, path: &std::path::Path, every: u64) -> (RowOffsets, Vec<u64>) {
    let file = std::fs::File::open(path).unwrap();
    let mut source = source::Source::open(path, path, input, Box::new(file)).unwrap();
    let mut sparse = RowOffsets::new(every);
    let mut all = Vec::new();
    while let Some(record) = source.next_record(path).unwrap() {
        let offset = record.offset.unwrap();
        sparse.push(offset);
        all.push(offset);
    }
    (sparse, all)
}

#[test]
fn rows_read_again_from_sparse_offsets_are_the_rows_read_in_order() {
    // CRLF and LF endings, blank lines (skipped, not rows), a field with a
    // line break, doubled quotes, a short row and a long one: the rows
    // between two offsets must be counted as staging counted them.
    let text = "BKG,DOB,BOOKED,RELEASED\r\n\
        B1,03/04/85,2019-03-01 10:00,2019-03-02 10:00\r\n\
        \r\n\
        B2,\"05/06\n/20\",2019-03-01 10:00,x\n\
        \n\n\
        B3,\"say \"\"hi\"\"\",a,b\n\
        B4,x,y\r\n\
        B5,1,2,3,4\n\
        B6,01/02/90,,\n\
        B7,\"a,b\",c,d\n\
        B8,e,f,g";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let path = dir.path().join("data/b.csv");
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.path().join("data/d.csv"), "BKG,LODGED\n").unwrap();
    let file = dir.path().join("test.toml");
    std::fs::write(&file, PIPELINE).unwrap();
    let pipeline = crate::config::load_all(&[file]).unwrap().remove(0);
    let input = &pipeline.inputs[1];
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut staged = stage_file(
        &pipeline,
        &[input],
        &path,
        &StageTo {
            work: &work,
            tag: "t",
            budget: &MemoryBudget::new(1 << 30),
            parts: 1,
        },
        &Observer::silent(),
    )
    .unwrap()
    .remove(0);
    assert_eq!(staged.stats.rows_in, 8);
    // The reference: the file read in order, without offsets.
    let mut in_order = staged.clone();
    in_order.offsets = None;
    let all: BTreeSet<i64> = (1..=9).collect();
    let want = raw_values(input, &in_order, &all).unwrap();
    assert_eq!(want.len(), 8);
    assert_eq!(
        want[&2],
        r#"{"BKG":"B2","BOOKED":"2019-03-01 10:00","DOB":"05/06\n/20","RELEASED":"x"}"#
    );
    assert_eq!(
        want[&8],
        r#"{"BKG":"B8","BOOKED":"f","DOB":"e","RELEASED":"g"}"#
    );
    for every in [1, 2, 3, 4, 7, 8, 32] {
        let (sparse, all_offsets) = offsets_of(input, &path, every);
        assert_eq!(all_offsets.len(), 8);
        for (i, &o) in all_offsets.iter().enumerate() {
            let row = i as i64 + 1;
            let start = (i as u64 / every * every) as usize;
            assert_eq!(
                sparse.before(row),
                Some((start as i64 + 1, all_offsets[start]))
            );
            assert!(o >= all_offsets[start]);
        }
        staged.offsets = Some(std::sync::Arc::new(sparse));
        // Every set of rows (in order, as the rules give them), among them
        // row 9, which the file does not have.
        for mask in 0u32..(1 << 9) {
            let rows: BTreeSet<i64> = (1..=9).filter(|r| mask & (1 << (r - 1)) != 0).collect();
            let got = raw_values(input, &staged, &rows).unwrap();
            let expected: HashMap<i64, String> = rows
                .iter()
                .filter_map(|r| want.get(r).map(|v| (*r, v.clone())))
                .collect();
            assert_eq!(got, expected, "every {every}, rows {rows:?}");
        }
    }
}
