//! A county's own outputs, written as soon as it is audited: its summary,
//! holds, hold detainers and rejects, and its class members and workbook
//! rows spilled to the work folder for the run-wide lists. What is kept of
//! the county afterwards is a [`Done`].

use super::holds::{hold_detainers_frame, holds_frame};
use super::publish::private;
use super::row_groups::ParquetRows;
use super::summary::HoldMonths;
use super::Options;
use super::{class, polars_at, OutputError, Written};
use crate::county::{over_reject_rate, County, Reconciled, Rejects};
use std::path::{Path, PathBuf};

/// Rows in a row group of a county's rejects: a row carries its raw text,
/// and a row group is held in memory until it is written whole.
pub const REJECTS_ROW_GROUP: usize = 16 * 1024;

/// The rejects with their raw values pseudonymized (when asked).
fn pseudonymize_raw(
    rejects: polars::prelude::DataFrame,
    privacy: &super::privacy::Privacy,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    if !privacy.is_on() {
        return Ok(rejects);
    }
    let raw: Vec<Option<String>> = crate::audit::frame::strs(&rejects, "raw")?
        .into_iter()
        .map(|r| r.map(|r| privacy.raw(&r)))
        .collect();
    let mut df = rejects;
    df.with_column(Column::new("raw".into(), raw))?;
    Ok(df)
}

/// Writes a county's rejects, a source file's rows at a time, in the row
/// groups `write_parquet` would cut at [`REJECTS_ROW_GROUP`] rows a group
/// (that many to twice as many less one).
fn write_rejects(
    rejects: Rejects,
    p: &crate::config::Pipeline,
    partial: &Path,
    opts: &Options,
) -> anyhow::Result<Written> {
    let rel = format!("rejects/county={}/part-0.parquet", p.slug);
    let plan = super::row_groups::row_group_plan(rejects.total() as usize, REJECTS_ROW_GROUP);
    let mut out = ParquetRows::with_plan(partial, &rel, plan)?;
    // The columns, for a county without rejects.
    out.push(Rejects::columns(p).map_err(polars_at(partial))?)?;
    rejects.for_each_file(p, |df| {
        out.push(pseudonymize_raw(df, &opts.privacy).map_err(polars_at(partial))?)?;
        Ok(())
    })?;
    Ok(out.finish()?)
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
    /// The county's possible duplicates, spilled, and how many.
    pub duplicates: PathBuf,
    pub duplicates_count: usize,
    pub summary_rows: Vec<Vec<super::workbook::Cell>>,
    /// The county's figures for `report.html`, when it is written.
    pub report: Option<super::report::CountyReport>,
}

