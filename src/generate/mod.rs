//! Synthetic jail exports: real California county names, invented
//! people, each county in one of three export dialects, with a pipeline file
//! for each.
//!
//! The generator owns three things: the simulation of a county jail
//! (`model`: bookings, release latency, detainer holds, and the hard cases
//! and bad rows planted on purpose), the rendering of that simulation in a
//! dialect (`dialects`), and the files. Output depends only on the options:
//! each county draws from its own ChaCha8 stream of the seed, nothing reads
//! the clock, and nothing iterates a hash map, so the same options give
//! byte-identical files and counties can be made in parallel (rayon).
//!
//! Besides the export files, each county directory gets `planted.csv`: the
//! bad rows and hard cases planted in it, by booking id, so that tests can
//! check the audit against them. No pipeline reads it.

mod dialects;
mod model;
mod names;

use std::path::{Component, Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::generate::dialects::{Csv, Ctx, Dialect};
use crate::generate::model::{Defect, Plan};
use crate::progress::{Progress, Task, Unit};

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub seed: u64,
    /// How many counties, in alphabetical order; 3 = the bundled sample set.
    pub counties: usize,
    /// First booking year (default 2011).
    pub from_year: i32,
    /// Last booking year, inclusive (default 2026).
    pub to_year: i32,
    /// Statewide bookings per year, split evenly across the counties.
    pub bookings_per_year: u64,
    /// Where exports go: `<data_dir>/<slug>/...`.
    pub data_dir: PathBuf,
    /// Where `<slug>.toml` goes.
    pub pipelines_dir: PathBuf,
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct GenerateSummary {
    pub counties: Vec<CountySummary>,
}

#[derive(Clone, Debug)]
pub struct CountySummary {
    pub county: String,
    pub slug: String,
    pub dialect: &'static str,
    /// Distinct bookings (duplicate rows planted on purpose not counted).
    pub bookings: u64,
    /// Every file written for the county: data files, `planted.csv`, and
    /// the pipeline file last.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot create directory {}: check the path and its permissions", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: check the path and its permissions", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot resolve {}", path.display())]
    Resolve {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid generate options: {0}")]
    InvalidOptions(String),
}

/// The synthetic exports are taken on this date: no event is on or after
/// it, and bookings of later years are not made.
const EXPORT_DATE: (i32, u32, u32) = (2026, 6, 30);

/// When the export of a run ending with `to_year` was taken: the start of
/// the next year, or [`EXPORT_DATE`] if that is earlier.
pub fn as_of(to_year: i32) -> NaiveDateTime {
    let (y, m, d) = EXPORT_DATE;
    let export = NaiveDate::from_ymd_opt(y, m, d).expect("EXPORT_DATE is a valid date");
    let next_year = NaiveDate::from_ymd_opt(to_year.saturating_add(1), 1, 1).unwrap_or(export);
    next_year
        .min(export)
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
}

/// The slug of a county name, as the pipeline reader derives it
/// ("Contra Costa" -> "contra-costa").
pub fn slug(county: &str) -> String {
    crate::config::slugify(county)
}

/// Generates the exports and pipeline files.
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary, GenerateError> {
    let progress = Progress::with_visibility(false, 0, Unit::Rows);
    generate_with(opts, &progress)
}

/// [`generate`], showing each county at work and the bookings written.
pub fn generate_with(
    opts: &GenerateOptions,
    progress: &Progress,
) -> Result<GenerateSummary, GenerateError> {
    validate(opts)?;
    progress.phase(&format!("{} counties", opts.counties));
    let as_of = as_of(opts.to_year);
    create_dir(&opts.pipelines_dir)?;
    create_dir(&opts.data_dir)?;
    let data_path = relative_path(&opts.pipelines_dir, &opts.data_dir)?;
    let counties = in_parallel(opts.counties, |i| {
        let task = progress.task(&slug(names::CA_COUNTIES[i]));
        let c = county(opts, i, as_of, &data_path, &task);
        task.done();
        if let Ok(c) = &c {
            progress.inc(c.bookings);
        }
        c
    })
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    Ok(GenerateSummary { counties })
}

/// `f(0..n)` in parallel (rayon), results in index order: each county has
/// its own random stream, so the order of work does not change the output.
fn in_parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    use rayon::prelude::*;
    (0..n).into_par_iter().map(f).collect()
}

fn validate(opts: &GenerateOptions) -> Result<(), GenerateError> {
    let max = names::CA_COUNTIES.len();
    if opts.counties == 0 || opts.counties > max {
        return Err(GenerateError::InvalidOptions(format!(
            "counties must be 1 to {max} (California has {max}), not {}",
            opts.counties
        )));
    }
    if opts.from_year > opts.to_year {
        return Err(GenerateError::InvalidOptions(format!(
            "from_year {} is after to_year {}",
            opts.from_year, opts.to_year
        )));
    }
    let (export_year, _, _) = EXPORT_DATE;
    if opts.from_year < 2008 || opts.from_year > export_year {
        return Err(GenerateError::InvalidOptions(format!(
            "from_year must be 2008 to {export_year} (DST rules since 2007, exports taken in {export_year}), not {}",
            opts.from_year
        )));
    }
    Ok(())
}

fn create_dir(path: &Path) -> Result<(), GenerateError> {
    std::fs::create_dir_all(path).map_err(|source| GenerateError::CreateDir {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: PathBuf, bytes: &[u8]) -> Result<PathBuf, GenerateError> {
    match std::fs::write(&path, bytes) {
        Ok(()) => Ok(path),
        Err(source) => Err(GenerateError::Write { path, source }),
    }
}

/// `to` relative to the directory `from`, with `/` separators, as pipeline
/// files want it (paths in them are relative to the file).
fn relative_path(from: &Path, to: &Path) -> Result<String, GenerateError> {
    let abs = |p: &Path| {
        std::path::absolute(p).map_err(|source| GenerateError::Resolve {
            path: p.to_path_buf(),
            source,
        })
    };
    // Lexically normalized parts; a root or prefix is kept as a part so two
    // paths on different roots share nothing.
    let normal = |p: PathBuf| -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c.as_os_str().to_os_string()),
            }
        }
        out
    };
    let from = normal(abs(from)?);
    let to = normal(abs(to)?);
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.to_string_lossy().into_owned()),
    );
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

