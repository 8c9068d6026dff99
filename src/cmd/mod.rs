//! The commands, one module each, over a shared [`process`]: stage every
//! input file (in parallel), apply the rules per pipeline, gather rejects and
//! reconcile row counts.

pub mod check;
pub mod explain;
pub mod generate;
pub mod run;

use crate::audit::{self, Audit, AuditError};
use crate::config::Pipeline;
use crate::ingest::{self, rejects_frame, IngestError, Reject, Staged};
use crate::progress::{Progress, Task, Unit};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{0}")]
    Ingest(#[from] IngestError),
    #[error("{0}")]
    Audit(#[from] AuditError),
    #[error("{}: cannot create a work folder: {source}", path.display())]
    Work {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: while gathering rejects: {source}", pipeline.display())]
    Rejects {
        pipeline: PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("{} problems while reading inputs:\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Many(Vec<IngestError>),
}

/// Row accounting of one input file.
#[derive(Debug, Clone)]
pub struct Reconciled {
    pub table: String,
    pub input: usize,
    pub stats: ingest::FileStats,
    pub rows_rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
}

impl Reconciled {
    pub fn rows_used(&self) -> u64 {
        self.stats.rows_in - self.rows_rejected
    }
}

/// One pipeline processed.
pub struct County {
    /// Position of the pipeline among those given.
    pub index: usize,
    pub pipeline: Pipeline,
    pub audit: Audit,
    /// Every rejected row of the county, sorted, in the `rejects/` schema.
    pub rejects: DataFrame,
    pub files: Vec<Reconciled>,
}

/// A private folder removed when dropped.
pub struct WorkDir(pub PathBuf);

impl WorkDir {
    pub fn new(near: &Path) -> Result<WorkDir, ProcessError> {
        let path = near.join(format!(".detainer-audit-work-{}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|source| ProcessError::Work {
            path: path.clone(),
            source,
        })?;
        // Staged rows and outputs being written hold names: only the owner
        // may enter the folder, so no file is readable by others even before
        // its own permissions are narrowed to 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).map_err(
                |source| ProcessError::Work {
                    path: path.clone(),
                    source,
                },
            )?;
        }
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Stages and audits every pipeline and returns them all, in order. For a
/// few pipelines (tests, `check`); `run` uses [`process_each`] so that each
/// county's outputs are written, and its rejects dropped, as soon as it is
/// done.
pub fn process(pipelines: Vec<Pipeline>, work: &Path) -> Result<Vec<County>, ProcessError> {
    let progress = Progress::with_visibility(false, 0, Unit::Bytes);
    process_each(pipelines, work, &progress, Ok::<_, ProcessError>)
}

/// Stages every input file and audits each pipeline as soon as its files
/// are staged, then hands the county to `finish`, on the worker that
/// finished it. Results come back in pipeline order. Staged tables and
/// the joined bookings share one memory budget (`ingest::store`).
///
/// Work is spread over one thread per core with a shared queue of files in
/// pipeline order: while one worker audits a county (polars, itself
/// parallel), the others go on reading the next county's files, so no core
/// waits for a whole phase to end and at most one county per worker is in
/// memory. Plain threads, not rayon: a rayon worker that blocks in polars'
/// own pool steals further staging tasks onto its stack, which nests without
/// bound on a statewide run (seen: stack overflow at 58 counties).
pub fn process_each<R, E>(
    pipelines: Vec<Pipeline>,
    work: &Path,
    progress: &Progress,
    finish: impl Fn(County) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    R: Send,
    E: From<ProcessError> + Send,
{
    // One task per file of a pipeline: inputs that read the same file the
    // same way (bookings and releases from one export) share one reading.
    let mut tasks: Vec<(usize, Vec<usize>, PathBuf)> = Vec::new();
    for (pi, p) in pipelines.iter().enumerate() {
        for input in &p.inputs {
            for f in &input.files {
                let same = |t: &&mut (usize, Vec<usize>, PathBuf)| {
                    if t.0 != pi || &t.2 != f {
                        return false;
                    }
                    let other = &p.inputs[t.1[0]];
                    other.format == input.format
                        && other.delimiter == input.delimiter
                        && other.encoding == input.encoding
                        && other.sheet == input.sheet
                        && other.skip_rows == input.skip_rows
                };
                match tasks.iter_mut().find(same) {
                    Some(t) => t.1.push(input.index),
                    None => tasks.push((pi, vec![input.index], f.clone())),
                }
            }
        }
    }
    let total_bytes: u64 = tasks
        .iter()
        .map(|(_, _, f)| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    progress.restart(total_bytes);
    let budget = &ingest::MemoryBudget::from_env();
    progress.phase(&format!("{} counties", pipelines.len()));

    struct Slot {
        pipeline: Option<Pipeline>,
        remaining: usize,
        staged: Vec<Staged>,
        errors: Vec<IngestError>,
        task: Option<Arc<Task>>,
    }
    let slots: Vec<Mutex<Slot>> = pipelines
        .into_iter()
        .enumerate()
        .map(|(pi, p)| {
            Mutex::new(Slot {
                remaining: tasks.iter().filter(|t| t.0 == pi).count(),
                pipeline: Some(p),
                staged: Vec::new(),
                errors: Vec::new(),
                task: None,
            })
        })
        .collect();
    let results: Vec<Mutex<Option<Result<R, E>>>> =
        slots.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);

    // Audits county `pi` once its last file is staged (or keeps its files'
    // errors for the report), and hands it to `finish`.
    let audit_county = |pi: usize| {
        let (p, staged, errors, task) = {
            let mut slot = lock(&slots[pi]);
            (
                slot.pipeline.take(),
                std::mem::take(&mut slot.staged),
                std::mem::take(&mut slot.errors),
                slot.task.take(),
            )
        };
        let Some(p) = p else { return };
        let task = task.unwrap_or_else(|| Arc::new(progress.task(&p.slug)));
        if !errors.is_empty() {
            // Reported with every other file's problem at the end.
            lock(&slots[pi]).errors = errors;
            task.done();
            return;
        }
        task.message("applying the rules");
        let outcome = county(p, staged, work, pi, budget)
            .map_err(E::from)
            .and_then(|c| crate::progress::step("write county", || finish(c)));
        task.done();
        *lock(&results[pi]) = Some(outcome);
    };

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers.min(tasks.len().max(1)) {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((pi, inputs, file)) = tasks.get(n) else {
                    break;
                };
                let (p, task) = {
                    let mut slot = lock(&slots[*pi]);
                    let Some(p) = slot.pipeline.clone() else {
                        continue;
                    };
                    let task = slot
                        .task
                        .get_or_insert_with(|| Arc::new(progress.task(&p.slug)))
                        .clone();
                    (p, task)
                };
                task.message(&format!("reading {}", ingest::display_path(&p, file)));
                let observer = ingest::Observer {
                    rows: task.clone(),
                    bytes: progress.bytes_counter(),
                };
                let inputs: Vec<&crate::config::Input> =
                    inputs.iter().map(|i| &p.inputs[*i]).collect();
                let staged = crate::progress::step("stage", || {
                    ingest::stage_file(
                        &p,
                        &inputs,
                        file,
                        work,
                        &format!("{n:05}"),
                        &observer,
                        budget,
                    )
                });
                let ready = {
                    let mut slot = lock(&slots[*pi]);
                    match staged {
                        Ok(s) => {
                            for s in &s {
                                crate::progress::count(match s.rows.memory_size() {
                                    Some(_) => "staged tables in memory",
                                    None => "staged tables on disk",
                                });
                            }
                            slot.staged.extend(s)
                        }
                        Err(e) => slot.errors.extend(e),
                    }
                    slot.remaining -= 1;
                    slot.remaining == 0
                };
                if ready {
                    audit_county(*pi);
                }
            });
        }
    });
    // Counties with no input file at all are audited (empty) here.
    for (pi, slot) in slots.iter().enumerate() {
        if lock(slot).pipeline.is_some() {
            audit_county(pi);
        }
    }

    // Every file's problem at once, so that one run shows them all.
    let mut errors: Vec<IngestError> = slots
        .iter()
        .flat_map(|s| std::mem::take(&mut lock(s).errors))
        .collect();
    if errors.len() == 1 {
        return Err(E::from(errors.remove(0).into()));
    } else if !errors.is_empty() {
        return Err(E::from(ProcessError::Many(errors)));
    }
    let mut out = Vec::new();
    for r in results {
        match r.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(r) => out.push(r?),
            None => unreachable!("every county is audited or has errors"),
        }
    }
    Ok(out)
}

