//! A large county audited a part at a time, so that what its joins and
//! group-bys hold at once is bounded by the size of a part, not of the
//! county. Each part's hold rows go to a work file as soon as the part is
//! done (`kept`), and the outputs read them back merged.
//!
//! What it does: a county whose bookings, releases and charges files pass
//! [`BYTES_PER_PART`] (or `DETAINER_AUDIT_PARTITION_BYTES`) has its tables
//! (detainers too) staged straight into parts by a hash of the booking id
//! (`ingest::parts`), so they are never written whole and split again.
//! Every rule that joins or groups rows does so by booking id (duplicates,
//! the release and charges of a booking, orphans, the detainers given by
//! booking id, the holds), so each part
//! is audited on its own; the few steps that span bookings (`as_of`,
//! detainers keyed by person, the release-latency baseline, the monthly
//! counts) combine the parts' results (`audit::run`). A county of one part
//! is audited whole.
//!
//! Why: polars' joins and group-bys, and the id look-ups, hold a whole
//! table's keys in memory; a county of millions of bookings would need
//! gigabytes where a part needs a fixed amount.
//!
//! The number of parts does not depend on the staging budget or the
//! machine, only on the files, and the parts' results are combined so that
//! the outputs are the same byte for byte whatever the number of parts (a
//! test checks it).

use crate::config::{Format, Pipeline};
use crate::ingest::{Staged, StagedData};
use crate::model::Table;

/// Bytes of a county's bookings, releases and charges files per part:
/// about 125,000 bookings of the generated CSV exports, small enough that
/// a part's joins and look-ups stay small next to what the rest of the run
/// holds (a large county's audit, beside another county on the other
/// worker, sets the run's peak), large enough that the fixed cost of a
/// part's queries stays small next to its work (the measurements are in
/// bench/README.md).
pub const BYTES_PER_PART: u64 = 24 << 20;

/// A workbook or Parquet file is compressed: it counts this many times its
/// size (a rough ratio of their size to the same rows as CSV).
const COMPRESSED_WEIGHT: u64 = 4;

/// The environment variable that sets the bytes per part (for tests, and
/// machines short of memory).
pub const BYTES_PER_PART_ENV: &str = "DETAINER_AUDIT_PARTITION_BYTES";

/// How many parts a county is staged and audited in: one per
/// [`BYTES_PER_PART`] (or `DETAINER_AUDIT_PARTITION_BYTES`) of the files
/// its bookings, releases and charges are read from, each counted once
/// (at least one part). Decided from the files' sizes before they are
/// read, so that they can be staged straight into their parts.
pub fn parts_for(p: &Pipeline) -> usize {
    let per = std::env::var(BYTES_PER_PART_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(BYTES_PER_PART);
    parts_per(p, per)
}

/// [`parts_for`] with `per` bytes a part.
fn parts_per(p: &Pipeline, per: u64) -> usize {
    let mut files: Vec<(&std::path::Path, Format)> = p
        .inputs
        .iter()
        .filter(|i| i.table != Table::Detainers)
        .flat_map(|i| i.files.iter().map(move |f| (f.as_path(), i.format)))
        .collect();
    files.sort_by_key(|(f, _)| *f);
    files.dedup_by_key(|(f, _)| *f);
    let sizes: Vec<(u64, Format)> = files
        .iter()
        .map(|(f, format)| (std::fs::metadata(f).map_or(0, |m| m.len()), *format))
        .collect();
    parts_for_sizes(&sizes, per)
}

/// One part per `per` bytes of files of these sizes and formats.
fn parts_for_sizes(files: &[(u64, Format)], per: u64) -> usize {
    let bytes: u64 = files
        .iter()
        .map(|&(size, format)| match format {
            Format::Csv => size,
            _ => size.saturating_mul(COMPRESSED_WEIGHT),
        })
        .sum();
    bytes.div_ceil(per).max(1) as usize
}

/// The county's staged tables as `parts` lists of staged tables, one per
/// part. A table staged in parts gives each part its own; the county of
/// one part has its tables whole.
pub fn parts_of(staged: &[Staged]) -> Vec<Vec<Staged>> {
    let parts = staged
        .iter()
        .map(|s| match &s.rows {
            StagedData::Parts(p) => p.len(),
            _ => 1,
        })
        .max()
        .unwrap_or(1);
    (0..parts)
        .map(|k| {
            staged
                .iter()
                .map(|s| match &s.rows {
                    StagedData::Parts(p) => Staged {
                        rows: p[k].clone(),
                        ..s.clone()
                    },
                    // Every table of a county is staged in the same number
                    // of parts; a whole one is the county's only part.
                    _ => s.clone(),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_per_so_many_bytes_a_compressed_file_counting_four_times() {
        let mib = 1 << 20;
        let per = 48 * mib;
        assert_eq!(parts_for_sizes(&[], per), 1);
        assert_eq!(parts_for_sizes(&[(48 * mib, Format::Csv)], per), 1);
        assert_eq!(parts_for_sizes(&[(48 * mib + 1, Format::Csv)], per), 2);
        // 100 + 20 MiB of CSV: 120 / 48, rounded up.
        let csv = [(100 * mib, Format::Csv), (20 * mib, Format::Csv)];
        assert_eq!(parts_for_sizes(&csv, per), 3);
        // 30 MiB of Parquet counts as 120 MiB.
        assert_eq!(parts_for_sizes(&[(30 * mib, Format::Parquet)], per), 3);
    }

    #[test]
    fn a_file_read_as_bookings_and_releases_counts_once_and_detainers_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        // 1,000 bytes of bookings and releases, 500 of charges, 10,000 of
        // detainers.
        let file = |name: &str, bytes: usize| {
            let mut text = "BKG,BOOKED,RELEASED\n".to_string();
            text.push_str(&"x".repeat(bytes - text.len()));
            std::fs::write(data.join(name), text).unwrap();
        };
        file("b.csv", 1000);
        file("c.csv", 500);
        file("d.csv", 10_000);
        let toml = r#"
county = "Test"
state = "CA"
timezone = "America/Los_Angeles"

[[inputs]]
table = "bookings"
path = "data/b.csv"
[inputs.columns]
booking_id = "BKG"
booked_at = "BOOKED"

[[inputs]]
table = "releases"
path = "data/b.csv"
[inputs.columns]
booking_id = "BKG"
released_at = "RELEASED"

[[inputs]]
table = "charges"
path = "data/c.csv"
[inputs.columns]
booking_id = "BKG"

[[inputs]]
table = "detainers"
path = "data/d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "BOOKED"
"#;
        let path = dir.path().join("test.toml");
        std::fs::write(&path, toml).unwrap();
        let p = crate::config::load_all(&[path]).unwrap().remove(0);
        // 1,500 bytes: one part per 1,500 or more, 3 per 700 (2,500 bytes,
        // b.csv twice, would be 4; with the detainers, 18).
        assert_eq!(parts_per(&p, 1500), 1);
        assert_eq!(parts_per(&p, 1499), 2);
        assert_eq!(parts_per(&p, 700), 3);
    }
}
