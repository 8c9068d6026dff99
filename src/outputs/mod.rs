//! The outputs: holds, summary, class members, rejects, manifest.
//!
//! Only this module writes result files. Everything is written into a
//! private folder beside `--out` and moved into place when the whole run has
//! succeeded, so a reader never finds half a result. Rows are sorted and no
//! clock time is written, so the same inputs give byte-identical files.

pub mod class;
pub mod class_lists;
pub mod county;
pub mod holds;
pub mod lock;
pub mod manifest;
pub mod method;
pub mod place;
pub mod privacy;
pub mod publish;
pub mod report;
pub mod row_groups;
pub mod runs;
pub mod space;
pub mod spill;
pub mod summary;
pub mod workbook;

use polars::prelude::*;
use std::path::{Path, PathBuf};

/// How a run writes its outputs (`run`'s options beyond the pipelines and
/// `--out`).
pub struct Options {
    /// Replace an `--out` this tool did not write.
    pub force: bool,
    /// Class-list CSV with a UTF-8 BOM and CRLF line ends, as Excel expects.
    pub excel_csv: bool,
    /// Rows per workbook sheet, header included (Excel's limit by default).
    pub xlsx_max_rows: usize,
    /// Names, dates of birth and ids replaced by keyed pseudonyms.
    pub privacy: privacy::Privacy,
    /// Write `report.html`.
    pub report: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: cannot write: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Polars {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("{}: cannot write the workbook: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("{}: exists and was not written by detainer-audit (no manifest.json); \
             choose another --out or remove it", path.display())]
    Foreign { path: PathBuf },
    #[error("{}: refusing to replace it with this run's outputs: {why}; choose another \
             --out (--force does not change this)", path.display())]
    Refused { path: PathBuf, why: String },
    #[error("{}: another detainer-audit run{} is writing to {}; wait for it to end, or \
             choose another --out", lock.display(), holder_text(holder), out.display())]
    Busy {
        out: PathBuf,
        lock: PathBuf,
        holder: String,
    },
    #[error("{}: the lock file of --out is a symbolic link or not a file; it is not \
             followed: remove it", path.display())]
    LockLink { path: PathBuf },
}

fn holder_text(holder: &str) -> String {
    if holder.is_empty() {
        String::new()
    } else {
        format!(" ({holder})")
    }
}

/// A file written, for the manifest.
#[derive(Debug, Clone)]
pub struct Written {
    /// Path relative to `--out`, with `/`.
    pub rel: String,
    pub sha256: String,
    pub rows: u64,
}

pub fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Maps a polars error to an [`OutputError`] naming `out`.
pub fn polars_at(out: &Path) -> impl FnOnce(PolarsError) -> OutputError + '_ {
    move |source| OutputError::Polars {
        path: out.to_path_buf(),
        source,
    }
}

/// Rows per Parquet row group.
pub const PARQUET_ROW_GROUP: usize = 128 * 1024;

/// The Parquet writer of every output: zstd, statistics, one row group per
/// [`PARQUET_ROW_GROUP`] rows.
fn parquet_writer<W: std::io::Write>(w: W) -> ParquetWriter<W> {
    ParquetWriter::new(w)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(PARQUET_ROW_GROUP))
}

/// Writes `df` as Parquet at `root/rel` (see [`parquet_writer`]) and returns
/// what the manifest records.
pub fn write_parquet(root: &Path, rel: &str, df: &mut DataFrame) -> Result<Written, OutputError> {
    let path = root.join(rel);
    if let Some(dir) = Path::new(rel).parent() {
        publish::dirs_under(root, dir)?;
    }
    let file = std::fs::File::create(&path).map_err(io_err(&path))?;
    // Buffered: polars writes a Parquet footer field by field, and each
    // field unbuffered would be a system call of its own.
    let mut file = std::io::BufWriter::with_capacity(1 << 16, file);
    parquet_writer(&mut file)
        .finish(df)
        .map_err(|source| OutputError::Polars {
            path: path.clone(),
            source,
        })?;
    std::io::Write::flush(&mut file).map_err(io_err(&path))?;
    drop(file);
    finish(root, rel, df.height() as u64)
}

/// Records a file written under `root`.
pub fn finish(root: &Path, rel: &str, rows: u64) -> Result<Written, OutputError> {
    let path = root.join(rel);
    let sha256 = crate::ingest::sha256_file(&path).map_err(io_err(&path))?;
    Ok(Written {
        rel: rel.to_string(),
        sha256,
        rows,
    })
}

/// A UTC-microsecond column as timestamps in `tz`.
pub fn datetime_column(name: &str, values: Vec<Option<i64>>, tz: &str) -> PolarsResult<Column> {
    let tz = TimeZone::opt_try_new(Some(tz))?;
    Column::new(name.into(), values).cast(&DataType::Datetime(TimeUnit::Microseconds, tz))
}

/// Days since 1970-01-01 as a date column.
pub fn date_column(name: &str, values: Vec<Option<i32>>) -> PolarsResult<Column> {
    Column::new(name.into(), values).cast(&DataType::Date)
}

/// Local time text of a UTC-microsecond instant, for CSV.
pub fn local_text(micros: i64, tz: &chrono_tz::Tz) -> String {
    crate::calendar::local_datetime(micros, tz)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Linear-interpolated quantile of sorted values (as polars'
/// `QuantileMethod::Linear` and DuckDB's `quantile_cont`).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate_linearly() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 10.0], 0.5), Some(2.5));
        let p90 = quantile(&[1.0, 2.0, 3.0, 10.0], 0.9).unwrap();
        assert!((p90 - 7.9).abs() < 1e-9, "{p90}");
        assert_eq!(quantile(&[4.0], 0.9), Some(4.0));
    }
}
