//! The run-wide class lists, filled county by county from what each county
//! spilled: the workbook's Class members and Flagged holds sheets (on a
//! thread of their own while the counties are audited),
//! `class_members.parquet`, `class_members.csv` and
//! `possible_duplicates.parquet`.

use super::county::Done;
use super::publish::private;
use super::row_groups::{row_group_plan, ParquetRows};
use super::Options;
use super::{class, polars_at, OutputError, Written, PARQUET_ROW_GROUP};
use crate::audit::kept::BATCH;
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
/// `class_members.csv`, written a county at a time from the spill files.
pub fn class_files(
    partial: &Path,
    out: &Path,
    counties: &[Done],
    subclasses: &[String],
    tz: &chrono_tz::Tz,
    opts: &Options,
) -> anyhow::Result<Vec<Written>> {
    let mut written = Vec::new();
    let parquet_rel = "class_members.parquet";
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
    // A county's members are read back from its spill a batch at a time, so
    // that the largest county is never held whole: in the Parquet file a
    // county's members are the row groups `write_parquet` would cut of them
    // alone (one group below twice `PARQUET_ROW_GROUP` members).
    let plan = counties
        .iter()
        .flat_map(|c| row_group_plan(c.members_count, PARQUET_ROW_GROUP))
        .collect();
    let mut parquet = ParquetRows::with_plan(partial, parquet_rel, plan)?;
    // The columns, for a run without members.
    parquet.push(
        class::members_frame(&[], subclasses, tz.name(), &opts.privacy).map_err(polars_at(out))?,
    )?;
    for c in counties {
        let spill_err = |e: csv::Error| OutputError::Io {
            path: c.members.clone(),
            source: std::io::Error::other(e),
        };
        let members = super::spill::members_of(&c.members).map_err(spill_err)?;
        in_batches(members.map(|m| Ok(m.map_err(spill_err)?)), |batch| {
            parquet.push(
                class::members_frame(batch, subclasses, tz.name(), &opts.privacy)
                    .map_err(polars_at(out))?,
            )?;
            csv.write(batch, tz, &opts.privacy).map_err(csv_err)?;
            Ok(())
        })?;
    }
    let parquet = parquet.finish()?;
    let rows = parquet.rows;
    written.push(private(parquet, partial)?);
    // Read back a batch at a time too, in row groups cut of all the
    // counties' pairs together, as `write_parquet` cut the whole frame.
    let total = counties.iter().map(|c| c.duplicates_count).sum();
    let mut pairs = ParquetRows::create(partial, "possible_duplicates.parquet", total)?;
    // The columns, for a run without pairs.
    pairs.push(class::duplicates_frame("", &[], &opts.privacy).map_err(polars_at(out))?)?;
    for c in counties {
        let found = super::spill::duplicates_of(&c.duplicates, c.duplicates_count)
            .map_err(super::io_err(&c.duplicates))?;
        in_batches(
            found.map(|d| Ok(d.map_err(super::io_err(&c.duplicates))?)),
            |batch| {
                pairs.push(
                    class::duplicates_frame(&c.pipeline.slug, batch, &opts.privacy)
                        .map_err(polars_at(out))?,
                )?;
                Ok(())
            },
        )?;
    }
    written.push(private(pairs.finish()?, partial)?);
    let mut file = csv.finish().map_err(csv_err)?;
    std::io::Write::flush(&mut file).map_err(super::io_err(&csv_path))?;
    drop(file);
    written.push(private(super::finish(partial, csv_rel, rows)?, partial)?);
    Ok(written)
}

/// Gives `items` to `each` in order, [`BATCH`] at a time (the last batch
/// shorter), so that a county's spilled rows are never read back whole;
/// the first error ends it.
fn in_batches<T>(
    items: impl Iterator<Item = anyhow::Result<T>>,
    mut each: impl FnMut(&[T]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut items = items.peekable();
    let mut batch = Vec::with_capacity(BATCH);
    while items.peek().is_some() {
        batch.clear();
        for item in items.by_ref().take(BATCH) {
            batch.push(item?);
        }
        each(&batch)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_in_full_batches_in_order_and_an_error_ends_them() {
        let n = 2 * BATCH + 3;
        let mut sizes = Vec::new();
        let mut seen = Vec::new();
        in_batches((0..n).map(Ok), |b| {
            sizes.push(b.len());
            seen.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, [BATCH, BATCH, 3]);
        assert_eq!(seen, (0..n).collect::<Vec<_>>());
        // An error in the second batch: the first is given, the second not.
        let mut given = 0;
        let items = (0..n).map(|i| {
            if i == BATCH + 5 {
                Err(anyhow::anyhow!("bad row"))
            } else {
                Ok(i)
            }
        });
        let err = in_batches(items, |b| {
            given += b.len();
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "bad row");
        assert_eq!(given, BATCH);
    }
}
