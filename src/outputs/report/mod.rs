//! `report.html`: one self-contained page (no network, no fonts or scripts
//! fetched; charts drawn without scripts) with the headline figures and the
//! doubts counted, each county's months, how long people were held against
//! the forms' limits and the jail's usual release time, data quality, and
//! the method with every pipeline's parameters and input's SHA-256.
//!
//! Aggregates only: it is built from counts the run keeps per county
//! ([`CountyReport`]), never from rows of people, so it can be shared as
//! freely as `summary/`. Its size grows with the counties and months, not
//! with the bookings.

mod data;
mod page;
mod svg;

pub use data::{CountyReport, HoldFigures, MemberTotals};

use super::{io_err, OutputError, Written};
use std::path::Path;

/// Writes `report.html` under `root` from the counties' figures, in
/// pipeline order.
pub fn write(
    root: &Path,
    counties: &[CountyReport],
    pseudonymized: bool,
) -> Result<Written, OutputError> {
    let path = root.join("report.html");
    let html = page::render(counties, pseudonymized).map_err(|e| OutputError::Io {
        path: path.clone(),
        source: std::io::Error::other(format!("cannot lay out the report: {e:#}")),
    })?;
    std::fs::write(&path, &html).map_err(io_err(&path))?;
    super::finish(root, "report.html", counties.len() as u64)
}
