//! `detainer-audit run`: every output (README.md, "Outputs") for the pipelines given.

use crate::county::{over_reject_rate, County, Reconciled, WorkDir};
use crate::ingest;
use crate::outputs::{
    self, class, holds::holds_frame, manifest::*, summary::summary_frame, OutputError, Written,
};
use crate::progress::Progress;
use crate::schedule::process_each;
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

/// A county after its own outputs are written: its rejects, holds, class
/// members and workbook rows are on disk (outputs or the work folder) and
/// only counts and small tables are kept, so memory does not grow with the
/// number of counties.
struct Done {
    index: usize,
    pipeline: crate::config::Pipeline,
    as_of: i64,
    as_of_source: &'static str,
    files: Vec<Reconciled>,
    reject_counts: Vec<(String, String, String, u64)>,
    rejected: u64,
    over_limit: Vec<String>,
    written: Vec<Written>,
    holds: usize,
    flagged: usize,
    /// The county's class members, spilled (see `outputs::spill`).
    members: PathBuf,
    members_count: usize,
    /// The county's rows of the workbook's Flagged holds sheet, spilled.
    flagged_rows: PathBuf,
    duplicates: Vec<(String, crate::rules::person::PossibleDuplicate)>,
    summary_rows: Vec<Vec<outputs::workbook::Cell>>,
}

