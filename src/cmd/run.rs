//! `detainer-audit run`: every output of SPEC 6 for the pipelines given.

use super::{over_reject_rate, process_each, County, WorkDir};
use crate::ingest;
use crate::outputs::{
    self, class, holds::holds_frame, manifest::*, summary::summary_frame, OutputError, Written,
};
use crate::progress::Progress;
use std::path::{Path, PathBuf};

/// What a run did, for the exit status.
pub struct RunReport {
    pub over_limit: Vec<String>,
    pub counties: usize,
    pub holds: usize,
    pub flagged: usize,
    pub members: usize,
    pub rejected: u64,
}

/// Options of `run` beyond the pipelines and `--out`.
pub struct RunOptions {
    /// Replace an `--out` this tool did not write.
    pub force: bool,
    /// Class-list CSV with a UTF-8 BOM and CRLF line ends, as Excel expects.
    pub excel_csv: bool,
    /// Rows per workbook sheet, header included (Excel's limit by default).
    pub xlsx_max_rows: usize,
    /// Names, dates of birth and ids replaced by keyed pseudonyms.
    pub privacy: outputs::privacy::Privacy,
}

/// The rejects with their raw values pseudonymized (when asked).
fn pseudonymize_raw(
    rejects: &polars::prelude::DataFrame,
    privacy: &outputs::privacy::Privacy,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    if !privacy.is_on() {
        return Ok(rejects.clone());
    }
    let raw: Vec<Option<String>> = crate::rules::frame::strs(rejects, "raw")?
        .into_iter()
        .map(|r| r.map(|r| privacy.raw(&r)))
        .collect();
    let mut df = rejects.clone();
    df.with_column(Column::new("raw".into(), raw))?;
    Ok(df)
}

/// Rejects counted by table, file and reason, for the workbook.
fn reject_counts(
    rejects: &polars::prelude::DataFrame,
) -> polars::prelude::PolarsResult<Vec<(String, String, String, u64)>> {
    use crate::rules::frame::strs;
    let tables = strs(rejects, "table")?;
    let files = strs(rejects, ingest::SOURCE_FILE)?;
    let reasons = strs(rejects, "reason")?;
    let mut counts: std::collections::BTreeMap<(String, String, String), u64> = Default::default();
    for i in 0..rejects.height() {
        let key = (
            tables[i].clone().unwrap_or_default(),
            files[i].clone().unwrap_or_default(),
            reasons[i].clone().unwrap_or_default(),
        );
        *counts.entry(key).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|((t, f, r), n)| (t, f, r, n))
        .collect())
}

/// A county after its own outputs are written: its rejects are on disk and
/// only their counts are kept.
struct Done {
    pipeline: crate::config::Pipeline,
    audit: crate::rules::Audit,
    files: Vec<super::Reconciled>,
    reject_counts: Vec<(String, String, String, u64)>,
    rejected: u64,
    over_limit: Vec<String>,
    written: Vec<Written>,
    members: Vec<class::Member>,
    duplicates: Vec<(String, crate::rules::person::PossibleDuplicate)>,
}

