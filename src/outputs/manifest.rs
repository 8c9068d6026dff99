//! `manifest.json`: what was read and what was written, with SHA-256 sums,
//! and the reconciliation `rows_in = rows_used + rows_rejected` for every
//! input file. No clock time, so identical runs give identical manifests.

use serde::Serialize;
use std::collections::BTreeMap;

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