/// A lock that survives a panicked holder (the data is still whole: every
/// update under these locks is a single push or assignment).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Audits one county from its staged files.
fn county(
    p: Pipeline,
    mut staged: Vec<Staged>,
    work: &Path,
    index: usize,
    budget: &ingest::MemoryBudget,
) -> Result<County, ProcessError> {
    // Files in the order of the pipeline's inputs and of their names, however
    // the workers finished them.
    staged.sort_by(|a, b| (a.input, &a.stats.path).cmp(&(b.input, &b.stats.path)));
    let scratch = audit::Scratch::new(work, format!("county{index:04}"), budget);
    let audit = crate::progress::step("rules", || audit::audit(&p, &staged, &scratch))?;
    let rule_rejects =
        crate::progress::step("fill raw", || fill_raw(&p, &staged, audit.rejects.clone()))?;
    let rejects = crate::progress::step("gather rejects", || {
        gather_rejects(&p, &staged, &rule_rejects)
    })
    .map_err(|source| ProcessError::Rejects {
        pipeline: p.file.clone(),
        source,
    })?;
    let files = reconcile(&staged, &rejects).map_err(|source| ProcessError::Rejects {
        pipeline: p.file.clone(),
        source,
    })?;
    Ok(County {
        index,
        pipeline: p,
        audit,
        rejects,
        files,
    })
}

