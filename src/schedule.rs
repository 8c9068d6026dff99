//! The scheduler of every command that reads exports: each input file is
//! staged on a pool of plain threads, and each county is audited (see
//! [`crate::county`]) by the worker that staged its last file, then handed
//! to the command; results come back in pipeline order.

use crate::config::{Input, Pipeline};
use crate::county::{self, County, ProcessError};
use crate::ingest::{self, IngestError, MemoryBudget, Staged};
use crate::progress::{Progress, Task, Unit};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
/// bound and overflows the stack on a run with many counties.
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
    let tasks = plan_tasks(&pipelines);
    let total_bytes: u64 = tasks
        .iter()
        .map(|t| std::fs::metadata(&t.path).map_or(0, |m| m.len()))
        .sum();
    progress.restart(total_bytes);
    let budget = &ingest::MemoryBudget::from_env();
    progress.phase(&format!("{} counties", pipelines.len()));

    let slots: Vec<Mutex<Slot>> = pipelines
        .into_iter()
        .enumerate()
        .map(|(pi, p)| {
            Mutex::new(Slot {
                remaining: tasks.iter().filter(|t| t.county == pi).count(),
                pipeline: Some(p),
                staged: Vec::new(),
                errors: Vec::new(),
                task: None,
            })
        })
        .collect();
    let schedule = Schedule {
        results: slots.iter().map(|_| Mutex::new(None)).collect(),
        slots,
        tasks,
        next: AtomicUsize::new(0),
        work,
        progress,
        budget,
        finish,
    };

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers.min(schedule.tasks.len().max(1)) {
            scope.spawn(|| schedule.worker());
        }
    });
    // Counties with no input file at all are audited (empty) here.
    for (pi, slot) in schedule.slots.iter().enumerate() {
        if lock(slot).pipeline.is_some() {
            schedule.audit(pi);
        }
    }
    schedule.results()
}

/// One file to read, once, for every input of one pipeline that reads it.
struct FileTask {
    /// Position of the pipeline among those given.
    county: usize,
    /// The pipeline's inputs that read this file, by index; all read it the
    /// same way (format, delimiter, encoding, sheet, rows skipped).
    inputs: Vec<usize>,
    path: PathBuf,
    /// The parts its county's bookings, releases and charges are staged in
    /// (`audit::partition`).
    parts: usize,
}

/// One task per file of a pipeline, in pipeline order: inputs that read the
/// same file the same way (bookings and releases from one export) share one
/// reading.
fn plan_tasks(pipelines: &[Pipeline]) -> Vec<FileTask> {
    let mut tasks: Vec<FileTask> = Vec::new();
    for (pi, p) in pipelines.iter().enumerate() {
        let parts = crate::audit::partition::parts_for(p);
        for input in &p.inputs {
            for f in &input.files {
                let same = |t: &&mut FileTask| {
                    if t.county != pi || &t.path != f {
                        return false;
                    }
                    let other = &p.inputs[t.inputs[0]];
                    other.format == input.format
                        && other.delimiter == input.delimiter
                        && other.encoding == input.encoding
                        && other.sheet == input.sheet
                        && other.skip_rows == input.skip_rows
                };
                match tasks.iter_mut().find(same) {
                    Some(t) => t.inputs.push(input.index),
                    None => tasks.push(FileTask {
                        county: pi,
                        inputs: vec![input.index],
                        path: f.clone(),
                        parts,
                    }),
                }
            }
        }
    }
    tasks
}

/// A county while its files are staged.
struct Slot {
    /// The county's pipeline, taken when the county is audited so that it is
    /// audited once.
    pipeline: Option<Pipeline>,
    /// Files of the county not yet staged.
    remaining: usize,
    /// Its files staged so far, in the order the workers finished them.
    staged: Vec<Staged>,
    /// Problems of its files, reported with every other file's at the end.
    errors: Vec<IngestError>,
    /// Its line in the progress display, made by the first worker to take
    /// one of its files.
    task: Option<Arc<Task>>,
}

/// What the workers share.
struct Schedule<'a, R, E, F> {
    /// Every file to read, in pipeline order.
    tasks: Vec<FileTask>,
    /// One per pipeline.
    slots: Vec<Mutex<Slot>>,
    /// What `finish` gave for each pipeline, once audited.
    results: Vec<Mutex<Option<Result<R, E>>>>,
    /// The next task to take.
    next: AtomicUsize,
    work: &'a Path,
    progress: &'a Progress,
    budget: &'a MemoryBudget,
    finish: F,
}

