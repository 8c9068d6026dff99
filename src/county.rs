//! One county's work once its files are staged: the rules applied, the raw
//! text of rows the rules rejected read back, every reject gathered into one
//! table, and each input file's rows reconciled (`rows_in = rows_used +
//! rows_rejected`). Also the [`County`] this hands on to the outputs and the
//! errors of the whole processing; the private work folder is `workdir`'s.

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
    /// Every rejected row of the county, sorted, in the `rejects/` schema.
    pub rejects: DataFrame,
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
    // Taken, not copied: the rules' rejects are read only here, and with
    // their raw text they grow with the county.
    let rule_rejects = std::mem::take(&mut audit.rejects);
    let rule_rejects = crate::progress::step("fill raw", || fill_raw(&p, &staged, rule_rejects))?;
    let rejects = crate::progress::step("gather rejects", || {
        gather_rejects(&p, &staged, rule_rejects)
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
    let find = |r: &Reject| {
        staged
            .iter()
            .position(|s| s.table == r.table && s.stats.display == r.source_file)
    };
    let at: Vec<Option<usize>> = rejects.iter().map(find).collect();
    let mut wanted: BTreeMap<(usize, usize), BTreeSet<i64>> = BTreeMap::new();
    for (r, si) in rejects.iter().zip(&at) {
        if let Some(si) = *si {
            wanted
                .entry((si, staged[si].input))
                .or_default()
                .insert(r.source_row);
        }
    }
    // A file at a time, so that one file's raw text is held beside the
    // rejects, not every file's.
    for ((si, ii), rows) in wanted {
        let raw = ingest::raw_values(&p.inputs[ii], &staged[si], &rows)?;
        for (r, _) in rejects.iter_mut().zip(&at).filter(|(_, a)| **a == Some(si)) {
            if let Some(v) = raw.get(&r.source_row) {
                r.raw = v.clone();
            }
        }
    }
    Ok(rejects)
}

/// Every rejected row of the county, from staging and from the rules, in
/// the `rejects/` schema and order.
fn gather_rejects(p: &Pipeline, staged: &[Staged], rule: Vec<Reject>) -> PolarsResult<DataFrame> {
    let mut parts = vec![rejects_frame(&rule)?.lazy()];
    drop(rule);
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

/// Rows rejected per input file, by reason, for the manifest and `check`.
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
