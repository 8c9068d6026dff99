//! A county's own outputs, written as soon as it is audited: its summary,
//! holds, hold detainers and rejects, and its class members and workbook
//! rows spilled to the work folder for the run-wide lists. What is kept of
//! the county afterwards is a [`Done`].

use super::publish::private;
use super::Options;
use super::{class, holds::holds_frame, polars_at, summary::summary_frame, OutputError, Written};
use crate::county::{over_reject_rate, County, Reconciled};
use crate::ingest;
use std::path::{Path, PathBuf};

/// The rejects with their raw values pseudonymized (when asked).
fn pseudonymize_raw(
    rejects: &polars::prelude::DataFrame,
    privacy: &super::privacy::Privacy,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    if !privacy.is_on() {
        return Ok(rejects.clone());
    }
    let raw: Vec<Option<String>> = crate::audit::frame::strs(rejects, "raw")?
        .into_iter()
        .map(|r| r.map(|r| privacy.raw(&r)))
        .collect();
    let mut df = rejects.clone();
    df.with_column(Column::new("raw".into(), raw))?;
    Ok(df)
}

/// Rejects counted by table, file and reason, for the workbook.
fn reject_counts(
    rejects: &polars::prelude::DataFrame,
) -> polars::prelude::PolarsResult<Vec<(String, String, String, u64)>> {
    use crate::audit::frame::strs;
    let tables = strs(rejects, "table")?;
    let files = strs(rejects, ingest::SOURCE_FILE)?;
    let reasons = strs(rejects, "reason")?;
    let mut counts: std::collections::BTreeMap<(String, String, String), u64> = Default::default();
    for i in 0..rejects.height() {
        let key = (
            tables[i].clone().unwrap_or_default(),
            files[i].clone().unwrap_or_default(),
            reasons[i].clone().unwrap_or_default(),
        );
        *counts.entry(key).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|((t, f, r), n)| (t, f, r, n))
        .collect())
}

/// A county after its own outputs are written: its rejects, holds, class
/// members and workbook rows are on disk (outputs or the work folder) and
/// only counts and small tables are kept, so memory does not grow with the
/// number of counties.
pub struct Done {
    pub index: usize,
    pub pipeline: crate::config::Pipeline,
    pub as_of: i64,
    pub as_of_source: &'static str,
    pub files: Vec<Reconciled>,
    pub reject_counts: Vec<(String, String, String, u64)>,
    pub rejected: u64,
    pub over_limit: Vec<String>,
    pub written: Vec<Written>,
    pub holds: usize,
    pub flagged: usize,
    /// The county's class members, spilled (see `super::spill`).
    pub members: PathBuf,
    pub members_count: usize,
    /// The county's rows of the workbook's Flagged holds sheet, spilled.
    pub flagged_rows: PathBuf,
    pub duplicates: Vec<(String, crate::rules::person::PossibleDuplicate)>,
    pub summary_rows: Vec<Vec<super::workbook::Cell>>,
    /// The county's figures for `report.html`, when it is written.
    pub report: Option<super::report::CountyReport>,
}

/// Writes a county's summary, holds and rejects under `partial`, and its
/// class members and workbook rows to `spill` (the work folder).
pub fn write_county(
    c: County,
    partial: &Path,
    spill: &Path,
    opts: &Options,
) -> anyhow::Result<Done> {
    let slug = &c.pipeline.slug;
    let out = partial;
    let mut written = Vec::new();
    let mut summary = summary_frame(&c.pipeline, &c.audit).map_err(polars_at(out))?;
    written.push(super::write_parquet(
        partial,
        &format!("summary/county={slug}/part-0.parquet"),
        &mut summary,
    )?);
    let mut df = holds_frame(&c.pipeline, &c.audit.holds, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        super::write_parquet(
            partial,
            &format!("holds/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    drop(df);
    let mut df = super::holds::hold_detainers_frame(&c.pipeline, &c.audit.holds, &opts.privacy)
        .map_err(polars_at(out))?;
    written.push(private(
        super::write_parquet(
            partial,
            &format!("hold_detainers/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    drop(df);
    let mut df = pseudonymize_raw(&c.rejects, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        super::write_parquet(
            partial,
            &format!("rejects/county={slug}/part-0.parquet"),
            &mut df,
        )?,
        partial,
    )?);
    drop(df);

    static SPILLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SPILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spill_err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| OutputError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    let members = class::members(&c.pipeline, &c.audit.holds);
    let report = if opts.report {
        Some(
            super::report::CountyReport::collect(
                &c.pipeline,
                &c.audit,
                &summary,
                &members,
                &c.files,
                c.rejects.height() as u64,
            )
            .map_err(polars_at(out))?,
        )
    } else {
        None
    };
    drop(summary);
    let members_path = spill.join(format!("spill{n:04}.members.csv"));
    super::spill::write_members(&members_path, &members).map_err(spill_err(&members_path))?;
    let flagged_path = spill.join(format!("spill{n:04}.flagged.csv"));
    let flagged = super::spill::write_cells(
        &flagged_path,
        super::workbook::flagged_rows(&c.pipeline, &c.audit.holds, &opts.privacy),
    )
    .map_err(spill_err(&flagged_path))?;
    Ok(Done {
        reject_counts: reject_counts(&c.rejects).map_err(polars_at(out))?,
        rejected: c.rejects.height() as u64,
        over_limit: over_reject_rate(&c),
        members_count: members.len(),
        members: members_path,
        flagged_rows: flagged_path,
        holds: c.audit.holds.len(),
        flagged: flagged as usize,
        duplicates: class::county_duplicates(&c.pipeline, &c.audit.holds),
        summary_rows: super::workbook::summary_rows(&c.pipeline, &c.audit),
        report,
        written,
        as_of: c.audit.as_of,
        as_of_source: c.audit.as_of_source,
        index: c.index,
        pipeline: c.pipeline,
        files: c.files,
    })
}
