//! A record's parsed values and the batch of rows they are gathered into
//! before a staged table's columns are written.

use super::schema::{SOURCE_FILE, SOURCE_LINE, SOURCE_ROW};
use super::store::StagedSink;
use super::IngestError;
use crate::model::Kind;
use polars::prelude::*;

/// Rows per staged batch: large enough for cheap batches, small enough
/// that memory stays flat whatever the file size.
pub(super) const BATCH_ROWS: usize = 64 * 1024;

/// One output column being filled. Text goes straight into polars' string
/// builder (no `String` per value).
pub(super) enum Builder {
    Str(StringChunkedBuilder),
    I64(Vec<Option<i64>>),
    Date(Vec<Option<i32>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Builder {
    pub(super) fn for_field(f: &crate::model::Field) -> Builder {
        match f.kind {
            Kind::Id | Kind::Text | Kind::Coded(_) => {
                Builder::Str(StringChunkedBuilder::new(f.name.into(), BATCH_ROWS))
            }
            Kind::DateTime => Builder::I64(Vec::with_capacity(BATCH_ROWS)),
            Kind::Date => Builder::Date(Vec::with_capacity(BATCH_ROWS)),
            Kind::Decimal => Builder::F64(Vec::with_capacity(BATCH_ROWS)),
            Kind::Bool => Builder::Bool(Vec::with_capacity(BATCH_ROWS)),
        }
    }

    pub(super) fn push(&mut self, v: Option<Value<'_>>) {
        match (self, v) {
            (Builder::Str(col), Some(Value::Str(s))) => col.append_value(s),
            (Builder::Str(col), Some(Value::Owned(s))) => col.append_value(s),
            (Builder::I64(col), Some(Value::I64(x))) => col.push(Some(x)),
            (Builder::Date(col), Some(Value::Date(x))) => col.push(Some(x)),
            (Builder::F64(col), Some(Value::F64(x))) => col.push(Some(x)),
            (Builder::Bool(col), Some(Value::Bool(x))) => col.push(Some(x)),
            (Builder::Str(col), _) => col.append_null(),
            (Builder::I64(v), _) => v.push(None),
            (Builder::Date(v), _) => v.push(None),
            (Builder::F64(v), _) => v.push(None),
            (Builder::Bool(v), _) => v.push(None),
        }
    }

    fn take(&mut self, name: &str) -> PolarsResult<Column> {
        Ok(match self {
            Builder::Str(b) => {
                std::mem::replace(b, StringChunkedBuilder::new(name.into(), BATCH_ROWS))
                    .finish()
                    .into_column()
            }
            Builder::I64(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::Date(v) => {
                Column::new(name.into(), std::mem::take(v)).cast(&DataType::Date)?
            }
            Builder::F64(v) => Column::new(name.into(), std::mem::take(v)),
            Builder::Bool(v) => Column::new(name.into(), std::mem::take(v)),
        })
    }
}

/// A parsed value of one field, borrowing the record's text where it can.
pub(super) enum Value<'a> {
    Str(&'a str),
    Owned(String),
    I64(i64),
    Date(i32),
    F64(f64),
    Bool(bool),
}

/// An empty vector with `v`'s allocation, for values of another lifetime.
/// Collecting a vector's own `into_iter().map(..)` reuses its allocation
/// (the standard library collects in place when the element sizes agree);
/// a record's values so cost no allocation and no free.
pub(super) fn reuse<'a, 'b>(mut v: Vec<Option<Value<'a>>>) -> Vec<Option<Value<'b>>> {
    v.clear();
    v.into_iter().map(|_| None).collect()
}

/// Staged rows not yet written: source row and line, and one builder per
/// field of the table.
pub(super) struct RowBatch {
    pub(super) rows: Vec<i64>,
    pub(super) lines: Vec<i64>,
    pub(super) builders: Vec<Builder>,
}

impl RowBatch {
    pub(super) fn flush(
        &mut self,
        writer: &mut StagedSink,
        display: &str,
        fields: &[crate::model::Field],
    ) -> Result<(), IngestError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let stage = |source| IngestError::Stage {
            path: writer.path().to_path_buf(),
            source,
        };
        let n = self.rows.len();
        let mut cols = vec![
            Column::new_scalar(
                SOURCE_FILE.into(),
                Scalar::from(PlSmallStr::from(display)),
                n,
            ),
            Column::new(SOURCE_ROW.into(), std::mem::take(&mut self.rows)),
            Column::new(SOURCE_LINE.into(), std::mem::take(&mut self.lines)),
        ];
        for (b, f) in self.builders.iter_mut().zip(fields) {
            cols.push(b.take(f.name).map_err(stage)?);
        }
        let df = DataFrame::new(n, cols).map_err(stage)?;
        writer.write_batch(df)
    }
}
