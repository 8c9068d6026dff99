//! Property test: random and mutated exports never make the program panic,
//! and every row of every input is accounted for
//! (`rows_in = rows_used + rows_rejected`), or the run stops with a clear
//! error that names the file.
//!
//! Runs 48 cases by default, or PROPTEST_CASES; `scripts/fuzz` runs
//! thousands in release mode.

use detainer_audit::{config, schedule};
use proptest::prelude::*;

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        // Plausible values.
        (0u32..6).prop_map(|i| format!("B{i}")),
        (1u32..28, 0u32..24, 0u32..60)
            .prop_map(|(d, h, m)| format!("2019-03-{d:02} {h:02}:{m:02}:00")),
        (1u32..28, 0u32..24).prop_map(|(d, h)| format!("2019-11-{d:02} {h:02}:30")),
        Just("2019-03-10 02:30:00".to_string()),
        Just(String::new()),
        Just("NULL".to_string()),
        // Junk, quotes, separators and line breaks inside fields.
        "[ -~]{0,12}",
        Just("\"quoted, with\nnewline\"".to_string()),
        Just("\u{e9}\u{f1}".to_string()),
    ]
}

fn row(width: usize) -> impl Strategy<Value = Vec<String>> {
    // Mostly the right width, sometimes too short or too long.
    prop_oneof![
        8 => proptest::collection::vec(field(), width..=width),
        1 => proptest::collection::vec(field(), 0..width + 3),
    ]
}

fn csv_text(header: &str, rows: &[Vec<String>], sep: char) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for r in rows {
        text.push_str(&r.join(&sep.to_string()));
        text.push('\n');
    }
    text.into_bytes()
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)]) -> Vec<u8> {
    for &(pos, b) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = pos % bytes.len();
        match b % 3 {
            0 => bytes[i] = b,
            1 => bytes.insert(i, b),
            _ => {
                bytes.remove(i);
            }
        }
    }
    bytes
}

const PIPELINE: &str = r#"county = "Fuzz"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"
[[inputs]]
table = "bookings"
path = "b.csv"
delimiter = "SEP"
null_values = ["", "NULL"]
[inputs.columns]
booking_id = "BKG"
person_id = "PID"
booked_at = "BOOKED"
[[inputs]]
table = "releases"
path = "b.csv"
delimiter = "SEP"
null_values = ["", "NULL"]
[inputs.columns]
booking_id = "BKG"
eligible_at = "ELIG"
released_at = "REL"
release_reason = "WHY"
[[inputs]]
table = "detainers"
path = "d.csv"
delimiter = "SEP"
[inputs.columns]
booking_id = "BKG"
person_id = "PID"
lodged_at = "LODGED"
lifted_at = "LIFTED"
form = "FORM"
warrant = "WARRANT"
"#;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_exports_never_panic_and_always_reconcile(
        bookings in proptest::collection::vec(row(6), 0..30),
        detainers in proptest::collection::vec(row(6), 0..12),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        semicolon in any::<bool>(),
    ) {
        let sep = if semicolon { ';' } else { ',' };
        let dir = tempfile::tempdir().unwrap();
        let h = |cols: &[&str]| cols.join(&sep.to_string());
        std::fs::write(
            dir.path().join("b.csv"),
            mutate(csv_text(&h(&["BKG", "PID", "BOOKED", "ELIG", "REL", "WHY"]), &bookings, sep), &edits),
        ).unwrap();
        std::fs::write(
            dir.path().join("d.csv"),
            csv_text(&h(&["BKG", "PID", "LODGED", "LIFTED", "FORM", "WARRANT"]), &detainers, sep),
        ).unwrap();
        let toml = PIPELINE.replace("SEP", &sep.to_string());
        std::fs::write(dir.path().join("p.toml"), toml).unwrap();

        let pipelines = config::load_all(&[dir.path().join("p.toml")]).unwrap();
        match schedule::process(pipelines, dir.path()) {
            Ok(mut counties) => {
                let c = counties.remove(0);
                let mut rejected = 0;
                for f in &c.files {
                    prop_assert_eq!(f.stats.rows_in, f.rows_used() + f.rows_rejected);
                    rejected += f.rows_rejected;
                }
                // The rows gathered for rejects/, counted one by one.
                let mut gathered = 0u64;
                c.rejects
                    .for_each_file(&c.pipeline, |df| {
                        gathered += df.height() as u64;
                        Ok(())
                    })
                    .unwrap();
                prop_assert_eq!(rejected, gathered);
            }
            Err(e) => {
                // Only a damaged header stops a run; it names the file.
                let msg = e.to_string();
                prop_assert!(msg.contains("b.csv"), "{}", msg);
            }
        }
    }
}
