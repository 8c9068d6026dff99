//! Scans of a pipeline's staged tables and the id look-ups the audit does
//! on them: rows without a booking, repeated ids, rows to reject.

use super::frame::{i64s, strs};
use crate::ingest::{staged_schema, Reject, Staged, SOURCE_ROW};
use crate::model::Table;
use polars::prelude::*;
use std::collections::BTreeMap;

pub(crate) fn scan(staged: &[Staged], table: Table) -> PolarsResult<LazyFrame> {
    scan_except(staged, table, &BTreeMap::new())
}

/// The staged rows of `table`, less the rows `dropped` names: source file (as
/// shown in outputs) to source rows. The rows are dropped file by file with
/// a filter on the row number: an anti-join on (file, row) hashed the file
/// name of every row and copied every column of the rows it kept.
pub(crate) fn scan_except(
    staged: &[Staged],
    table: Table,
    dropped: &BTreeMap<String, Vec<i64>>,
) -> PolarsResult<LazyFrame> {
    let parts: Vec<LazyFrame> = staged
        .iter()
        .filter(|s| s.table == table)
        .map(|s| {
            let lf = s.rows.scan()?;
            Ok(match dropped.get(&s.stats.display) {
                Some(rows) => lf.filter(not_in(SOURCE_ROW, Series::new("".into(), rows))),
                None => lf,
            })
        })
        .collect::<PolarsResult<_>>()?;
    if parts.is_empty() {
        return Ok(DataFrame::empty_with_schema(&staged_schema(table)).lazy());
    }
    concat(parts, UnionArgs::default())
}

/// True where column `name` holds one of `values` (a short list: rows or
/// ids to reject). Filtering on it keeps the other rows as they are, where a
/// semi- or anti-join copies every column of every row it keeps.
pub(crate) fn is_among(name: &str, values: Series) -> Expr {
    col(name)
        .is_in(lit(values).implode(false), false)
        .fill_null(lit(false))
}

/// The negation of [`is_among`]: rows with a null in `name` are kept.
pub(crate) fn not_in(name: &str, values: Series) -> Expr {
    is_among(name, values).not()
}

/// The `booking_id` column of `lf`, collected (one string column: at most
/// a county's ids).
fn id_column(lf: &LazyFrame, engine: Engine) -> PolarsResult<DataFrame> {
    Ok(lf
        .clone()
        .select([col("booking_id")])
        .collect_with_engine(engine)?
        .unwrap_single())
}

/// Calls `f` with every id of a string column but the nulls.
fn each_id<'a>(ids: &'a StringChunked, mut f: impl FnMut(&'a str)) {
    for arr in ids.downcast_iter() {
        if polars_arrow::array::Array::null_count(arr) == 0 {
            arr.values_iter().for_each(&mut f);
        } else {
            arr.iter().flatten().for_each(&mut f);
        }
    }
}

/// The booking ids on more than one row of `lf`, each once, in the order
/// their second row comes. Counted in one pass over the id column with a
/// hash map: polars' group-by made a list of row numbers for every id, and
/// its semi-join then hashed every id again.
pub(crate) fn repeated_ids(lf: &LazyFrame, engine: Engine) -> PolarsResult<Vec<String>> {
    let df = id_column(lf, engine)?;
    let ids = df.column("booking_id")?.str()?;
    let mut seen: PlHashMap<&str, u8> = PlHashMap::with_capacity(ids.len());
    let mut repeated = Vec::new();
    each_id(ids, |id| {
        let n = seen.entry(id).or_insert(0);
        *n = n.saturating_add(1);
        if *n == 2 {
            repeated.push(id.to_string());
        }
    });
    Ok(repeated)
}

/// The rows of `rows` whose `booking_id` is null or not among the ids of
/// `known`, as an anti-join on `booking_id` gives them, in their order. The
/// ids of `rows` go into a hash set and `known`'s ids are taken out of it:
/// each id is hashed once, and a small `rows` (the detainers) costs only a
/// look-up per known id. polars' anti-join built a join table of every
/// known id.
pub(crate) fn rows_without_id(
    rows: LazyFrame,
    known: &LazyFrame,
    engine: Engine,
) -> PolarsResult<DataFrame> {
    let ids = id_column(&rows, engine)?;
    let ids = ids.column("booking_id")?.str()?;
    let mut missing: PlHashSet<&str> = PlHashSet::with_capacity(ids.len());
    each_id(ids, |id| {
        missing.insert(id);
    });
    let known = id_column(known, engine)?;
    each_id(known.column("booking_id")?.str()?, |id| {
        missing.remove(id);
    });
    let mut missing: Vec<&str> = missing.into_iter().collect();
    missing.sort_unstable();
    let missing = Series::new("".into(), missing);
    Ok(rows
        .filter(is_among("booking_id", missing).or(col("booking_id").is_null()))
        .collect_with_engine(engine)?
        .unwrap_single())
}

/// Rejects for every row of `df` (which has the source columns).
pub(crate) fn rejects_of(
    df: &DataFrame,
    table: Table,
    file_col: &str,
    row_col: &str,
    line_col: &str,
    reason: &'static str,
    detail: impl Fn(usize) -> String,
) -> PolarsResult<Vec<Reject>> {
    let files = strs(df, file_col)?;
    let rows = i64s(df, row_col)?;
    let lines = i64s(df, line_col)?;
    Ok((0..df.height())
        .map(|i| Reject {
            table,
            source_file: files[i].clone().unwrap_or_default(),
            source_row: rows[i].unwrap_or(0),
            source_line: lines[i].unwrap_or(0),
            reason,
            detail: detail(i),
            raw: String::new(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(values: &[Option<&str>]) -> LazyFrame {
        let n = values.len() as i64;
        DataFrame::new(
            values.len(),
            vec![
                Column::new("booking_id".into(), values.to_vec()),
                Column::new("row".into(), (1..=n).collect::<Vec<_>>()),
            ],
        )
        .unwrap()
        .lazy()
    }

    #[test]
    fn repeated_ids_are_the_ids_on_several_rows_each_once() {
        let lf = ids(&[
            Some("B1"),
            Some("B2"),
            None,
            Some("B1"),
            Some("B3"),
            Some("B1"),
            None,
            Some("B3"),
        ]);
        // Nulls are no id (polars' joins never matched them either).
        assert_eq!(repeated_ids(&lf, Engine::InMemory).unwrap(), ["B1", "B3"]);
        assert!(
            repeated_ids(&ids(&[Some("B1"), Some("B2")]), Engine::InMemory)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn rows_without_id_are_an_anti_join() {
        let rows = ids(&[
            Some("B1"),
            Some("B9"),
            None,
            Some("B2"),
            Some("B9"),
            Some("B8"),
        ]);
        let known = ids(&[Some("B2"), Some("B1"), None, Some("B3")]);
        let got = rows_without_id(rows.clone(), &known, Engine::InMemory).unwrap();
        let want = rows
            .anti_join(known, col("booking_id"), col("booking_id"))
            .collect()
            .unwrap();
        assert_eq!(i64s(&got, "row").unwrap(), i64s(&want, "row").unwrap());
        assert_eq!(
            i64s(&got, "row").unwrap(),
            [Some(2), Some(3), Some(5), Some(6)]
        );
    }
}
