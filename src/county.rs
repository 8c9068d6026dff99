//! One county's work once its files are staged: the rules applied, each
//! input file's rows reconciled (`rows_in = rows_used + rows_rejected`), and
//! the rejects kept until they are written, then gathered a source file at
//! a time with the raw text of the rows the rules rejected read back. Also
//! the [`County`] this hands on to the outputs and the errors of the whole
//! processing; the private work folder is `workdir`'s.

use crate::audit::{self, Audit, AuditError};
use crate::config::Pipeline;
use crate::ingest::{self, rejects_frame, IngestError, Reject, Staged};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use crate::workdir::WorkDir;

/// Why the pipelines could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    // Transparent: the inner error's message and cause chain are the whole
    // story (with a message of their own, every cause printed twice).
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Work(#[from] crate::workdir::WorkError),
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
    /// Every rejected row of the county, gathered when it is written.
    pub rejects: Rejects,
    pub files: Vec<Reconciled>,
}

/// Audits one county from its staged files.
pub(crate) fn audit_staged(
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
    let mut audit = crate::progress::step("rules", || audit::audit(&p, &staged, &scratch))?;
    // Taken, not copied: the rules' rejects are read only by `Rejects`.
    let rejects = Rejects::new(std::mem::take(&mut audit.rejects), staged);
    let files = rejects.reconcile();
    Ok(County {
        index,
        pipeline: p,
        audit,
        rejects,
        files,
    })
}

/// A county's rejected rows until they are written: the rules' rejects,
/// their raw text not yet read back, and its input files' rejects from
/// staging. They are gathered one source file at a time
/// ([`Rejects::for_each_file`]), so that the raw text of one file's
/// rejects is held at once, not the county's.
#[derive(Default)]
pub struct Rejects {
    /// The rules' rejects, without their raw text.
    rule: Vec<Reject>,
    /// The county's staged files in pipeline order, their rows dropped:
    /// their staging rejects and what reads a row of them again.
    files: Vec<Staged>,
    /// Rejected rows by table, source file and reason.
    counts: BTreeMap<(String, String, String), u64>,
}

impl Rejects {
    fn new(rule: Vec<Reject>, mut files: Vec<Staged>) -> Rejects {
        let mut counts: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for r in &rule {
            let key = (
                r.table.name().to_string(),
                r.source_file.clone(),
                r.reason.to_string(),
            );
            *counts.entry(key).or_default() += 1;
        }
        for s in &mut files {
            // Staging counted its rejects by reason as it wrote them.
            for (reason, n) in &s.stats.rejected {
                let key = (
                    s.table.name().to_string(),
                    s.stats.display.clone(),
                    reason.clone(),
                );
                *counts.entry(key).or_default() += n;
            }
            // The rows were read by the rules and are not needed again.
            s.rows = ingest::StagedData::Parts(Vec::new());
            s.rejected_ids = Vec::new();
        }
        Rejects {
            rule,
            files,
            counts,
        }
    }

    /// How many rows were rejected.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Rejected rows by table, source file and reason, in that order.
    pub fn counts(&self) -> Vec<(String, String, String, u64)> {
        self.counts
            .iter()
            .map(|((t, f, r), n)| (t.clone(), f.clone(), r.clone(), *n))
            .collect()
    }

    /// Rows rejected per input file, by reason, for the manifest and `check`.
    fn reconcile(&self) -> Vec<Reconciled> {
        self.files
            .iter()
            .map(|s| {
                let (table, file) = (s.table.name(), s.stats.display.as_str());
                let by_reason: BTreeMap<String, u64> = self
                    .counts
                    .iter()
                    .filter(|((t, f, _), _)| t == table && f == file)
                    .map(|((_, _, r), n)| (r.clone(), *n))
                    .collect();
                Reconciled {
                    table: table.to_string(),
                    input: s.input,
                    stats: s.stats.clone(),
                    rows_rejected: by_reason.values().sum(),
                    rejected_by_reason: by_reason,
                }
            })
            .collect()
    }

    /// Calls `f` with every rejected row of the county in the `rejects/`
    /// schema and order (by table, source file, source row and reason), a
    /// frame per table and source file, the raw text of the rules' rejects
    /// read back from their file first.
    pub fn for_each_file(
        self,
        p: &Pipeline,
        mut f: impl FnMut(DataFrame) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let at = |source| ProcessError::Rejects {
            pipeline: p.file.clone(),
            source,
        };
        // Table and file names in the order of their text, as the rows are
        // sorted; the rules' rejects of a file come before staging's.
        let mut groups: BTreeMap<(String, String), (Vec<Reject>, Vec<usize>)> = BTreeMap::new();
        for r in self.rule {
            let key = (r.table.name().to_string(), r.source_file.clone());
            groups.entry(key).or_default().0.push(r);
        }
        for (i, s) in self.files.iter().enumerate() {
            let key = (s.table.name().to_string(), s.stats.display.clone());
            groups.entry(key).or_default().1.push(i);
        }
        for (_, (mut rule, files)) in groups {
            // The raw text of the rows the rules rejected is read back
            // from the first file staged under their file's name.
            if let Some(&si) = files.first() {
                let s = &self.files[si];
                let rows: BTreeSet<i64> = rule.iter().map(|r| r.source_row).collect();
                let raw = ingest::raw_values(&p.inputs[s.input], s, &rows)?;
                for r in &mut rule {
                    if let Some(v) = raw.get(&r.source_row) {
                        r.raw = v.clone();
                    }
                }
            }
            let mut parts = vec![rejects_frame(&rule).map_err(at)?.lazy()];
            drop(rule);
            for &si in &files {
                parts.push(self.files[si].rejects.scan().map_err(at)?);
            }
            f(gathered(p, parts).map_err(at)?)?;
        }
        Ok(())
    }

    /// The columns of the `rejects/` output, without rows.
    pub fn columns(p: &Pipeline) -> PolarsResult<DataFrame> {
        gathered(p, vec![rejects_frame(&[])?.lazy()])
    }
}

/// Rejected rows in the `rejects/` schema, sorted by source row and reason
/// (their table and source file are one), in the order given where those
/// are equal.
fn gathered(p: &Pipeline, parts: Vec<LazyFrame>) -> PolarsResult<DataFrame> {
    Ok(concat(parts, UnionArgs::default())?
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
            [ingest::SOURCE_ROW, "reason"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single())
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
