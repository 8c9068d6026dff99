//! `detainer-audit run`: every output (README.md, "Outputs") for the pipelines given.
//!
//! The steps of a run: check `--out` and lock it, make the work folder
//! beside it, audit the counties and write each one's outputs as it is done,
//! write the run-wide class lists and the workbook, then the manifest, and
//! move everything into place. A full disk on the way is reported with the
//! room the run needs. The writing itself is in [`crate::outputs`].

use crate::config::Pipeline;
use crate::county::WorkDir;
use crate::outputs::{
    self, class_lists::class_files, class_lists::long_sheets, county::write_county, lock, manifest,
    place, publish, space, OutputError, Written,
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

/// Audits the pipelines given and writes every output to `out`.
pub fn run(
    pipeline_args: &[PathBuf],
    out: &Path,
    opts: &outputs::Options,
    progress: &Progress,
) -> anyhow::Result<RunReport> {
    crate::interrupt::install()?;
    let files = crate::config::expand_arguments(pipeline_args)?;
    let pipelines = crate::config::load_all(&files)?;
    // The run's own files, which replacing `--out` must never remove.
    let mut keep: Vec<PathBuf> = files.clone();
    for p in &pipelines {
        keep.extend(p.inputs.iter().flat_map(|i| i.files.iter().cloned()));
    }
    keep.extend(opts.privacy.key_file().map(Path::to_path_buf));
    // Two inputs may read one file (bookings and releases from one export).
    keep.sort();
    keep.dedup();
    place::check_out(out, opts.force, &keep)?;
    let target = place::absolute(out)?;
    let inputs: u64 = keep
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    let budget = std::env::var(crate::ingest::STAGE_MEMORY_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(crate::ingest::STAGE_MEMORY_DEFAULT as u64, |mib| {
            mib.saturating_mul(1 << 20)
        });
    let mut room = None;
    let outcome = (|| {
        let parent = publish::parent_of(&target)?;
        room = Some(space::Room::measure(parent, inputs, budget));
        crate::interrupt::set_out(out);
        let _lock = lock::lock_out(&target, out)?;
        publish::recover_set_aside(&target);
        let work = WorkDir::new(parent)?;
        // The work folder is removed (dropped) before the outcome is told.
        produce(pipelines, out, &target, &work, opts, progress)
    })();
    match (outcome, room) {
        (Err(e), Some(room)) if space::is_full(&e) => Err(e.context(room.message())),
        (outcome, _) => outcome,
    }
}

/// The run once `--out` is locked and the work folder made: every output
/// written in the work folder, then moved into place at `target` (`out` made
/// absolute).
fn produce(
    pipelines: Vec<Pipeline>,
    out: &Path,
    target: &Path,
    work: &WorkDir,
    opts: &outputs::Options,
    progress: &Progress,
) -> anyhow::Result<RunReport> {
    // Everything is written to a fresh folder beside `out`, then swapped in.
    // Each county's own outputs are written as soon as it is audited.
    let partial = publish::partial_in(&work.0)?;
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
    // would keep one core busy while the others wait.
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
    for c in &mut counties {
        written.append(&mut c.written);
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
            Ok(publish::private(
                outputs::finish(&partial, "class_members.xlsx", members_count as u64)?,
                &partial,
            )?)
        });
        let class_files = crate::progress::step("class files", || {
            class_files(&partial, out, &counties, &subclasses, &tz, opts)
        });
        let workbook = workbook
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the workbook writer panicked")));
        (class_files, workbook)
    });
    written.extend(class_files?);
    written.push(workbook?);
    if opts.report {
        let reports: Vec<outputs::report::CountyReport> = counties
            .iter_mut()
            .filter_map(|c| c.report.take())
            .collect();
        written.push(crate::progress::step("report", || {
            outputs::report::write(&partial, &reports, opts.privacy.is_on())
        })?);
    }

    let manifest = manifest::build(&counties, written)?;
    manifest::write(&partial, &manifest)?;
    publish::pause_for_tests();
    publish::swap_into_place(&partial, target)?;

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
