//! `detainer-audit explain --out DIR BOOKING_ID`: how one hold of a finished
//! run was measured, in plain words, with the source rows that decided it.
//!
//! It reads only the run's outputs (the manifest, `holds/`,
//! `hold_detainers/` and the class list), never the exports, so it explains
//! exactly the figures that were published. It prints the booking id it was
//! given, times, forms, warrants and source rows; never a name, a date of
//! birth, a person id or a detainer id.
//!
//! `read` reads the outputs, `text` words the explanation.

mod read;
mod text;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{}: cannot read the run's outputs: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error(
        "no hold with this booking id in {} (a booking without a detainer lodged before its \
         release has no hold; with --pseudonymize, give the booking id's pseudonym)",
        out.display()
    )]
    NotFound { out: PathBuf },
}

/// The explanation of every hold of `booking_id` under `out` (one per
/// county whose export has that booking id).
pub fn explain(out: &Path, booking_id: &str) -> Result<String, ExplainError> {
    let manifest_path = out.join("manifest.json");
    let manifest = read::manifest(&manifest_path)?;
    let mut text = String::new();
    for (slug, file) in read::county_files(out, "holds")? {
        let Some(hold) = read::hold(&file, &slug, booking_id)? else {
            continue;
        };
        let Some(run) = read::county_run(&manifest, &slug) else {
            return Err(ExplainError::Read {
                path: manifest_path,
                message: format!("no pipeline with slug `{slug}`"),
            });
        };
        let detainers = read::hold_detainers(out, &slug, booking_id)?;
        let member = read::class_member(out, &hold)?;
        if !text.is_empty() {
            text.push('\n');
        }
        text::describe(
            &mut text,
            booking_id,
            &hold,
            &detainers,
            &run,
            member.as_ref(),
        );
    }
    if text.is_empty() {
        return Err(ExplainError::NotFound {
            out: out.to_path_buf(),
        });
    }
    Ok(text)
}