/// Writes a county's summary, holds and rejects under `partial`.
fn write_county(c: County, partial: &Path, opts: &RunOptions) -> anyhow::Result<Done> {
    let slug = &c.pipeline.slug;
    let out = partial;
    let mut written = Vec::new();
    let mut df = summary_frame(&c.pipeline, &c.audit).map_err(polars_at(out))?;
    written.push(outputs::write_parquet(
        partial,
        &format!("summary/county={slug}/part-0.parquet"),
        &mut df,
    )?);
    let mut df = holds_frame(&c.pipeline, &c.audit.holds, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(
            partial,
            &format!("holds/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    let mut df = pseudonymize_raw(&c.rejects, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(
            partial,
            &format!("rejects/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    Ok(Done {
        reject_counts: reject_counts(&c.rejects).map_err(polars_at(out))?,
        rejected: c.rejects.height() as u64,
        over_limit: over_reject_rate(&c),
        members: class::members(&c.pipeline, &c.audit.holds),
        duplicates: class::county_duplicates(&c.pipeline, &c.audit.holds),
        written,
        pipeline: c.pipeline,
        audit: c.audit,
        files: c.files,
    })
}

pub fn run(
    pipeline_args: &[PathBuf],
    out: &Path,
    opts: &RunOptions,
    progress: &Progress,
) -> anyhow::Result<RunReport> {
    let files = crate::config::expand_arguments(pipeline_args)?;
    let pipelines = crate::config::load_all(&files)?;
    check_out(out, opts.force)?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(outputs::io_err(parent))?;
    let work = WorkDir::new(parent)?;

    // Everything is written to a fresh folder beside `out`, then swapped in.
    // Each county's own outputs are written as soon as it is audited.
    let partial = work.0.join("out");
    std::fs::create_dir_all(&partial).map_err(outputs::io_err(&partial))?;
    let counties = process_each(pipelines, &work.0, progress, |c| {
        write_county(c, &partial, opts)
    })?;
    progress.phase("writing class lists");
    let mut written: Vec<Written> = Vec::new();
    let mut members = Vec::new();
    let mut duplicates = Vec::new();
    let mut counties = counties;
    for c in &mut counties {
        written.append(&mut c.written);
        members.append(&mut c.members);
        duplicates.append(&mut c.duplicates);
    }
    // One zone for the whole list where the counties share one.
    let tz = match counties.first() {
        Some(c) if counties.iter().all(|o| o.pipeline.tz == c.pipeline.tz) => c.pipeline.tz,
        _ => chrono_tz::UTC,
    };
    let parts = counties
        .iter()
        .map(|c| outputs::workbook::CountyPart {
            pipeline: &c.pipeline,
            audit: &c.audit,
            rejects: c.reject_counts.clone(),
        })
        .collect::<Vec<_>>();
    // The workbook (the slowest file: one call per cell) is written on its
    // own thread while the Parquet and CSV class lists are written here.
    let (class_files, workbook) = std::thread::scope(|scope| {
        let workbook = scope.spawn(|| -> anyhow::Result<Written> {
            let path = partial.join("class_members.xlsx");
            outputs::workbook::write(
                &path,
                &outputs::workbook::tables(&parts, &members, &tz, &opts.privacy),
                opts.xlsx_max_rows,
            )
            .map_err(|source| OutputError::Xlsx {
                path: path.clone(),
                source,
            })?;
            Ok(private(
                outputs::finish(&partial, "class_members.xlsx", members.len() as u64)?,
                &partial,
            )?)
        });
        let class_files = class_files(&partial, out, &members, &duplicates, &tz, opts);
        let workbook = workbook
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the workbook writer panicked")));
        (class_files, workbook)
    });
    written.extend(class_files?);
    written.push(workbook?);

    let manifest = manifest(&counties, written)?;
    let path = partial.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| OutputError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&path, text + "\n").map_err(outputs::io_err(&path))?;
    pause_for_tests();
    swap_into_place(&partial, out)?;

    progress.finish();
    Ok(RunReport {
        over_limit: counties.iter().flat_map(|c| c.over_limit.clone()).collect(),
        counties: counties.len(),
        holds: counties.iter().map(|c| c.audit.holds.len()).sum(),
        flagged: counties
            .iter()
            .map(|c| c.audit.holds.iter().filter(|h| h.flagged).count())
            .sum(),
        members: members.len(),
        rejected: counties.iter().map(|c| c.rejected).sum(),
    })
}

/// `class_members.parquet`, `possible_duplicates.parquet` and
/// `class_members.csv`.
fn class_files(
    partial: &Path,
    out: &Path,
    members: &[class::Member],
    duplicates: &[(String, crate::rules::person::PossibleDuplicate)],
    tz: &chrono_tz::Tz,
    opts: &RunOptions,
) -> anyhow::Result<Vec<Written>> {
    let mut written = Vec::new();
    let mut df = class::members_frame(members, tz.name(), &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(partial, "class_members.parquet", &mut df)?,
        partial,
    )?);
    drop(df);
    let mut df = class::duplicates_frame(duplicates, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(partial, "possible_duplicates.parquet", &mut df)?,
        partial,
    )?);
    let path = partial.join("class_members.csv");
    let file = std::fs::File::create(&path).map_err(outputs::io_err(&path))?;
    let csv_err = |e: csv::Error| OutputError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    };
    let mut file = class::members_csv(
        std::io::BufWriter::new(file),
        members,
        tz,
        opts.excel_csv,
        &opts.privacy,
    )
    .map_err(csv_err)?;
    std::io::Write::flush(&mut file).map_err(outputs::io_err(&path))?;
    drop(file);
    written.push(private(
        outputs::finish(partial, "class_members.csv", members.len() as u64)?,
        partial,
    )?);
    Ok(written)
}