/// Writes a county's summary, holds and rejects under `partial`, and its
/// class members and workbook rows to `spill` (the work folder).
fn write_county(
    c: County,
    partial: &Path,
    spill: &Path,
    opts: &RunOptions,
) -> anyhow::Result<Done> {
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
    drop(df);
    let mut df = outputs::holds::hold_detainers_frame(&c.pipeline, &c.audit.holds, &opts.privacy)
        .map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(
            partial,
            &format!("hold_detainers/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    drop(df);
    let mut df = pseudonymize_raw(&c.rejects, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(
            partial,
            &format!("rejects/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    drop(df);

    static SPILLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SPILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spill_err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| OutputError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    let members = class::members(&c.pipeline, &c.audit.holds);
    let members_path = spill.join(format!("spill{n:04}.members.csv"));
    outputs::spill::write_members(&members_path, &members).map_err(spill_err(&members_path))?;
    let flagged_path = spill.join(format!("spill{n:04}.flagged.csv"));
    let flagged = outputs::spill::write_cells(
        &flagged_path,
        outputs::workbook::flagged_rows(&c.pipeline, &c.audit.holds, &opts.privacy),
    )
    .map_err(spill_err(&flagged_path))?;
    Ok(Done {
        reject_counts: reject_counts(&c.rejects).map_err(polars_at(out))?,
        rejected: c.rejects.height() as u64,
        over_limit: over_reject_rate(&c),
        members_count: members.len(),
        members: members_path,
        flagged_rows: flagged_path,
        holds: c.audit.holds.len(),
        flagged: flagged as usize,
        duplicates: class::county_duplicates(&c.pipeline, &c.audit.holds),
        summary_rows: outputs::workbook::summary_rows(&c.pipeline, &c.audit),
        written,
        as_of: c.audit.as_of,
        as_of_source: c.audit.as_of_source,
        index: c.index,
        pipeline: c.pipeline,
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
    // One zone for the whole list where the counties share one.
    let tz = match pipelines.first() {
        Some(p) if pipelines.iter().all(|o| o.tz == p.tz) => p.tz,
        _ => chrono_tz::UTC,
    };
    // Subclass columns: every pipeline's `[[class.subclasses]]`, in order.
    let mut subclasses: Vec<String> = Vec::new();
    for p in &pipelines {
        for sc in &p.class.subclasses {
            if !subclasses.contains(&sc.name) {
                subclasses.push(sc.name.clone());
            }
        }
    }

    // The workbook's long sheets are written while the counties are
    // audited, in county order, by a thread of their own: the workbook is
    // the slowest output (one call per cell), and written at the end it
    // left a core idle for a sixth of a statewide run.
    let (counties, long_sheets) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, PathBuf, PathBuf)>();
        let sheets = scope.spawn(|| long_sheets(rx, &subclasses, &tz, opts));
        let counties = process_each(pipelines, &work.0, progress, |c| {
            let done = write_county(c, &partial, &work.0, opts)?;
            // A closed channel means the workbook thread failed; its error
            // is reported below.
            let _ = tx.send((done.index, done.members.clone(), done.flagged_rows.clone()));
            Ok::<_, anyhow::Error>(done)
        });
        drop(tx);
        let sheets = sheets
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the workbook writer panicked")));
        (counties, sheets)
    });
    let mut counties = counties?;
    let (book, member_sheets, flagged_sheets) = long_sheets?;
    progress.phase("writing class lists");
    let mut written: Vec<Written> = Vec::new();
    let mut duplicates = Vec::new();
    for c in &mut counties {
        written.append(&mut c.written);
        duplicates.append(&mut c.duplicates);
    }
    let members_count: usize = counties.iter().map(|c| c.members_count).sum();

    let parts = counties
        .iter()
        .map(|c| outputs::workbook::CountyPart {
            pipeline: &c.pipeline,
            as_of: c.as_of,
            summary: c.summary_rows.clone(),
            rejects: c.reject_counts.clone(),
        })
        .collect::<Vec<_>>();
    // The workbook is finished (small sheets, then zipped) on its own thread
    // while the Parquet and CSV class lists are written here.
    let (class_files, workbook) = std::thread::scope(|scope| {
        let workbook = scope.spawn(|| -> anyhow::Result<Written> {
            let path = partial.join("class_members.xlsx");
            crate::progress::step("workbook", || {
                outputs::workbook::finish(
                    book,
                    &path,
                    &parts,
                    member_sheets,
                    flagged_sheets,
                    &opts.privacy,
                )
            })
            .map_err(|source| OutputError::Xlsx {
                path: path.clone(),
                source,
            })?;
            Ok(private(
                outputs::finish(&partial, "class_members.xlsx", members_count as u64)?,
                &partial,
            )?)
        });
        let class_files = crate::progress::step("class files", || {
            class_files(
                &partial,
                out,
                &counties,
                &subclasses,
                &duplicates,
                &tz,
                opts,
            )
        });
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
        holds: counties.iter().map(|c| c.holds).sum(),
        flagged: counties.iter().map(|c| c.flagged).sum(),
        members: members_count,
        rejected: counties.iter().map(|c| c.rejected).sum(),
    })
}

/// The workbook's Class members and Flagged holds sheets, filled county by
/// county in pipeline order as counties arrive (in any order) on `rx`, from
/// their spilled members and rows.
fn long_sheets(
    rx: std::sync::mpsc::Receiver<(usize, PathBuf, PathBuf)>,
    subclasses: &[String],
    tz: &chrono_tz::Tz,
    opts: &RunOptions,
) -> anyhow::Result<(
    outputs::workbook::Book,
    outputs::workbook::TableSheets,
    outputs::workbook::TableSheets,
)> {
    use outputs::workbook;
    let mut book = workbook::Book::new(opts.xlsx_max_rows)?;
    let mut members = book.table("Class members", workbook::member_columns(subclasses));
    let mut flagged = book.table("Flagged holds", workbook::flagged_columns());
    let mut pending = std::collections::BTreeMap::new();
    let mut next = 0;
    let spill = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| OutputError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    for (index, m, f) in rx {
        pending.insert(index, (m, f));
        while let Some((m, f)) = pending.remove(&next) {
            crate::progress::step("workbook", || -> anyhow::Result<()> {
                for member in outputs::spill::read_members(&m).map_err(spill(&m))? {
                    let row = workbook::member_row(&member, subclasses, tz, &opts.privacy);
                    book.push_row(&mut members, &row)?;
                }
                for row in outputs::spill::read_cells(&f).map_err(spill(&f))? {
                    book.push_row(&mut flagged, &row.map_err(spill(&f))?)?;
                }
                Ok(())
            })?;
            next += 1;
        }
    }
    Ok((book, members, flagged))
}

/// `class_members.parquet`, `possible_duplicates.parquet` and
/// `class_members.csv`, written a county at a time from the spilled members.
fn class_files(
    partial: &Path,
    out: &Path,
    counties: &[Done],
    subclasses: &[String],
    duplicates: &[(String, crate::rules::person::PossibleDuplicate)],
    tz: &chrono_tz::Tz,
    opts: &RunOptions,
) -> anyhow::Result<Vec<Written>> {
    use polars::prelude::*;
    let mut written = Vec::new();
    let parquet_rel = "class_members.parquet";
    let parquet_path = partial.join(parquet_rel);
    let csv_rel = "class_members.csv";
    let csv_path = partial.join(csv_rel);
    let csv_err = |e: csv::Error| OutputError::Io {
        path: csv_path.clone(),
        source: std::io::Error::other(e),
    };
    let file = std::fs::File::create(&csv_path).map_err(outputs::io_err(&csv_path))?;
    let mut csv = class::MembersCsv::new(
        std::io::BufWriter::new(file),
        subclasses.to_vec(),
        opts.excel_csv,
    )
    .map_err(csv_err)?;
    let schema = class::members_frame(&[], subclasses, tz.name(), &opts.privacy)
        .map_err(polars_at(out))?
        .schema()
        .as_ref()
        .clone();
    let file = std::fs::File::create(&parquet_path).map_err(outputs::io_err(&parquet_path))?;
    // Buffered: see `outputs::write_parquet`.
    let mut file = std::io::BufWriter::with_capacity(1 << 16, file);
    let parquet_err = |source| OutputError::Polars {
        path: parquet_path.clone(),
        source,
    };
    let mut parquet = ParquetWriter::new(&mut file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(128 * 1024))
        .batched(&schema)
        .map_err(parquet_err)?;
    let mut rows = 0u64;
    for c in counties {
        let members = outputs::spill::read_members(&c.members).map_err(|e| OutputError::Io {
            path: c.members.clone(),
            source: std::io::Error::other(e),
        })?;
        if members.is_empty() {
            continue;
        }
        let df = class::members_frame(&members, subclasses, tz.name(), &opts.privacy)
            .map_err(polars_at(out))?;
        parquet.write_batch(&df).map_err(parquet_err)?;
        csv.write(&members, tz, &opts.privacy).map_err(csv_err)?;
        rows += members.len() as u64;
    }
    parquet.finish().map_err(parquet_err)?;
    std::io::Write::flush(&mut file).map_err(outputs::io_err(&parquet_path))?;
    drop(file);
    written.push(private(
        outputs::finish(partial, parquet_rel, rows)?,
        partial,
    )?);
    let mut df = class::duplicates_frame(duplicates, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        outputs::write_parquet(partial, "possible_duplicates.parquet", &mut df)?,
        partial,
    )?);
    let mut file = csv.finish().map_err(csv_err)?;
    std::io::Write::flush(&mut file).map_err(outputs::io_err(&csv_path))?;
    drop(file);
    written.push(private(outputs::finish(partial, csv_rel, rows)?, partial)?);
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
                        empty_codes: f.stats.empty_codes.clone(),
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
            as_of: outputs::local_text(c.as_of, &p.tz),
            as_of_source: c.as_of_source.to_string(),
            rules: RulesEntry::of(&p.rules),
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
