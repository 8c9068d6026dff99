//! XLSX and Parquet inputs: each test builds a small export with another
//! library, runs the real binary on it, and checks the holds.

mod common;

use common::*;
use std::path::Path;

fn write_pipeline(dir: &Path, bookings: &str, detainers: &str) {
    std::fs::write(
        dir.join("p.toml"),
        format!(
            r#"county = "Formats"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2020-01-01T00:00:00"
{bookings}
{detainers}
[codes.warrant]
ADMIN = "administrative"
[codes.form]
I247A = "I-247A"
"#
        ),
    )
    .unwrap();
}

#[test]
fn xlsx_sheet_preamble_datetime_cells_and_text_ids() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("Notes")
        .unwrap()
        .write(0, 0, "not this one")
        .unwrap();
    let sheet = book.add_worksheet().set_name("Bookings").unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    sheet.write(0, 0, "JAIL EXPORT 2019").unwrap();
    for (c, h) in ["Booking", "Booked", "Eligible", "Released", "Bail"]
        .iter()
        .enumerate()
    {
        sheet.write(2, c as u16, *h).unwrap();
    }
    // Row 4: an id stored as text with leading zeros, real datetime cells.
    sheet.write(3, 0, "00123").unwrap();
    let dt = |s: &str| ExcelDateTime::parse_from_str(s).unwrap();
    sheet
        .write_datetime_with_format(3, 1, dt("2019-02-28 09:30:00"), &date)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 2, dt("2019-03-01 10:00:00"), &date)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 3, dt("2019-03-01 12:45:00"), &date)
        .unwrap();
    sheet.write(3, 4, 1500.0).unwrap();
    // Row 5: a date typed as text in the county's own format.
    sheet.write(4, 0, "00124").unwrap();
    sheet.write(4, 1, "02/28/2019 0930").unwrap();
    sheet.write(4, 2, "03/01/2019 1000").unwrap();
    sheet.write(4, 3, "03/01/2019 1015").unwrap();
    // Row 6: a number where a date should be, that is no Excel serial date.
    sheet.write(5, 0, "00125").unwrap();
    sheet.write(5, 1, 12.5).unwrap();
    book.save(dir.path().join("export.xlsx")).unwrap();
    std::fs::write(
        dir.path().join("d.csv"),
        "BKG,LODGED,FORM,WARRANT\n00123,2019-03-01 08:00,I247A,ADMIN\n00124,2019-03-01 08:00,I247A,ADMIN\n",
    )
    .unwrap();
    let input = |table: &str, cols: &str| {
        format!(
            "[[inputs]]\ntable = \"{table}\"\npath = \"export.xlsx\"\nsheet = \"Bookings\"\nskip_rows = 2\n[inputs.columns]\n{cols}\n[inputs.formats]\nbooked_at = [\"%m/%d/%Y %H%M\"]\n"
        )
    };
    let bookings = input(
        "bookings",
        "booking_id = \"Booking\"\nbooked_at = \"Booked\"\nbail_amount = \"Bail\"",
    );
    let releases = input(
        "releases",
        "booking_id = \"Booking\"\neligible_at = \"Eligible\"\nreleased_at = \"Released\"",
    )
    .replace(
        "booked_at = [",
        "eligible_at = [\"%m/%d/%Y %H%M\"]\nreleased_at = [",
    );
    write_pipeline(
        dir.path(),
        &format!("{bookings}\n{releases}"),
        "[[inputs]]\ntable = \"detainers\"\npath = \"d.csv\"\n[inputs.columns]\nbooking_id = \"BKG\"\nlodged_at = \"LODGED\"\nform = \"FORM\"\nwarrant = \"WARRANT\"\n",
    );
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    let h = read_parquet(&dir.path().join("out/holds/county=formats/part-0.parquet"));
    let ids: Vec<&str> = h.iter().map(|r| r["booking_id"].as_str()).collect();
    assert_eq!(ids, ["00123", "00124"], "{}", text(&o));
    assert_eq!(h[0]["hold_minutes"], "165");
    assert_eq!(h[1]["hold_minutes"], "15");
    assert_eq!(h[0]["source_row"], "1");
    let rejects = read_parquet(&dir.path().join("out/rejects/county=formats/part-0.parquet"));
    let bad = rejects.iter().find(|r| r["table"] == "bookings").unwrap();
    assert_eq!(bad["reason"], "bad_datetime");
    // source_line is the spreadsheet row an analyst sees in Excel.
    assert_eq!(bad["source_line"], "6");
    assert!(
        bad["raw"].contains("\"Booking\":\"00125\""),
        "{}",
        bad["raw"]
    );
}

#[test]
fn parquet_input_with_and_without_time_zones() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let la = TimeZone::opt_try_new(Some("America/Los_Angeles")).unwrap();
    // Booked: a naive local time. Released: an instant with a zone, the
    // second 01:30 of 2019-11-03 (PST, 09:30 UTC): only a reader that keeps
    // the instant gets 180 minutes from 23:30 PDT (not 120).
    let booked = Column::new("booked".into(), [1_572_600_000_000_000i64])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let eligible = Column::new("eligible".into(), [1_572_737_400_000_000i64]) // 2019-11-02 23:30 naive
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let released = Column::new("released".into(), [1_572_773_400_000_000_000i64]) // 2019-11-03 09:30 UTC
        .cast(&DataType::Datetime(TimeUnit::Nanoseconds, la))
        .unwrap();
    let id = Column::new("id".into(), ["0042"]);
    let mut df = DataFrame::new(1, vec![id, booked, eligible, released]).unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("b.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    std::fs::write(
        dir.path().join("d.csv"),
        "BKG,LODGED,FORM,WARRANT\n0042,2019-11-01 08:00,I247A,ADMIN\n",
    )
    .unwrap();
    write_pipeline(
        dir.path(),
        "[[inputs]]\ntable = \"bookings\"\npath = \"b.parquet\"\n[inputs.columns]\nbooking_id = \"id\"\nbooked_at = \"booked\"\n\
         [[inputs]]\ntable = \"releases\"\npath = \"b.parquet\"\n[inputs.columns]\nbooking_id = \"id\"\neligible_at = \"eligible\"\nreleased_at = \"released\"\n",
        "[[inputs]]\ntable = \"detainers\"\npath = \"d.csv\"\n[inputs.columns]\nbooking_id = \"BKG\"\nlodged_at = \"LODGED\"\nform = \"FORM\"\nwarrant = \"WARRANT\"\n",
    );
    let o = run(&["run", "p.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h = read_parquet(&dir.path().join("out/holds/county=formats/part-0.parquet"));
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["booking_id"], "0042");
    assert_eq!(h[0]["hold_start"], "2019-11-02T23:30:00-07:00");
    assert_eq!(h[0]["hold_end"], "2019-11-03T01:30:00-08:00");
    assert_eq!(h[0]["hold_minutes"], "180");
}
