//! The run-wide class lists, filled county by county from what each county
//! spilled: the workbook's Class members and Flagged holds sheets (on a
//! thread of their own while the counties are audited),
//! `class_members.parquet`, `class_members.csv` and
//! `possible_duplicates.parquet`.

use super::county::Done;
use super::publish::private;
use super::Options;
use super::{class, polars_at, OutputError, Written};
use std::path::{Path, PathBuf};

/// The workbook's Class members and Flagged holds sheets, filled county by
/// county in pipeline order as counties arrive (in any order) on `rx`, from
/// their spilled members and rows.
pub fn long_sheets(
    rx: std::sync::mpsc::Receiver<(usize, PathBuf, PathBuf)>,
    subclasses: &[String],
    tz: &chrono_tz::Tz,
    opts: &Options,
) -> anyhow::Result<(
    super::workbook::Book,
    super::workbook::TableSheets,
    super::workbook::TableSheets,
)> {
    use super::workbook;
    let mut book = workbook::Book::new(opts.xlsx_max_rows)?;
    let mut members = book.table("Class members", workbook::member_columns(subclasses));
    let mut flagged = book.table("Flagged holds", workbook::flagged_columns());
    let mut pending = std::collections::BTreeMap::new();
    let mut next = 0;
    let spill = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| OutputError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    for (index, m, f) in rx {
        pending.insert(index, (m, f));
        while let Some((m, f)) = pending.remove(&next) {
            crate::progress::step("workbook", || -> anyhow::Result<()> {
                for member in super::spill::members_of(&m).map_err(spill(&m))? {
                    let member = member.map_err(spill(&m))?;
                    let row = workbook::member_row(&member, subclasses, tz, &opts.privacy);
                    book.push_row(&mut members, &row)?;
                }
                for row in super::spill::read_cells(&f).map_err(spill(&f))? {
                    book.push_row(&mut flagged, &row.map_err(spill(&f))?)?;
                }
                Ok(())
            })?;
            next += 1;
        }
    }
    Ok((book, members, flagged))
}

/// `class_members.parquet`, `possible_duplicates.parquet` and
/// `class_members.csv`, written a county at a time from the spilled members.
pub fn class_files(
    partial: &Path,
    out: &Path,
    counties: &[Done],
    subclasses: &[String],
    duplicates: &[(String, crate::rules::person::PossibleDuplicate)],
    tz: &chrono_tz::Tz,
    opts: &Options,
) -> anyhow::Result<Vec<Written>> {
    let mut written = Vec::new();
    let parquet_rel = "class_members.parquet";
    let parquet_path = partial.join(parquet_rel);
    let csv_rel = "class_members.csv";
    let csv_path = partial.join(csv_rel);
    let csv_err = |e: csv::Error| OutputError::Io {
        path: csv_path.clone(),
        source: std::io::Error::other(e),
    };
    let file = std::fs::File::create(&csv_path).map_err(super::io_err(&csv_path))?;
    let mut csv = class::MembersCsv::new(
        std::io::BufWriter::new(file),
        subclasses.to_vec(),
        opts.excel_csv,
    )
    .map_err(csv_err)?;
    let schema = class::members_frame(&[], subclasses, tz.name(), &opts.privacy)
        .map_err(polars_at(out))?
        .schema()
        .as_ref()
        .clone();
    let file = std::fs::File::create(&parquet_path).map_err(super::io_err(&parquet_path))?;
    // Buffered: see `super::write_parquet`.
    let mut file = std::io::BufWriter::with_capacity(1 << 16, file);
    let parquet_err = |source| OutputError::Polars {
        path: parquet_path.clone(),
        source,
    };
    let mut parquet = super::parquet_writer(&mut file)
        .batched(&schema)
        .map_err(parquet_err)?;
    let mut rows = 0u64;
    for c in counties {
        let members = super::spill::read_members(&c.members).map_err(|e| OutputError::Io {
            path: c.members.clone(),
            source: std::io::Error::other(e),
        })?;
        if members.is_empty() {
            continue;
        }
        let df = class::members_frame(&members, subclasses, tz.name(), &opts.privacy)
            .map_err(polars_at(out))?;
        parquet.write_batch(&df).map_err(parquet_err)?;
        csv.write(&members, tz, &opts.privacy).map_err(csv_err)?;
        rows += members.len() as u64;
    }
    parquet.finish().map_err(parquet_err)?;
    std::io::Write::flush(&mut file).map_err(super::io_err(&parquet_path))?;
    drop(file);
    written.push(private(
        super::finish(partial, parquet_rel, rows)?,
        partial,
    )?);
    let mut df = class::duplicates_frame(duplicates, &opts.privacy).map_err(polars_at(out))?;
    written.push(private(
        super::write_parquet(partial, "possible_duplicates.parquet", &mut df)?,
        partial,
    )?);
    let mut file = csv.finish().map_err(csv_err)?;
    std::io::Write::flush(&mut file).map_err(super::io_err(&csv_path))?;
    drop(file);
    written.push(private(super::finish(partial, csv_rel, rows)?, partial)?);
    Ok(written)
}
