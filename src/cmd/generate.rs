//! `detainer-audit generate`: synthetic county exports and their pipeline
//! files. No real person's data is ever involved.

use crate::generate::{generate_with, GenerateOptions, GenerateSummary};
use crate::progress::Progress;

pub fn run(opts: &GenerateOptions, progress: &Progress) -> anyhow::Result<GenerateSummary> {
    let summary = generate_with(opts, progress)?;
    progress.finish();
    Ok(summary)
}
