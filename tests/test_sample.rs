//! `run` on the bundled synthetic sample (three counties, three dialects):
//! every output is written, every planted bad row is rejected with its
//! reason, every planted hard case becomes a hold, and every input file
//! reconciles.

mod common;

use common::*;
use std::path::Path;

fn run_sample(dir: &Path) -> std::process::Output {
    copy_dir(&root().join("sample_data"), &dir.join("sample_data"));
    copy_dir(&root().join("pipelines"), &dir.join("pipelines"));
    run(&["run", "--out", "out"], dir)
}

fn planted(dir: &Path, slug: &str) -> Vec<Vec<String>> {
    let text =
        std::fs::read_to_string(dir.join("sample_data").join(slug).join("planted.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn sample_run_writes_everything_and_catches_every_planted_case() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_sample(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // stderr is a pipe here, not a terminal: no progress display, only the
    // closing line.
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("3 counties: "), "{err}");
    assert!(!err.contains('\x1b'), "terminal escapes in {err:?}");
    let out = dir.path().join("out");
    for f in [
        "class_members.parquet",
        "class_members.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let slugs: Vec<&str> = manifest["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["alameda", "alpine", "amador"]);

    for p in manifest["pipelines"].as_array().unwrap() {
        let slug = p["slug"].as_str().unwrap();
        // Reconciliation, per file, and against the rejects file itself.
        let rejects = read_parquet(&out.join(format!("rejects/county={slug}/part-0.parquet")));
        let mut total_rejected = 0;
        for input in p["inputs"].as_array().unwrap() {
            for f in input["files"].as_array().unwrap() {
                let (rows_in, used, rejected) = (
                    f["rows_in"].as_u64().unwrap(),
                    f["rows_used"].as_u64().unwrap(),
                    f["rows_rejected"].as_u64().unwrap(),
                );
                assert!(rows_in > 0);
                assert_eq!(rows_in, used + rejected, "{slug} {f}");
                let in_file = rejects
                    .iter()
                    .filter(|r| {
                        r["table"] == input["table"].as_str().unwrap()
                            && r["source_file"] == f["path"].as_str().unwrap()
                    })
                    .count() as u64;
                assert_eq!(in_file, rejected, "{slug} {f}");
                total_rejected += rejected;
            }
        }
        assert_eq!(total_rejected, rejects.len() as u64);

        let holds = read_parquet(&out.join(format!("holds/county={slug}/part-0.parquet")));
        let summary = read_parquet(&out.join(format!("summary/county={slug}/part-0.parquet")));
        assert_eq!(summary.len(), 15 * 12 + 6, "{slug}");
        let flagged: u64 = summary
            .iter()
            .map(|r| r["flagged"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            flagged,
            holds.iter().filter(|h| h["flagged"] == "true").count() as u64
        );

        for row in planted(dir.path(), slug) {
            let (kind, name, booking, person) = (&row[0], &row[1], &row[2], &row[3]);
            if kind == "case" {
                let hold = holds
                    .iter()
                    .find(|h| &h["booking_id"] == booking)
                    .unwrap_or_else(|| panic!("{slug}: no hold for planted {name} {booking}"));
                match name.as_str() {
                    "OpenHold" => assert_eq!(hold["status"], "open", "{slug} {booking}"),
                    "MissingEligibility" => {
                        assert_eq!(hold["status"], "eligibility_unknown", "{slug} {booking}")
                    }
                    _ => assert_ne!(hold["hold_minutes"], "", "{slug} {name} {booking}"),
                }
                continue;
            }
            let reasons: &[&str] = match name.as_str() {
                "conflicting_duplicate_booking" => &["conflicting_duplicate"],
                "exact_duplicate_row" => &["duplicate_row"],
                "nonexistent_local_time" => &["nonexistent_local_time"],
                "orphan_detainer" => &["no_booking", "no_booking_for_person"],
                "release_before_booking" => &["release_before_booking"],
                "unparseable_date" => &["bad_datetime"],
                "unmapped_release_reason" => continue,
                other => panic!("unknown planted defect {other}"),
            };
            let hit = rejects.iter().any(|r| {
                reasons.contains(&r["reason"].as_str())
                    && (r["raw"].contains(&format!("\"{booking}\""))
                        || r["raw"].contains(&format!("\"{person}\"")))
            });
            assert!(
                hit,
                "{slug}: planted {name} ({booking}) not rejected as {reasons:?}"
            );
        }
        let unmapped = p["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["files"].as_array().unwrap().iter())
            .filter_map(|f| f["unmapped_codes"].get("release_reason"))
            .count();
        assert!(
            unmapped > 0,
            "{slug}: the planted unmapped release reason was not counted"
        );
    }
}

#[test]
fn per_charge_county_derives_eligibility_from_charges() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_sample(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let holds = read_parquet(&dir.path().join("out/holds/county=amador/part-0.parquet"));
    assert!(!holds.is_empty());
    assert!(holds.iter().all(|h| h["eligibility_source"] != "releases"));
    let derived = holds
        .iter()
        .filter(|h| h["eligibility_source"] == "charges")
        .count();
    assert!(
        derived * 10 >= holds.len() * 8,
        "{derived} of {}",
        holds.len()
    );
}

#[test]
fn generate_remakes_the_bundled_sample_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "generate",
            "--out",
            "sample_data",
            "--pipelines",
            "pipelines",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for entry in [
        "pipelines/alameda.toml",
        "pipelines/alpine.toml",
        "pipelines/amador.toml",
        "sample_data/alameda/bookings_2019.csv",
        "sample_data/alpine/bookings.csv",
        "sample_data/amador/charges.csv",
        "sample_data/amador/detainers.csv",
    ] {
        let want = std::fs::read(root().join(entry)).unwrap();
        let got = std::fs::read(dir.path().join(entry)).unwrap();
        assert!(want == got, "{entry} differs from a fresh `generate`");
    }
}