/// Reads back the raw values of rows rejected by the rules.
fn fill_raw(
    p: &Pipeline,
    staged: &[Staged],
    mut rejects: Vec<Reject>,
) -> Result<Vec<Reject>, IngestError> {
    let mut wanted: BTreeMap<(usize, usize), BTreeSet<i64>> = BTreeMap::new();
    let find = |r: &Reject| {
        staged
            .iter()
            .position(|s| s.table == r.table && s.stats.display == r.source_file)
    };
    for r in &rejects {
        if let Some(si) = find(r) {
            wanted
                .entry((si, staged[si].input))
                .or_default()
                .insert(r.source_row);
        }
    }
    let mut raw: BTreeMap<usize, std::collections::HashMap<i64, String>> = BTreeMap::new();
    for ((si, ii), rows) in wanted {
        raw.insert(
            si,
            ingest::raw_values(
                &p.inputs[ii],
                &staged[si].stats.path,
                &rows,
                staged[si].offsets.as_deref().map(Vec::as_slice),
            )?,
        );
    }
    for r in &mut rejects {
        if let Some(v) = find(r).and_then(|si| raw.get(&si)?.get(&r.source_row)) {
            r.raw = v.clone();
        }
    }
    Ok(rejects)
}

fn gather_rejects(p: &Pipeline, staged: &[Staged], rule: &[Reject]) -> PolarsResult<DataFrame> {
    let mut parts = vec![rejects_frame(rule)?.lazy()];
    for s in staged {
        parts.push(s.rejects.scan()?);
    }
    concat(parts, UnionArgs::default())?
        .with_columns([
            lit(p.slug.as_str()).alias("county"),
            lit(p.county.as_str()).alias("county_name"),
        ])
        .select([
            col("county"),
            col("county_name"),
            col("table"),
            col(ingest::SOURCE_FILE),
            col(ingest::SOURCE_ROW),
            col(ingest::SOURCE_LINE),
            col("reason"),
            col("detail"),
            col("raw"),
        ])
        .sort(
            ["table", ingest::SOURCE_FILE, ingest::SOURCE_ROW, "reason"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
}

fn reconcile(staged: &[Staged], rejects: &DataFrame) -> PolarsResult<Vec<Reconciled>> {
    let counts = rejects
        .clone()
        .lazy()
        .group_by([col("table"), col(ingest::SOURCE_FILE), col("reason")])
        .agg([len().alias("n")])
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    let tables = crate::audit::frame::strs(&counts, "table")?;
    let files = crate::audit::frame::strs(&counts, ingest::SOURCE_FILE)?;
    let reasons = crate::audit::frame::strs(&counts, "reason")?;
    let n = counts.column("n")?.cast(&DataType::Int64)?;
    let n: Vec<i64> = n.i64()?.iter().map(|v| v.unwrap_or(0)).collect();
    Ok(staged
        .iter()
        .map(|s| {
            let mut by_reason = BTreeMap::new();
            for i in 0..counts.height() {
                if tables[i].as_deref() == Some(s.table.name())
                    && files[i].as_deref() == Some(s.stats.display.as_str())
                {
                    *by_reason
                        .entry(reasons[i].clone().unwrap_or_default())
                        .or_default() += n[i] as u64;
                }
            }
            Reconciled {
                table: s.table.name().to_string(),
                input: s.input,
                stats: s.stats.clone(),
                rows_rejected: by_reason.values().sum(),
                rejected_by_reason: by_reason,
            }
        })
        .collect())
}

/// Inputs whose share of rejected rows passed `rules.max_reject_rate`.
pub fn over_reject_rate(c: &County) -> Vec<String> {
    let mut by_input: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    for f in &c.files {
        let e = by_input.entry(f.input).or_default();
        e.0 += f.stats.rows_in;
        e.1 += f.rows_rejected;
    }
    by_input
        .into_iter()
        .filter(|(_, (rows, rej))| *rows > 0 && (*rej as f64 / *rows as f64) > c.pipeline.rules.max_reject_rate)
        .map(|(i, (rows, rej))| {
            let input = &c.pipeline.inputs[i];
            format!(
                "{}: inputs[{i}] ({}, {}): {rej} of {rows} rows rejected ({:.2}%), above max_reject_rate {:.2}%",
                c.pipeline.file.display(),
                input.table,
                input.pattern,
                100.0 * rej as f64 / rows as f64,
                100.0 * c.pipeline.rules.max_reject_rate
            )
        })
        .collect()
}
