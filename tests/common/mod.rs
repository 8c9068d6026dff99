//! Helpers shared by the integration tests: run the real binary, read
//! Parquet outputs back with the Apache `parquet`/`arrow` crates (an
//! independent reader, as other tools would).

#![allow(dead_code)]

pub mod faults;

use arrow::array::Array;
use arrow::util::display::array_value_to_string;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_detainer-audit"))
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn run(args: &[&str], cwd: &Path) -> Output {
    let out = bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("binary runs");
    out
}

pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A row: column name → value as arrow displays it ("" for null).
pub type Row = BTreeMap<String, String>;

/// Every row of a Parquet file, read with the Apache reader.
pub fn read_parquet(path: &Path) -> Vec<Row> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let schema = batch.schema();
        for i in 0..batch.num_rows() {
            let mut row = Row::new();
            for (f, col) in schema.fields().iter().zip(batch.columns()) {
                let v = if col.is_null(i) {
                    String::new()
                } else {
                    array_value_to_string(col, i).unwrap()
                };
                row.insert(f.name().clone(), v);
            }
            rows.push(row);
        }
    }
    rows
}

/// `(table, source_row, reason)` of each reject row, in file order.
pub fn reasons(rejects: &[Row]) -> Vec<(&str, &str, &str)> {
    rejects
        .iter()
        .map(|r| {
            (
                r["table"].as_str(),
                r["source_row"].as_str(),
                r["reason"].as_str(),
            )
        })
        .collect()
}

/// The Arrow data type of a column, as text.
pub fn column_type(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let field = builder.schema().field_with_name(name).unwrap().clone();
    format!("{:?}", field.data_type())
}

/// Every file under `dir`, at any depth.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Copies a folder tree (fixtures into a temp dir, so tests can write).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What a command printed on stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// `check` reads every file of the draft and finds no problem: its only
/// complaint may be the sample's deliberate 1% of bad rows.
pub fn check_accepts(dir: &Path, pipeline: &str) {
    let o = run(&["check", pipeline], dir);
    let out = stdout(&o);
    assert!(o.stderr.is_empty(), "{}", text(&o));
    match o.status.code() {
        Some(0) => {}
        Some(1) => assert!(out.contains("over the reject limit"), "{}", text(&o)),
        _ => panic!("{}", text(&o)),
    }
}