/// Test hook: `DETAINER_AUDIT_PAUSE_BEFORE_PUBLISH_MS` makes a run wait,
/// outputs complete but not yet in place, so a test can kill it there.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("DETAINER_AUDIT_PAUSE_BEFORE_PUBLISH_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

fn polars_at(out: &Path) -> impl FnOnce(polars::prelude::PolarsError) -> OutputError + '_ {
    move |source| OutputError::Polars {
        path: out.to_path_buf(),
        source,
    }
}

/// Files with names, birth dates or raw rows are readable by their owner
/// only.
fn private(w: Written, root: &Path) -> Result<Written, OutputError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = root.join(&w.rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(outputs::io_err(&path))?;
    }
    #[cfg(not(unix))]
    let _ = root;
    Ok(w)
}

/// Refuses an `--out` that holds something this tool did not write.
fn check_out(out: &Path, force: bool) -> Result<(), OutputError> {
    if force || !out.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if empty || out.join("manifest.json").is_file() {
        Ok(())
    } else {
        Err(OutputError::Foreign {
            path: out.to_path_buf(),
        })
    }
}

/// Moves the finished outputs into place: the old `out` is set aside first
/// and removed only once the new one is there.
fn swap_into_place(partial: &Path, out: &Path) -> Result<(), OutputError> {
    let old = out.with_file_name(format!(
        ".{}.old-{}",
        out.file_name()
            .map_or("out".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    if out.exists() {
        std::fs::rename(out, &old).map_err(outputs::io_err(out))?;
    }
    std::fs::rename(partial, out).map_err(outputs::io_err(out))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(outputs::io_err(&old))?;
    }
    Ok(())
}

fn manifest(counties: &[Done], written: Vec<Written>) -> Result<Manifest, OutputError> {
    let mut pipelines = Vec::new();
    for c in counties {
        let p = &c.pipeline;
        let sha256 = ingest::sha256_file(&p.file).map_err(outputs::io_err(&p.file))?;
        let inputs = p
            .inputs
            .iter()
            .map(|input| InputEntry {
                index: input.index,
                table: input.table.name().to_string(),
                path: input.pattern.clone(),
                files: c
                    .files
                    .iter()
                    .filter(|f| f.input == input.index)
                    .map(|f| FileEntry {
                        path: f.stats.display.clone(),
                        sha256: f.stats.sha256.clone(),
                        rows_in: f.stats.rows_in,
                        rows_used: f.rows_used(),
                        rows_rejected: f.rows_rejected,
                        rejected_by_reason: f.rejected_by_reason.clone(),
                        unmapped_codes: f.stats.unmapped.clone(),
                    })
                    .collect(),
            })
            .collect();
        pipelines.push(PipelineEntry {
            file: p.file.to_string_lossy().replace('\\', "/"),
            sha256,
            county: p.county.clone(),
            slug: p.slug.clone(),
            timezone: p.tz.name().to_string(),
            as_of: outputs::local_text(c.audit.as_of, &p.tz),
            as_of_source: c.audit.as_of_source.to_string(),
            inputs,
        });
    }
    Ok(Manifest {
        tool: "detainer-audit",
        version: env!("CARGO_PKG_VERSION"),
        pipelines,
        outputs: written
            .into_iter()
            .map(|w| OutputEntry {
                path: w.rel,
                sha256: w.sha256,
                rows: w.rows,
            })
            .collect(),
    })
}
