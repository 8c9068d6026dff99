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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::staged_schema;
    use crate::ingest::store::MemoryBudget;
    use crate::model::Table;

    #[test]
    fn reuse_keeps_the_allocation_and_empties_it() {
        let text = String::from("B1");
        let mut v: Vec<Option<Value<'_>>> = Vec::with_capacity(16);
        v.push(Some(Value::Str(&text)));
        v.push(None);
        let at = v.as_ptr() as usize;
        let again: Vec<Option<Value<'static>>> = reuse(v);
        assert!(again.is_empty());
        assert_eq!(again.capacity(), 16);
        assert_eq!(again.as_ptr() as usize, at);
    }

    #[test]
    fn builders_give_columns_of_their_kind_and_start_again_empty() {
        let field = |table: Table, name| table.field(name).unwrap();
        let mut id = Builder::for_field(field(Table::Bookings, "booking_id"));
        id.push(Some(Value::Str("B1")));
        id.push(Some(Value::Owned("B2".to_string())));
        id.push(None);
        // A value of another kind is a null.
        id.push(Some(Value::I64(7)));
        let c = id.take("booking_id").unwrap();
        assert_eq!(c.dtype(), &DataType::String);
        let ids: Vec<Option<&str>> = c.str().unwrap().iter().collect();
        assert_eq!(ids, [Some("B1"), Some("B2"), None, None]);
        assert_eq!(id.take("booking_id").unwrap().len(), 0);

        let mut dob = Builder::for_field(field(Table::Bookings, "dob"));
        dob.push(Some(Value::Date(-1)));
        dob.push(None);
        let c = dob.take("dob").unwrap();
        assert_eq!(c.dtype(), &DataType::Date);
        let days = c.cast(&DataType::Int32).unwrap();
        assert_eq!(
            days.i32().unwrap().iter().collect::<Vec<_>>(),
            [Some(-1), None]
        );

        let mut booked = Builder::for_field(field(Table::Bookings, "booked_at"));
        booked.push(Some(Value::I64(1_551_463_200_000_000)));
        let c = booked.take("booked_at").unwrap();
        assert_eq!(c.dtype(), &DataType::Int64);
        assert_eq!(
            c.i64().unwrap().iter().collect::<Vec<_>>(),
            [Some(1_551_463_200_000_000)]
        );

        let mut bail = Builder::for_field(field(Table::Bookings, "bail_amount"));
        bail.push(Some(Value::F64(1500.5)));
        let c = bail.take("bail_amount").unwrap();
        assert_eq!(c.dtype(), &DataType::Float64);
        assert_eq!(c.f64().unwrap().iter().collect::<Vec<_>>(), [Some(1500.5)]);

        let mut order = Builder::for_field(field(Table::Detainers, "final_order"));
        order.push(Some(Value::Bool(false)));
        order.push(None);
        let c = order.take("final_order").unwrap();
        assert_eq!(c.dtype(), &DataType::Boolean);
        assert_eq!(
            c.bool().unwrap().iter().collect::<Vec<_>>(),
            [Some(false), None]
        );
    }

    #[test]
    fn a_flushed_batch_is_a_frame_of_the_staged_schema() {
        let fields = Table::Releases.fields();
        let mut batch = RowBatch {
            rows: vec![1, 3],
            lines: vec![2, 5],
            builders: fields.iter().map(Builder::for_field).collect(),
        };
        // booking_id, eligible_at, released_at, release_reason
        for (id, released) in [("B1", Some(1_551_549_600_000_000)), ("B3", None)] {
            let values = [
                Some(Value::Str(id)),
                None,
                released.map(Value::I64),
                Some(Value::Str("bail")),
            ];
            for (b, v) in batch.builders.iter_mut().zip(values) {
                b.push(v);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let budget = MemoryBudget::new(1 << 20);
        let schema = staged_schema(Table::Releases);
        let mut sink = StagedSink::new(dir.path().join("r.arrow"), schema.clone(), &budget);
        batch.flush(&mut sink, "data/b.csv", fields).unwrap();
        assert!(batch.rows.is_empty() && batch.lines.is_empty());
        // An empty batch writes nothing.
        batch.flush(&mut sink, "data/b.csv", fields).unwrap();
        let df = sink.finish().unwrap().scan().unwrap().collect().unwrap();
        assert_eq!(**df.schema(), schema);
        let strs = |name: &str| -> Vec<Option<String>> {
            let c = df.column(name).unwrap().str().unwrap();
            c.iter().map(|v| v.map(str::to_string)).collect()
        };
        let ints = |name: &str| -> Vec<Option<i64>> {
            df.column(name).unwrap().i64().unwrap().iter().collect()
        };
        let file = Some("data/b.csv".to_string());
        assert_eq!(strs(SOURCE_FILE), [file.clone(), file]);
        assert_eq!(ints(SOURCE_ROW), [Some(1), Some(3)]);
        assert_eq!(ints(SOURCE_LINE), [Some(2), Some(5)]);
        assert_eq!(
            strs("booking_id"),
            [Some("B1".to_string()), Some("B3".to_string())]
        );
        assert_eq!(ints("eligible_at"), [None, None]);
        assert_eq!(ints("released_at"), [Some(1_551_549_600_000_000), None]);
    }
}