/// Writes a county's summary, holds and rejects under `partial`, and its
/// class members and workbook rows to `spill` (the work folder).
///
/// Every output made from the hold rows is made in one pass over them, a
/// batch at a time in row order (`audit::kept`): the holds and hold
/// detainers are written a row group at a time, and the summary, class
/// members, possible duplicates, workbook rows and report figures are
/// gathered as the holds go by.
pub fn write_county(
    mut c: County,
    partial: &Path,
    spill: &Path,
    opts: &Options,
) -> anyhow::Result<Done> {
    let p = &c.pipeline;
    let slug = &p.slug;
    let out = partial;
    static SPILLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SPILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spill_err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| OutputError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    // This county's files in the work folder are named after it.
    let tag = format!("spill{n:04}");
    let flagged_path = spill.join(format!("{tag}.flagged.csv"));
    let duplicates_path = spill.join(format!("{tag}.duplicates.bin"));

    let rejects = std::mem::take(&mut c.rejects);
    let rejected = rejects.total();
    let reject_counts = rejects.counts();
    // First, so that the rules' rejects are not held beside the holds.
    let rejects_written = private(write_rejects(rejects, p, partial, opts)?, partial)?;
    crate::memory::trim();
    let holds = &c.audit.holds;
    let mut holds_out = ParquetRows::create(
        partial,
        &format!("holds/county={slug}/part-0.parquet"),
        holds.len(),
    )?;
    let mut detainers_out = ParquetRows::create(
        partial,
        &format!("hold_detainers/county={slug}/part-0.parquet"),
        holds.detainer_rows(),
    )?;
    // The columns, for a county without holds.
    holds_out.push(holds_frame(p, &[], &opts.privacy).map_err(polars_at(out))?)?;
    detainers_out.push(hold_detainers_frame(p, &[], &opts.privacy).map_err(polars_at(out))?)?;
    let mut flagged_out =
        super::spill::CellWriter::create(&flagged_path).map_err(spill_err(&flagged_path))?;
    let mut months = HoldMonths::default();
    let mut years = super::workbook::SummaryYears::default();
    let mut members = class::Members::new(p, spill, &tag);
    let mut duplicates = class::Duplicates::new(p, spill, &tag);
    let mut figures = super::report::HoldFigures::default();
    let mut flagged_persons = super::summary::FlaggedPersons::new(spill, &tag);
    holds.for_each_batch(crate::audit::kept::BATCH, |batch| -> anyhow::Result<()> {
        for h in batch {
            months.add(p, h);
            years.add(p, h);
            members.add(h)?;
            duplicates.add(h)?;
            flagged_persons.add(h)?;
            if opts.report {
                figures.add(p, h);
            }
        }
        holds_out.push(holds_frame(p, batch, &opts.privacy).map_err(polars_at(out))?)?;
        detainers_out
            .push(hold_detainers_frame(p, batch, &opts.privacy).map_err(polars_at(out))?)?;
        flagged_out
            .write(super::workbook::flagged_rows(p, batch, &opts.privacy))
            .map_err(spill_err(&flagged_path))?;
        crate::memory::trim();
        Ok(())
    })?;
    let holds_written = private(holds_out.finish()?, partial)?;
    let detainers_written = private(detainers_out.finish()?, partial)?;
    let flagged = flagged_out.finish().map_err(spill_err(&flagged_path))?;

    let mut written = Vec::new();
    let flagged_counts = flagged_persons.finish()?;
    let mut summary = months
        .frame(p, &c.audit, &flagged_counts)
        .map_err(polars_at(out))?;
    written.push(super::write_parquet(
        partial,
        &format!("summary/county={slug}/part-0.parquet"),
        &mut summary,
    )?);
    written.push(holds_written);
    written.push(detainers_written);
    written.push(rejects_written);

    // The members go straight to their spill file; the report keeps
    // their totals.
    let members_path = spill.join(format!("{tag}.members.csv"));
    let mut totals = super::report::MemberTotals::default();
    let mut failed = None;
    let gathered = members.finish()?.map_while(|m| {
        m.map_err(|e| failed = Some(e))
            .ok()
            .inspect(|m| totals.add(m))
    });
    super::spill::write_members(&members_path, gathered).map_err(spill_err(&members_path))?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let report = if opts.report {
        Some(
            super::report::CountyReport::collect(
                p,
                &c.audit,
                &summary,
                figures,
                flagged_counts.persons,
                &totals,
                &c.files,
                rejected,
            )
            .map_err(polars_at(out))?,
        )
    } else {
        None
    };
    drop(summary);
    Ok(Done {
        reject_counts,
        rejected,
        over_limit: over_reject_rate(&c),
        members_count: totals.count(),
        members: members_path,
        flagged_rows: flagged_path,
        holds: c.audit.holds.len(),
        flagged: flagged as usize,
        duplicates_count: super::spill::write_duplicates(&duplicates_path, duplicates.finish()?)?,
        duplicates: duplicates_path,
        summary_rows: years.rows(p, &c.audit, &flagged_counts),
        report,
        written,
        as_of: c.audit.as_of,
        as_of_source: c.audit.as_of_source,
        index: c.index,
        pipeline: c.pipeline,
        files: c.files,
    })
}
