//! Tests of inputs that change while the run reads them: a county still
//! exporting into the folder. Each change is made at a known point (by the
//! progress observer, called after each read, or between staging and the
//! reading back of a rejected row), so every test is deterministic.

use super::*;
use polars::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;

const CSV: &str = "BKG,BOOKED\nD1,2019-03-01 10:00\nD2,not a date\nD3,2019-03-02 10:00\n";

/// A pipeline whose bookings input is `data/d.<ext>` in `format`.
fn setup(ext: &str, format: &str) -> (tempfile::TempDir, crate::config::Pipeline, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::create_dir(dir.path().join("work")).unwrap();
    let path = dir.path().join(format!("data/d.{ext}"));
    match ext {
        "csv" => std::fs::write(&path, CSV).unwrap(),
        _ => write_parquet(&path, &["D1", "D2", "D3"]),
    }
    std::fs::write(dir.path().join("data/det.csv"), "BKG,LODGED\n").unwrap();
    let file = dir.path().join("test.toml");
    std::fs::write(
        &file,
        format!(
            "county = \"Test\"\nstate = \"CA\"\ntimezone = \"America/Los_Angeles\"\n\
             as_of = \"2026-06-30T00:00:00\"\n[[inputs]]\ntable = \"bookings\"\n\
             path = \"data/d.{ext}\"\nformat = \"{format}\"\n[inputs.columns]\n\
             booking_id = \"BKG\"\nbooked_at = \"BOOKED\"\n[[inputs]]\n\
             table = \"detainers\"\npath = \"data/det.csv\"\n[inputs.columns]\n\
             booking_id = \"BKG\"\nlodged_at = \"LODGED\"\n"
        ),
    )
    .unwrap();
    let pipeline = crate::config::load_all(&[file]).unwrap().remove(0);
    (dir, pipeline, path)
}

fn write_parquet(path: &Path, ids: &[&str]) {
    let booked: Vec<&str> = ids.iter().map(|_| "2019-03-01 10:00:00").collect();
    let mut df = df!("BKG" => ids, "BOOKED" => booked).unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// Stages `path`; `observer` hears every read.
fn stage(
    dir: &Path,
    pipeline: &crate::config::Pipeline,
    path: &Path,
    observer: &Observer,
) -> Result<Vec<Staged>, Vec<IngestError>> {
    let inputs: Vec<&Input> = pipeline.inputs[..1].iter().collect();
    stage_file(
        pipeline,
        &inputs,
        path,
        &StageTo {
            work: &dir.join("work"),
            tag: "t",
            budget: &MemoryBudget::new(1 << 30),
            parts: 1,
        },
        observer,
    )
}

/// An observer that appends `more` to `path` after the first read.
fn appending(path: &Path, more: &'static str) -> Observer {
    let path = path.to_path_buf();
    let done = std::sync::atomic::AtomicBool::new(false);
    Observer {
        bytes: Arc::new(move |_| {
            if !done.swap(true, std::sync::atomic::Ordering::SeqCst) {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                std::io::Write::write_all(&mut f, more.as_bytes()).unwrap();
            }
        }),
        ..Observer::silent()
    }
}

fn changed(errors: Vec<IngestError>, path: &Path) -> String {
    let [IngestError::Changed { path: p, .. }] = &errors[..] else {
        panic!("{errors:?}");
    };
    assert_eq!(p, path);
    errors[0].to_string()
}

#[test]
fn a_csv_file_that_grows_while_it_is_read_stops_the_run() {
    let (dir, pipeline, path) = setup("csv", "csv");
    let errors = stage(
        dir.path(),
        &pipeline,
        &path,
        &appending(&path, "D4,2019-03-03 10:00\n"),
    )
    .unwrap_err();
    let msg = changed(errors, &path);
    assert!(msg.contains("changed while it was read"), "{msg}");
    assert!(msg.contains("data/d.csv"), "{msg}");
}

#[test]
fn a_parquet_file_that_changes_while_it_is_copied_stops_the_run() {
    let (dir, pipeline, path) = setup("parquet", "parquet");
    let errors = stage(dir.path(), &pipeline, &path, &appending(&path, "junk")).unwrap_err();
    changed(errors, &path);
}

#[test]
fn a_parquet_file_is_hashed_in_the_one_reading_of_its_bytes() {
    let (dir, pipeline, path) = setup("parquet", "parquet");
    let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = seen.clone();
    let observer = Observer {
        bytes: Arc::new(move |n| {
            counted.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
        }),
        ..Observer::silent()
    };
    let staged = stage(dir.path(), &pipeline, &path, &observer).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    // Read once: every byte went through the hash on its way to the copy
    // that was parsed.
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), len);
    assert_eq!(staged[0].stats.sha256, sha256_file(&path).unwrap());
    let copy = staged[0].read_back.copy.as_ref().unwrap();
    assert_eq!(std::fs::read(copy).unwrap(), std::fs::read(&path).unwrap());
    assert_eq!(staged[0].stats.rows_in, 3);
}

#[test]
fn a_csv_file_changed_before_its_rejected_rows_are_read_back_stops_the_run() {
    let (dir, pipeline, path) = setup("csv", "csv");
    let staged = stage(dir.path(), &pipeline, &path, &Observer::silent()).unwrap();
    let rows: BTreeSet<i64> = [2].into();
    let input = &pipeline.inputs[0];
    let raw = raw_values(input, &staged[0], &rows).unwrap();
    assert_eq!(raw[&2], r#"{"BKG":"D2","BOOKED":"not a date"}"#);
    // The export goes on: a row is added at the top, so row 2's offset now
    // points into another row.
    std::fs::write(&path, CSV.replace("BKG,BOOKED\n", "BKG,BOOKED\nD0,x\n")).unwrap();
    let err = raw_values(input, &staged[0], &rows).unwrap_err();
    let msg = changed(vec![err], &path);
    assert!(
        msg.contains("before its rejected rows were read back"),
        "{msg}"
    );
}

#[test]
fn a_rewritten_csv_file_of_the_same_size_is_seen_by_its_modification_time() {
    let (dir, pipeline, path) = setup("csv", "csv");
    let staged = stage(dir.path(), &pipeline, &path, &Observer::silent()).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    let later =
        std::fs::metadata(&path).unwrap().modified().unwrap() + std::time::Duration::from_secs(2);
    file.set_modified(later).unwrap();
    let rows: BTreeSet<i64> = [2].into();
    let err = raw_values(&pipeline.inputs[0], &staged[0], &rows).unwrap_err();
    changed(vec![err], &path);
}

#[test]
fn rows_of_a_parquet_file_are_read_back_from_the_bytes_that_were_staged() {
    let (dir, pipeline, path) = setup("parquet", "parquet");
    let staged = stage(dir.path(), &pipeline, &path, &Observer::silent()).unwrap();
    // The source is replaced after staging; the rows read back are still
    // those that were audited.
    write_parquet(&path, &["X1", "X2", "X3"]);
    let rows: BTreeSet<i64> = [2].into();
    let raw = raw_values(&pipeline.inputs[0], &staged[0], &rows).unwrap();
    assert_eq!(raw[&2], r#"{"BKG":"D2","BOOKED":"2019-03-01 10:00:00"}"#);
}
