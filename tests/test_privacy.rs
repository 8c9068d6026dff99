//! `--pseudonymize`: no name, date of birth or id of the input survives in
//! any output; one key gives the same pseudonyms in every run, two keys
//! differ.

mod common;

use calamine::Reader;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Every word of every cell of every output file (Parquet and XLSX read
/// with their own readers, CSV and JSON as text).
fn output_words(out: &Path) -> BTreeSet<String> {
    let mut texts = Vec::new();
    for path in files_under(out) {
        if path.extension().is_some_and(|x| x == "parquet") {
            for row in read_parquet(&path) {
                texts.extend(row.into_values());
            }
        } else if path.extension().is_some_and(|x| x == "xlsx") {
            let mut book = calamine::open_workbook_auto(&path).unwrap();
            for name in book.sheet_names() {
                let range = book.worksheet_range(&name).unwrap();
                for cell in range.cells() {
                    texts.push(cell.2.to_string());
                }
            }
        } else {
            texts.push(std::fs::read_to_string(&path).unwrap());
        }
    }
    texts
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn pseudonyms_hide_names_birth_dates_and_ids_and_are_stable_per_key() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures/hand"),
        &dir.path().join("hand"),
    );
    std::fs::write(dir.path().join("k1"), b"first key, 32 bytes long.......").unwrap();
    std::fs::write(dir.path().join("k2"), b"second key, also long enough....").unwrap();
    let go = |out: &str, key: &str| {
        let o = run(
            &[
                "run",
                "hand/pipeline.toml",
                "--out",
                out,
                "--pseudonymize",
                key,
            ],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o)); // the fixture's rejects
        o
    };
    go("a", "k1");
    go("b", "k1");
    go("c", "k2");

    // What must not appear: every name, date of birth and id of the input.
    let bookings = std::fs::read_to_string(dir.path().join("hand/bookings.csv")).unwrap();
    let mut secret = BTreeSet::new();
    for line in bookings.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        secret.extend(f[..5].iter().map(|s| s.to_string()));
    }
    let detainers = std::fs::read_to_string(dir.path().join("hand/detainers.csv")).unwrap();
    for line in detainers.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        secret.extend(
            f[..3]
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string()),
        );
    }
    assert!(secret.contains("Alpha") && secret.contains("1980-01-01") && secret.contains("B01"));
    let words = output_words(&dir.path().join("a"));
    let leaked: Vec<&String> = secret.iter().filter(|s| words.contains(*s)).collect();
    assert!(leaked.is_empty(), "leaked: {leaked:?}");
    // Without the key, the same run shows them (the check above can fail).
    run(&["run", "hand/pipeline.toml", "--out", "plain"], dir.path());
    let plain = output_words(&dir.path().join("plain"));
    assert!(plain.contains("Alpha") && plain.contains("1980-01-01") && plain.contains("B01"));

    // One key: the same pseudonyms, byte for byte; two keys: different.
    let manifest =
        |d: &str| std::fs::read_to_string(dir.path().join(d).join("manifest.json")).unwrap();
    assert_eq!(manifest("a"), manifest("b"));
    let holds = |d: &str| {
        read_parquet(
            &dir.path()
                .join(d)
                .join("holds/county=hand-county/part-0.parquet"),
        )
    };
    let (a, c) = (holds("a"), holds("c"));
    assert_eq!(a.len(), c.len());
    assert!(a[0]["booking_id"].starts_with("ps_"));
    assert_ne!(a[0]["booking_id"], c[0]["booking_id"]);
    assert_ne!(a[0]["last_name"], c[0]["last_name"]);
    // The measurements do not change.
    assert_eq!(a[0]["hold_minutes"], c[0]["hold_minutes"]);
}

#[test]
fn a_short_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures/hand"),
        &dir.path().join("hand"),
    );
    std::fs::write(dir.path().join("k"), b"short").unwrap();
    let o = run(
        &[
            "run",
            "hand/pipeline.toml",
            "--out",
            "o",
            "--pseudonymize",
            "k",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 16 random bytes"));
    assert!(!dir.path().join("o").exists());
}

#[test]
fn the_terminal_never_shows_names_birth_dates_or_booking_ids() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures/hand"),
        &dir.path().join("hand"),
    );
    let mut said = String::new();
    for args in [
        &["run", "hand/pipeline.toml", "--out", "out"][..],
        &["check", "hand/pipeline.toml"][..],
    ] {
        let o = run(args, dir.path());
        said.push_str(&String::from_utf8_lossy(&o.stdout));
        said.push_str(&String::from_utf8_lossy(&o.stderr));
    }
    // The fixture's bad rows (a DST gap, February 30, duplicates, orphans)
    // are all reported, by file and count only.
    assert!(said.contains("rejected"), "{said}");
    let bookings = std::fs::read_to_string(dir.path().join("hand/bookings.csv")).unwrap();
    for line in bookings.lines().skip(1) {
        for value in line.split(',').take(5) {
            // Every id, name and date of birth of the export.
            assert!(!said.contains(value), "`{value}` printed:\n{said}");
        }
    }
}
