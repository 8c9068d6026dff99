//! `init` and files: it never replaces a file without `--force`, names a
//! file it cannot read and exits 2, prints a draft with `--out -`, and
//! reads workbooks (each sheet, a title above the header) and Parquet
//! files as the ingest does.

mod common;

use common::*;

#[test]
fn a_file_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("tests/fixtures/init"), dir.path());
    let draft = dir.path().join("pipelines/x.toml");
    std::fs::create_dir(dir.path().join("pipelines")).unwrap();
    std::fs::write(&draft, "# the analyst's own edits\n").unwrap();
    let args = ["init", "jail_export.csv", "ice_holds.csv", "--county", "X"];
    let o = run(&args, dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: pipelines/x.toml: the file exists; give --force to replace it, or --out \
         another file\n"
    );
    assert_eq!(
        std::fs::read_to_string(&draft).unwrap(),
        "# the analyst's own edits\n"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let o = run(&forced, dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(std::fs::read_to_string(&draft)
        .unwrap()
        .starts_with("# Draft pipeline file"));
    // Without --county the draft is pipelines/draft.toml, and the county a
    // TODO line that `check` reports as missing.
    let o = run(&["init", "jail_export.csv", "ice_holds.csv"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(stdout(&o).contains("draft written to pipelines/draft.toml"));
    let o = run(&["check", "pipelines/draft.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing field `county`"));
}

#[test]
fn a_file_that_cannot_be_read_is_exit_2_naming_it_and_no_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.csv"), "").unwrap();
    std::fs::write(
        dir.path().join("binary.csv"),
        b"PK\x03\x04\x00\x00secret-value",
    )
    .unwrap();
    std::fs::write(dir.path().join("one_column.csv"), "NAME\nsecret-value\n").unwrap();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    for (file, says) in [
        ("missing.csv", "missing.csv: cannot read"),
        ("folder", "folder: not a file"),
        ("empty.csv", "empty.csv: the file is empty"),
        ("binary.csv", "binary.csv: not a text file"),
        (
            "one_column.csv",
            "one_column.csv: no line in its first 1 KiB has two fields",
        ),
    ] {
        let o = run(&["init", file, "--out", "d.toml"], dir.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", text(&o));
        assert!(err.starts_with(&format!("error: {says}")), "{file}: {err}");
        assert!(!err.contains("secret-value"), "{err}");
        assert!(
            !dir.path().join("d.toml").exists(),
            "{file}: a draft was written"
        );
    }
    // What init was told is checked as `check` would.
    std::fs::write(
        dir.path().join("b.csv"),
        "BKG_NO,BOOKED\nB1,2019-03-15 10:00\n",
    )
    .unwrap();
    for (flag, value, says) in [
        (
            "--timezone",
            "America/LosAngeles",
            "is not an IANA time zone name",
        ),
        ("--state", "California", "give the two-letter state code"),
        ("--county", "!!", "a county name needs a letter or a digit"),
    ] {
        let o = run(&["init", "b.csv", flag, value], dir.path());
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(says),
            "{}",
            text(&o)
        );
    }
}

#[test]
fn a_printed_draft_goes_to_stdout_and_what_was_found_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("sample_data/alpine"),
        &dir.path().join("alpine"),
    );
    let o = run(
        &[
            "init",
            "alpine/bookings.csv",
            "alpine/holds.csv",
            "--out",
            "-",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.starts_with("# Draft pipeline file"), "{out}");
    // Relative to the working folder.
    assert!(out.contains("path = \"alpine/bookings.csv\""), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("alpine/bookings.csv: CSV, windows-1252 (likely)"),
        "{err}"
    );
    assert!(!dir.path().join("pipelines").exists());
}

/// A workbook with a title above its header and two sheets, and Parquet
/// files with timestamps: each sheet and file is found, read through the
/// ingest's readers, and the draft is one `check` accepts.
#[test]
fn workbooks_and_parquet_files_are_read_too() {
    use polars::prelude::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = book.add_worksheet().set_name("Bookings").unwrap();
    sheet.write_string(0, 0, "COUNTY JAIL - BOOKINGS").unwrap();
    for (c, h) in ["Booking Number", "Booked", "Released", "Release Reason"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        (
            "B1",
            "2019-03-15 10:00:00",
            "2019-03-16 11:30:00",
            "BAIL POSTED",
        ),
        (
            "B2",
            "2019-03-18 22:15:00",
            "2019-03-21 09:00:00",
            "ICE PICKUP",
        ),
        (
            "B3",
            "2019-04-02 06:40:00",
            "2019-04-02 18:05:00",
            "BAIL POSTED",
        ),
    ];
    for (r, (id, booked, released, reason)) in rows.iter().enumerate() {
        let r = r as u32 + 3;
        sheet.write_string(r, 0, *id).unwrap();
        let t = |s: &str| ExcelDateTime::parse_from_str(s).unwrap();
        sheet
            .write_datetime_with_format(r, 1, t(booked), &when)
            .unwrap();
        sheet
            .write_datetime_with_format(r, 2, t(released), &when)
            .unwrap();
        sheet.write_string(r, 3, *reason).unwrap();
    }
    let holds = book.add_worksheet().set_name("Holds").unwrap();
    for (c, h) in ["BOOKING_ID", "DETAINER_DATE", "Form", "Warrant"]
        .iter()
        .enumerate()
    {
        holds.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, lodged)) in [("B2", "03/19/2019 08:00"), ("B3", "04/01/2019 13:00")]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        holds.write_string(r, 0, *id).unwrap();
        holds.write_string(r, 1, *lodged).unwrap();
        holds.write_string(r, 2, "I-247A").unwrap();
        holds.write_string(r, 3, "I-205").unwrap();
    }
    book.save(dir.path().join("export.xlsx")).unwrap();

    let o = run(
        &[
            "init",
            "export.xlsx",
            "--county",
            "Book",
            "--state",
            "CA",
            "--timezone",
            "UTC",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let draft = std::fs::read_to_string(dir.path().join("pipelines/book.toml")).unwrap();
    for line in [
        "format = \"xlsx\"\nsheet = \"Bookings\"\nskip_rows = 2",
        "format = \"xlsx\"\nsheet = \"Holds\"\nskip_rows = 0",
        "booked_at = \"Booked\"",
        "released_at = \"Released\"",
        "booked_at = \"%Y-%m-%d %H:%M:%S\"",
        "lodged_at = \"DETAINER_DATE\"",
        "lodged_at = \"%m/%d/%Y %H:%M\"",
        "\"ICE PICKUP\" = \"transfer_ice\"",
        "\"I-205\" = \"administrative\"",
    ] {
        assert!(draft.contains(line), "{line:?} not in\n{draft}");
    }
    check_accepts(dir.path(), "pipelines/book.toml");

    let micros = |s: &str| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            .timestamp_micros()
    };
    let stamp = |name: &str, v: &[&str], tz: Option<TimeZone>| {
        Column::new(
            name.into(),
            v.iter().map(|s| micros(s)).collect::<Vec<i64>>(),
        )
        .cast(&DataType::Datetime(TimeUnit::Microseconds, tz))
        .unwrap()
    };
    let mut bookings = DataFrame::new_infer_height(vec![
        Column::new("BKG_NO".into(), ["P1", "P2"]),
        stamp("BOOKED", &["2019-03-15 10:00", "2019-03-18 22:15"], None),
        stamp("RELEASED", &["2019-03-16 11:30", "2019-03-21 09:00"], None),
    ])
    .unwrap();
    let mut detainers = DataFrame::new_infer_height(vec![
        Column::new("BKG_NO".into(), ["P2"]),
        stamp("Hold Lodged", &["2019-03-19 15:00"], Some(TimeZone::UTC)),
    ])
    .unwrap();
    for (name, df) in [
        ("bookings.parquet", &mut bookings),
        ("holds.parquet", &mut detainers),
    ] {
        let file = std::fs::File::create(dir.path().join(name)).unwrap();
        ParquetWriter::new(file).finish(df).unwrap();
    }
    let o = run(
        &[
            "init",
            "bookings.parquet",
            "holds.parquet",
            "--county",
            "Pq",
            "--state",
            "CA",
            "--timezone",
            "UTC",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let draft = std::fs::read_to_string(dir.path().join("pipelines/pq.toml")).unwrap();
    for line in [
        "format = \"parquet\"",
        "booked_at = \"BOOKED\"",
        "lodged_at = \"Hold Lodged\"",
        "Hold Lodged (timestamp in UTC (read as instants",
        "`Hold Lodged`: 100% of 1 sampled values are RFC 3339 instants",
    ] {
        assert!(draft.contains(line), "{line:?} not in\n{draft}");
    }
    check_accepts(dir.path(), "pipelines/pq.toml");
}
