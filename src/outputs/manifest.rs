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
    pub inputs: Vec<InputEntry>,
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
}

#[derive(Debug, Serialize)]
pub struct OutputEntry {
    pub path: String,
    pub sha256: String,
    pub rows: u64,
}
