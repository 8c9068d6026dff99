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
//!
//! This file holds the options, the summary and the errors, and the driver
//! that checks the options and makes the counties in parallel, showing
//! their progress. The rest:
//!
//! - `county`: one county made and written: its random stream, the
//!   simulation, the dialect's files and the pipeline file;
//! - `planted`: the county's `planted.csv`;
//! - `files`: directories, writes, and the data folder's path as the
//!   pipeline file gives it;
//! - `names`: the word lists people, charges and facilities are drawn from;
//! - `tests`: the generator as callers use it, files and all.

mod county;
mod dialects;
mod files;
mod model;
mod names;
mod planted;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};

use crate::generate::files::{create_dir, relative_path};
use crate::progress::{Progress, Unit};

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
    /// Statewide bookings per year, split across the counties per `sizes`.
    pub bookings_per_year: u64,
    /// How the bookings are split across the counties.
    pub sizes: CountySizes,
    /// Where exports go: `<data_dir>/<slug>/...`.
    pub data_dir: PathBuf,
    /// Where `<slug>.toml` goes.
    pub pipelines_dir: PathBuf,
}

/// How a state's bookings are split across its counties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CountySizes {
    /// The same number for every county (the bundled sample).
    #[default]
    Even,
    /// In proportion to each county's population (`names::CA_POPULATION`),
    /// as real states are: a few counties hold most bookings.
    Population,
}

/// Bookings per year of each of the first `counties` counties: `total`
/// split per `sizes`, the rounding remainder given one by one to the
/// counties that lost the most to it (the first ones when they tie), so
/// that the counts add up to `total`.
pub fn split_bookings(total: u64, counties: usize, sizes: CountySizes) -> Vec<u64> {
    let weights: Vec<u64> = match sizes {
        CountySizes::Even => vec![1; counties],
        CountySizes::Population => names::CA_POPULATION[..counties]
            .iter()
            .map(|&p| u64::from(p))
            .collect(),
    };
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut shares: Vec<u64> = weights
        .iter()
        .map(|w| (u128::from(total) * u128::from(*w) / u128::from(sum)) as u64)
        .collect();
    let mut left = total - shares.iter().sum::<u64>();
    let mut by_loss: Vec<usize> = (0..counties).collect();
    // What each county lost to rounding down, as a fraction of `sum`.
    let loss = |i: usize| (u128::from(total) * u128::from(weights[i])) % u128::from(sum);
    by_loss.sort_by(|&a, &b| loss(b).cmp(&loss(a)).then(a.cmp(&b)));
    for i in by_loss {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
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
        let c = county::county(opts, i, as_of, &data_path, &task);
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
