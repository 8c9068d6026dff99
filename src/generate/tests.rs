//! The generator as its callers use it: options in, files on disk, checked
//! for byte-identical output from one seed, the dialects' encodings and
//! preambles, and the planted rows. The tests of one piece alone sit beside
//! that piece.

use super::model::Defect;
use super::*;
use std::path::Path;

fn opts(dir: &Path, seed: u64) -> GenerateOptions {
    GenerateOptions {
        seed,
        counties: 3,
        from_year: 2013,
        to_year: 2026,
        bookings_per_year: 150,
        sizes: CountySizes::Even,
        data_dir: dir.join("data"),
        pipelines_dir: dir.join("pipelines"),
    }
}

/// A fresh directory under the system's temporary directory, named for
/// this process and test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("generate-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    dir
}

/// Every file generated, by path relative to the root, with its bytes.
fn snapshot(root: &Path, summary: &GenerateSummary) -> Vec<(PathBuf, Vec<u8>)> {
    summary
        .counties
        .iter()
        .flat_map(|c| c.files.iter())
        .map(|p| {
            let rel = p.strip_prefix(root).expect("under root").to_path_buf();
            (rel, std::fs::read(p).expect("generated file is readable"))
        })
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (scratch("a"), scratch("b"), scratch("c"));
    let sa = snapshot(&a, &generate(&opts(&a, 1)).expect("generates"));
    let sb = snapshot(&b, &generate(&opts(&b, 1)).expect("generates"));
    let sc = snapshot(&c, &generate(&opts(&c, 2)).expect("generates"));
    assert!(!sa.is_empty());
    assert_eq!(sa, sb);
    assert_eq!(sa.len(), sc.len());
    for ((pa, ba), (pc, bc)) in sa.iter().zip(&sc) {
        assert_eq!(pa, pc);
        if pa.extension().is_some_and(|e| e == "csv") {
            assert_ne!(ba, bc, "{} is the same for seeds 1 and 2", pa.display());
        }
    }
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn summary_names_counties_dialects_and_files() {
    let dir = scratch("summary");
    let s = generate(&opts(&dir, 5)).expect("generates");
    let got: Vec<(&str, &str, &str)> = s
        .counties
        .iter()
        .map(|c| (c.county.as_str(), c.slug.as_str(), c.dialect))
        .collect();
    assert_eq!(
        got,
        [
            ("Alameda", "alameda", "combined"),
            ("Alpine", "alpine", "semicolon-1252"),
            ("Amador", "amador", "per-charge"),
        ]
    );
    for c in &s.counties {
        assert!(c.bookings > 600, "{} has {} bookings", c.county, c.bookings);
        assert!(c.files.iter().all(|f| f.is_file()));
    }
    let toml = std::fs::read_to_string(dir.join("pipelines/alameda.toml")).expect("written");
    assert!(
        toml.contains("path = \"../data/alameda/bookings_*.csv\""),
        "{toml}"
    );
    assert!(toml.contains("as_of = \"2026-06-30T00:00:00\""));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn windows_1252_file_decodes_and_has_preamble() {
    let dir = scratch("cp1252");
    generate(&opts(&dir, 3)).expect("generates");
    for file in ["bookings.csv", "holds.csv"] {
        let bytes = std::fs::read(dir.join("data/alpine").join(file)).expect("written");
        let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        let mut lines = text.split("\r\n");
        assert!(lines
            .next()
            .is_some_and(|l| l.starts_with("SHERIFF'S OFFICE - JAIL MANAGEMENT SYSTEM EXPORT")));
        assert!(lines.next().is_some_and(|l| l.starts_with("Run date: ")));
        assert!(lines
            .next()
            .is_some_and(|l| l.starts_with("BOOKING_NBR;") || l.starts_with("HOLD_NBR;")));
        if file == "bookings.csv" {
            // Accented letters are single bytes in cp1252, not UTF-8.
            assert!(
                std::str::from_utf8(&bytes).is_err(),
                "{file} looks like UTF-8"
            );
            assert!(text.contains('Ñ') || text.contains('É') || text.contains('Á'));
        }
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "bare LF in {file}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_defect_kind_is_planted_in_every_county() {
    let dir = scratch("defects");
    generate(&opts(&dir, 11)).expect("generates");
    for slug in ["alameda", "alpine", "amador"] {
        let planted = std::fs::read_to_string(dir.join("data").join(slug).join("planted.csv"))
            .expect("written");
        for d in Defect::ALL {
            assert!(
                planted.contains(&format!("defect,{},", d.name())),
                "{slug} lacks {d:?}"
            );
        }
    }
    // And they show in the files as the dialect writes them.
    let all_a: String = (2013..=2026)
        .map(|y| {
            std::fs::read_to_string(dir.join(format!("data/alameda/bookings_{y}.csv")))
                .expect("one file per year")
        })
        .collect();
    assert!(all_a.contains("-02-30 "));
    assert!(all_a.contains("RLS PER WATCH CMDR"));
    let spring_gap = (2013..=2026).any(|y| {
        let day = model::dates::dst_spring(y)
            .format("%Y-%m-%d 02:")
            .to_string();
        all_a.contains(&day)
    });
    assert!(spring_gap, "no booking in the skipped DST hour");
    let c = std::fs::read_to_string(dir.join("data/amador/bookings.csv")).expect("written");
    assert!(c.starts_with('\u{feff}'));
    assert!(c.contains("02/30/"));
    let charges = std::fs::read_to_string(dir.join("data/amador/charges.csv")).expect("written");
    assert!(charges.contains("\n") && charges.contains(",ICE HOLD,"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn rejects_bad_options() {
    let dir = scratch("bad");
    let mut o = opts(&dir, 1);
    o.counties = 59;
    assert!(matches!(
        generate(&o),
        Err(GenerateError::InvalidOptions(_))
    ));
    let mut o = opts(&dir, 1);
    o.from_year = 2027;
    o.to_year = 2030;
    assert!(matches!(
        generate(&o),
        Err(GenerateError::InvalidOptions(_))
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn slugs_and_as_of() {
    assert_eq!(slug("Contra Costa"), "contra-costa");
    assert_eq!(slug("San Luis Obispo"), "san-luis-obispo");
    assert_eq!(as_of(2026).to_string(), "2026-06-30 00:00:00");
    assert_eq!(as_of(2019).to_string(), "2020-01-01 00:00:00");
}

#[test]
fn population_sizes_give_los_angeles_a_quarter_and_add_up() {
    let even = split_bookings(1000, 3, CountySizes::Even);
    assert_eq!(even, [334, 333, 333]);
    let state = split_bookings(1_200_000, 58, CountySizes::Population);
    assert_eq!(state.iter().sum::<u64>(), 1_200_000);
    let la = names::CA_COUNTIES
        .iter()
        .position(|&c| c == "Los Angeles")
        .unwrap();
    // 10,019,635 of 39,455,353 people: 1,200,000 x that is 304,738.42; the
    // 30 bookings rounding leaves go to larger fractions than .42.
    assert_eq!(state[la], 304_738);
    let alpine = names::CA_COUNTIES
        .iter()
        .position(|&c| c == "Alpine")
        .unwrap();
    assert_eq!(state[alpine], 41);
    assert_eq!(
        names::CA_POPULATION
            .iter()
            .map(|&p| u64::from(p))
            .sum::<u64>(),
        39_455_353
    );
}