impl<R, E, F> Schedule<'_, R, E, F>
where
    R: Send,
    E: From<ProcessError> + Send,
    F: Fn(County) -> Result<R, E> + Sync,
{
    /// One worker: takes files from the queue until none is left, and audits
    /// a county when it has staged the county's last file.
    fn worker(&self) {
        loop {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = self.tasks.get(n) else {
                break;
            };
            let (p, task) = {
                let mut slot = lock(&self.slots[file.county]);
                let Some(p) = slot.pipeline.clone() else {
                    continue;
                };
                let task = slot
                    .task
                    .get_or_insert_with(|| Arc::new(self.progress.task(&p.slug)))
                    .clone();
                (p, task)
            };
            let staged = self.stage(n, file, &p, &task);
            if self.staged(file.county, staged) {
                self.audit(file.county);
            }
        }
    }

    /// Reads the `n`th file of the queue into the work folder, for each
    /// input that reads it.
    fn stage(
        &self,
        n: usize,
        file: &FileTask,
        p: &Pipeline,
        task: &Arc<Task>,
    ) -> Result<Vec<Staged>, Vec<IngestError>> {
        task.message(&format!("reading {}", ingest::display_path(p, &file.path)));
        let observer = ingest::Observer {
            rows: task.clone(),
            bytes: self.progress.bytes_counter(),
        };
        let inputs: Vec<&Input> = file.inputs.iter().map(|i| &p.inputs[*i]).collect();
        let to = ingest::StageTo {
            work: self.work,
            tag: &format!("{n:05}"),
            budget: self.budget,
            parts: file.parts,
        };
        crate::progress::step("stage", || {
            ingest::stage_file(p, &inputs, &file.path, &to, &observer)
        })
    }

    /// Keeps one staged file of county `pi` (or its problems); true when it
    /// was the county's last.
    fn staged(&self, pi: usize, staged: Result<Vec<Staged>, Vec<IngestError>>) -> bool {
        let mut slot = lock(&self.slots[pi]);
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
    }

    /// Audits county `pi` once its last file is staged (or keeps its files'
    /// errors for the report), and hands it to `finish`.
    fn audit(&self, pi: usize) {
        let (p, staged, errors, task) = {
            let mut slot = lock(&self.slots[pi]);
            (
                slot.pipeline.take(),
                std::mem::take(&mut slot.staged),
                std::mem::take(&mut slot.errors),
                slot.task.take(),
            )
        };
        let Some(p) = p else { return };
        let task = task.unwrap_or_else(|| Arc::new(self.progress.task(&p.slug)));
        if !errors.is_empty() {
            // Reported with every other file's problem at the end.
            lock(&self.slots[pi]).errors = errors;
            task.done();
            return;
        }
        task.message("applying the rules");
        // What each phase freed is given back before the next: staging's
        // batches, the rules' joins and the outputs' row groups are
        // allocated in other sizes and on other threads, so what one phase
        // freed and kept sat under the next one's peak
        // (`memory::give_back`).
        crate::memory::give_back();
        let outcome = county::audit_staged(p, staged, self.work, pi, self.budget)
            .map_err(E::from)
            .and_then(|c| {
                crate::memory::give_back();
                crate::progress::step("write county", || (self.finish)(c))
            });
        crate::memory::give_back();
        task.done();
        *lock(&self.results[pi]) = Some(outcome);
    }

    /// Every county's result in pipeline order, or every file's problem at
    /// once, so that one run shows them all.
    fn results(self) -> Result<Vec<R>, E> {
        let mut errors: Vec<IngestError> = self
            .slots
            .iter()
            .flat_map(|s| {
                // Within a county, files fail in whatever order the workers
                // read them: sorted, the report is the same every run.
                let mut e = std::mem::take(&mut lock(s).errors);
                e.sort_by_cached_key(|e| e.to_string());
                e
            })
            .collect();
        if errors.len() == 1 {
            return Err(E::from(errors.remove(0).into()));
        } else if !errors.is_empty() {
            return Err(E::from(ProcessError::Many(errors)));
        }
        let mut out = Vec::new();
        for r in self.results {
            match r.into_inner().unwrap_or_else(|e| e.into_inner()) {
                Some(r) => out.push(r?),
                None => unreachable!("every county is audited or has errors"),
            }
        }
        Ok(out)
    }
}

/// A lock that survives a panicked holder (the data is still whole: every
/// update under these locks is a single push or assignment).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
