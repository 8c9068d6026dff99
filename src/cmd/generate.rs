//! `detainer-audit generate`: synthetic county exports and their pipeline
//! files (SPEC 7). No real person's data is ever involved.

use crate::generate::{generate, GenerateOptions, GenerateSummary};

pub fn run(opts: &GenerateOptions) -> anyhow::Result<GenerateSummary> {
    Ok(generate(opts)?)
}