fn county(
    opts: &GenerateOptions,
    index: usize,
    as_of: NaiveDateTime,
    data_path: &str,
    task: &Task,
) -> Result<CountySummary, GenerateError> {
    let name = names::CA_COUNTIES[index];
    let slug = slug(name);
    let dialect = Dialect::ALL[index % Dialect::ALL.len()];
    let n = opts.counties as u64;
    let per_year =
        opts.bookings_per_year / n + u64::from((index as u64) < opts.bookings_per_year % n);

    // One stream of the seed per county: counties are independent of each
    // other and of the order they are made in.
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(index as u64);
    task.message(&format!("simulating {} bookings a year", per_year));
    let sim = model::simulate(
        &mut rng,
        Plan {
            from_year: opts.from_year,
            to_year: opts.to_year,
            bookings_per_year: per_year,
            as_of,
        },
    );

    let ctx = Ctx {
        county: name,
        data_path: format!("{data_path}/{slug}"),
        as_of,
        seed: opts.seed,
    };
    task.rows(sim.bookings.len() as u64);
    task.message("writing the export");
    let rendered = dialect.render(&sim, &ctx);
    let dir = opts.data_dir.join(&slug);
    create_dir(&dir)?;
    let mut files = Vec::new();
    for (file, bytes) in &rendered.files {
        files.push(write(dir.join(file), bytes)?);
    }
    files.push(write(
        dir.join("planted.csv"),
        planted(&sim, dialect).as_bytes(),
    )?);
    files.push(write(
        opts.pipelines_dir.join(format!("{slug}.toml")),
        rendered.pipeline.as_bytes(),
    )?);
    Ok(CountySummary {
        county: name.to_string(),
        slug,
        dialect: dialect.name(),
        bookings: sim.bookings.iter().filter(|b| !b.duplicate_row).count() as u64,
        files,
    })
}

/// The list of planted bad rows and hard cases of a county.
fn planted(sim: &model::County, dialect: Dialect) -> String {
    let mut csv = Csv::new(',', "\n");
    csv.row(&["kind", "name", "booking_id", "person_id", "file", "note"]);
    let mut rows: Vec<[String; 6]> = Vec::new();
    for b in sim.bookings.iter().filter(|b| !b.duplicate_row) {
        let booking = dialect.booking_id(&b.key);
        let person = dialect.person_id(sim.people[b.person].num);
        if let Some(d) = b.defect {
            rows.push([
                "defect".into(),
                d.name().into(),
                booking.clone(),
                person.clone(),
                dialect.bookings_file(b),
                dialect.defect_note(d).into(),
            ]);
        }
        if let Some(s) = b.scenario {
            rows.push([
                "case".into(),
                format!("{s:?}"),
                booking,
                person,
                dialect.bookings_file(b),
                String::new(),
            ]);
        }
    }
    for o in &sim.orphans {
        rows.push([
            "defect".into(),
            Defect::OrphanDetainer.name().into(),
            dialect.booking_id(&o.key),
            dialect.person_id(o.person_num),
            dialect.detainers_file().into(),
            dialect.defect_note(Defect::OrphanDetainer).into(),
        ]);
    }
    rows.sort_by(|a, b| (&a[0], &a[1], &a[2]).cmp(&(&b[0], &b[1], &b[2])));
    for r in &rows {
        csv.row(r);
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(dir: &Path, seed: u64) -> GenerateOptions {
        GenerateOptions {
            seed,
            counties: 3,
            from_year: 2013,
            to_year: 2026,
            bookings_per_year: 150,
            data_dir: dir.join("data"),
            pipelines_dir: dir.join("pipelines"),
        }
    }

    /// A fresh directory under the target directory (no tempfile crate here).
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
            assert!(
                lines.next().is_some_and(
                    |l| l.starts_with("SHERIFF'S OFFICE - JAIL MANAGEMENT SYSTEM EXPORT")
                )
            );
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
    fn every_name_is_windows_1252() {
        let all = names::FIRST_NAMES_MALE
            .iter()
            .chain(names::FIRST_NAMES_FEMALE)
            .chain(names::LAST_NAMES)
            .chain(names::MIDDLE_NAMES);
        for name in all {
            for n in [name.to_string(), name.to_uppercase()] {
                let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&n);
                assert!(!unmappable, "{n} is not in Windows-1252");
            }
        }
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
        let charges =
            std::fs::read_to_string(dir.join("data/amador/charges.csv")).expect("written");
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
    fn slugs_and_relative_paths() {
        assert_eq!(slug("Contra Costa"), "contra-costa");
        assert_eq!(slug("San Luis Obispo"), "san-luis-obispo");
        assert_eq!(
            relative_path(Path::new("pipelines"), Path::new("sample_data")).expect("resolves"),
            "../sample_data"
        );
        assert_eq!(
            relative_path(Path::new("/x/a/p"), Path::new("/x/b")).expect("resolves"),
            "../../b"
        );
        assert_eq!(as_of(2026).to_string(), "2026-06-30 00:00:00");
        assert_eq!(as_of(2019).to_string(), "2020-01-01 00:00:00");
    }
}
