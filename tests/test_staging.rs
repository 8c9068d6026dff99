//! Where staged tables are kept (in memory within the run's budget, in the
//! work folder past it), and how many parts a county is audited in, must
//! not change a byte of any output.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir`: path relative to it → bytes.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(dir).unwrap().to_string_lossy();
            (rel.into_owned(), std::fs::read(&path).unwrap())
        })
        .collect()
}

/// The `timing: count NAME: N` lines of a run's stderr.
fn counts(stderr: &str) -> BTreeMap<String, u64> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("timing: count "))
        .filter_map(|l| {
            let (name, n) = l.rsplit_once(": ")?;
            Some((name.to_string(), n.parse().ok()?))
        })
        .collect()
}

#[test]
fn outputs_do_not_depend_on_where_staged_tables_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "--quiet",
            "generate",
            "--counties",
            "3",
            "--from",
            "2019",
            "--to",
            "2020",
            "--bookings-per-year",
            "30000",
            "--seed",
            "11",
            "--out",
            "data",
            "--pipelines",
            "pipelines",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let mut runs = Vec::new();
    // No budget (every table on disk), 1 MiB (some tables in memory, some
    // moved to disk part-way), and room for everything; then each county in
    // parts of 1.5 MB of its files (2 to 3 parts of a county of about
    // 20,000 bookings), on disk, part-way and in memory.
    for (mib, parts) in [
        ("0", ""),
        ("1", ""),
        ("1024", ""),
        ("0", "1500000"),
        ("1", "1500000"),
        ("1024", "1500000"),
    ] {
        let out = format!("out-{mib}-{parts}");
        let mut cmd = bin();
        cmd.args(["--quiet", "run", "pipelines", "--out", &out])
            .env("DETAINER_AUDIT_STAGE_MEMORY_MB", mib)
            .env("DETAINER_AUDIT_TIMINGS", "1")
            .current_dir(dir.path());
        if !parts.is_empty() {
            cmd.env("DETAINER_AUDIT_PARTITION_BYTES", parts);
        }
        let o = cmd.output().unwrap();
        // 1: every output written, but an input passed max_reject_rate.
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
        let c = counts(&String::from_utf8_lossy(&o.stderr));
        let n = |k: &str| c.get(k).copied().unwrap_or(0);
        // One joined table per part: 3 counties whole, else at least two
        // parts each.
        let joined = n("joined tables in memory") + n("joined tables on disk");
        if parts.is_empty() {
            assert_eq!(joined, 3, "{c:?}");
        } else {
            assert!(joined >= 2 * 3, "{c:?}");
        }
        match mib {
            "0" => {
                assert_eq!(n("staged tables in memory"), 0, "{c:?}");
                assert!(n("staged tables on disk") > 0, "{c:?}");
                assert_eq!(n("joined tables in memory"), 0, "{c:?}");
            }
            "1" => {
                assert!(n("staged tables in memory") > 0, "{c:?}");
                assert!(n("staged tables on disk") > 0, "{c:?}");
            }
            _ => {
                assert!(n("staged tables in memory") > 0, "{c:?}");
                assert_eq!(n("staged tables on disk"), 0, "{c:?}");
                assert_eq!(n("joined tables on disk"), 0, "{c:?}");
            }
        }
        runs.push(files_of(&dir.path().join(&out)));
    }
    let first = &runs[0];
    assert!(first.contains_key("manifest.json"));
    assert!(first.keys().any(|k| k.starts_with("holds/")));
    for (run, files) in runs.iter().enumerate().skip(1) {
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            files.keys().collect::<Vec<_>>(),
            "run {run}"
        );
        for (name, bytes) in first {
            assert!(&files[name] == bytes, "run {run}: {name} differs");
        }
    }
}
