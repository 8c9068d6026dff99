//! `manifest.json`: what was read and what was written, with SHA-256 sums,
//! and the reconciliation `rows_in = rows_used + rows_rejected` for every
//! input file. No clock time, so identical runs give identical manifests.

use super::county::Done;
use super::{io_err, OutputError, Written};
use crate::ingest;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: &'static str,
    pub version: &'static str,
    pub pipelines: Vec<PipelineEntry>,
    pub outputs: Vec<OutputEntry>,
}

#[derive(Debug, Serialize)]
pub struct PipelineEntry {
    pub file: String,
    pub sha256: String,
    pub county: String,
    pub slug: String,
    pub timezone: String,
    /// The `as_of` used, local time, and whether it came from the pipeline
    /// file or the newest record of the export.
    pub as_of: String,
    pub as_of_source: String,
    /// The rules' parameters the run used (`[rules]`, defaults filled in).
    pub rules: RulesEntry,
    pub inputs: Vec<InputEntry>,
}

#[derive(Debug, Serialize, serde::Deserialize, Clone, PartialEq)]
pub struct RulesEntry {
    pub since: String,
    pub until: Option<String>,
    pub grace_minutes: i64,
    pub per_day: f64,
    pub cap: f64,
    pub missing_warrant: String,
}

impl RulesEntry {
    pub fn of(r: &crate::config::Rules) -> RulesEntry {
        RulesEntry {
            since: r.since.to_string(),
            until: r.until.map(|u| u.to_string()),
            grace_minutes: r.grace_minutes,
            per_day: r.per_day,
            cap: r.cap,
            missing_warrant: r.missing_warrant.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InputEntry {
    pub index: usize,
    pub table: String,
    pub path: String,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub rows_in: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub unmapped_codes: BTreeMap<String, BTreeMap<String, u64>>,
    /// Coded field → empty fields its `""` code mapped.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub empty_codes: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct OutputEntry {
    pub path: String,
    pub sha256: String,
    pub rows: u64,
}

/// The manifest of a run: every pipeline with its input files reconciled,
/// then every file written.
pub fn build(counties: &[Done], written: Vec<Written>) -> Result<Manifest, OutputError> {
    let mut pipelines = Vec::new();
    for c in counties {
        let p = &c.pipeline;
        let sha256 = ingest::sha256_file(&p.file).map_err(io_err(&p.file))?;
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
            as_of: super::local_text(c.as_of, &p.tz),
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

/// Writes `manifest.json` under `partial`.
pub fn write(partial: &Path, manifest: &Manifest) -> Result<(), OutputError> {
    let path = partial.join("manifest.json");
    let text = serde_json::to_string_pretty(manifest).map_err(|e| OutputError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&path, text + "\n").map_err(io_err(&path))?;
    Ok(())
}
