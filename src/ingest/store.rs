//! Where staged rows are kept: in memory while the run's staging budget
//! allows, else in an Arrow IPC file in the run's private work folder.
//!
//! Creating and writing a staged file, then reading it back several times
//! (duplicates, joins, orphans), costs CPU that a county's tables, small
//! next to a machine's memory, need not spend. So tables stay in memory up
//! to a budget shared by the whole run ([`STAGE_MEMORY_DEFAULT`]); a table
//! that would pass it is written to its file from then on, so memory stays
//! bounded whatever the size of a county: a county too large for the budget
//! is staged to disk. (What keeping them in memory bought is in
//! bench/README.md.)

use super::parts::PartSinks;
use super::IngestError;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Bytes of staged rows the whole run may hold in memory (see the module
/// docs): a fixed amount, whatever the size of the export. Few enough
/// bytes go through the work files (a large county staged straight into
/// its parts, the joined bookings cut to the columns read again) that a
/// statewide run takes as long with most tables on disk as with most in
/// memory, so the budget is small: what it holds adds to the peak (the
/// measurements are in bench/README.md).
pub const STAGE_MEMORY_DEFAULT: usize = 256 << 20;

/// The environment variable that sets the budget in MiB (0: every staged
/// table on disk), for benchmarks and machines short of memory.
pub const STAGE_MEMORY_ENV: &str = "DETAINER_AUDIT_STAGE_MEMORY_MB";

/// Memory left for staged rows, shared by the workers of a run.
#[derive(Clone, Debug)]
pub struct MemoryBudget(Arc<AtomicUsize>);

impl MemoryBudget {
    pub fn new(bytes: usize) -> MemoryBudget {
        MemoryBudget(Arc::new(AtomicUsize::new(bytes)))
    }

    /// The budget of [`STAGE_MEMORY_ENV`] if set, else the default (with a
    /// warning on stderr when it is set to something that is not a number).
    pub fn from_env() -> MemoryBudget {
        let Ok(value) = std::env::var(STAGE_MEMORY_ENV) else {
            return MemoryBudget::new(STAGE_MEMORY_DEFAULT);
        };
        match value.trim().parse::<usize>() {
            Ok(mib) => MemoryBudget::new(mib.saturating_mul(1 << 20)),
            Err(_) => {
                eprintln!(
                    "warning: {STAGE_MEMORY_ENV}=`{value}` is not a whole number of MiB; \
                     using the default, {} MiB",
                    STAGE_MEMORY_DEFAULT >> 20
                );
                MemoryBudget::new(STAGE_MEMORY_DEFAULT)
            }
        }
    }

    /// An empty reservation, to grow.
    pub fn reserve_none(&self) -> Reservation {
        Reservation {
            budget: self.clone(),
            bytes: 0,
        }
    }

    fn take(&self, bytes: usize) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }

    /// Bytes left, for tests.
    pub fn left(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

/// Bytes taken from a [`MemoryBudget`], given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: MemoryBudget,
    bytes: usize,
}

impl Reservation {
    /// Takes `bytes` more, if the budget has them.
    pub fn try_grow(&mut self, bytes: usize) -> bool {
        let ok = self.budget.take(bytes);
        if ok {
            self.bytes += bytes;
        }
        ok
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.0.fetch_add(self.bytes, Ordering::AcqRel);
    }
}

/// A staged table: its rows in memory (with the budget they hold), the
/// path of their Arrow IPC file, or, for a large county's bookings,
/// releases and charges, its parts by booking id (see `parts`), each of
/// which is one of the first two.
#[derive(Clone, Debug)]
pub enum StagedData {
    Memory(DataFrame, Arc<Reservation>),
    File(PathBuf),
    Parts(Vec<StagedData>),
}

impl StagedData {
    /// A lazy scan of the rows (of a table in parts: part after part).
    pub fn scan(&self) -> PolarsResult<LazyFrame> {
        match self {
            StagedData::Memory(df, _) => Ok(df.clone().lazy()),
            StagedData::File(path) => scan_staged(path),
            StagedData::Parts(parts) => concat(
                parts
                    .iter()
                    .map(StagedData::scan)
                    .collect::<PolarsResult<Vec<_>>>()?,
                UnionArgs::default(),
            ),
        }
    }

    /// The estimated size of rows held in memory; `None` when any of them
    /// is in a file.
    pub fn memory_size(&self) -> Option<usize> {
        match self {
            StagedData::Memory(df, _) => Some(df.estimated_size()),
            StagedData::File(_) => None,
            StagedData::Parts(parts) => parts.iter().map(StagedData::memory_size).sum(),
        }
    }
}

/// Writes a staged table batch by batch: into memory while the budget
/// allows, then (everything so far, and every later batch) into its file,
/// which is created only then.
pub struct StagedSink {
    path: PathBuf,
    schema: Schema,
    kept: Kept,
}

/// Where a sink's rows are so far.
enum Kept {
    Memory(DataFrame, Reservation),
    File(StagedWriter),
    Parts(Box<PartSinks>),
}

impl StagedSink {
    pub fn new(path: PathBuf, schema: Schema, budget: &MemoryBudget) -> StagedSink {
        StagedSink {
            kept: Kept::Memory(DataFrame::empty_with_schema(&schema), budget.reserve_none()),
            path,
            schema,
        }
    }

    /// A sink that writes its rows into `parts` parts by booking id (see
    /// `parts`), each a sink of its own at `path` with `.partNNN` added.
    pub fn in_parts(path: PathBuf, schema: Schema, budget: &MemoryBudget, parts: usize) -> Self {
        StagedSink {
            kept: Kept::Parts(Box::new(PartSinks::new(&path, &schema, budget, parts))),
            path,
            schema,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write_batch(&mut self, df: DataFrame) -> Result<(), IngestError> {
        let stage = |source| IngestError::Stage {
            path: self.path.clone(),
            source,
        };
        let rows = match &mut self.kept {
            Kept::Parts(parts) => return parts.write_batch(df, &self.path),
            Kept::File(writer) => return writer.write_batch(&df).map_err(stage),
            Kept::Memory(rows, reservation) => {
                if reservation.try_grow(held_bytes(&df)) {
                    let df = own_strings(df).map_err(stage)?;
                    return rows.vstack_mut_owned(df).map(|_| ()).map_err(stage);
                }
                rows
            }
        };
        // Over budget: to disk, with what was kept so far, then this batch.
        let mut writer = batched_writer(&self.path, &self.schema)?;
        if rows.height() > 0 {
            writer.write_batch(rows).map_err(stage)?;
        }
        writer.write_batch(&df).map_err(stage)?;
        // The rows kept and their reservation are dropped here, and the
        // budget given back.
        self.kept = Kept::File(writer);
        Ok(())
    }

    pub fn finish(self) -> Result<StagedData, IngestError> {
        match self.kept {
            Kept::Parts(parts) => parts.finish(),
            Kept::File(mut writer) => {
                writer.finish().map_err(|source| IngestError::Stage {
                    path: self.path.clone(),
                    source,
                })?;
                Ok(StagedData::File(self.path))
            }
            Kept::Memory(rows, reservation) => Ok(StagedData::Memory(rows, Arc::new(reservation))),
        }
    }
}

/// The bytes `df` holds in memory once its text is its own
/// ([`own_strings`]): polars' estimate, plus the 16-byte view of each
/// string value, which the estimate leaves out (it counts a string
/// column's text alone).
pub(crate) fn held_bytes(df: &DataFrame) -> usize {
    let strings = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .count();
    df.estimated_size() + strings * df.height() * 16
}

/// `df` with each string column holding its own text only. A batch split
/// into parts (see `parts`) gives every part views into the whole batch's
/// text: kept as it is, a part in memory would keep every other part's
/// text alive too, outside the budget's count (on Los Angeles x4, more
/// than twice the budget: bench/README.md). A column that already owns
/// its text is kept as it is.
pub(crate) fn own_strings(df: DataFrame) -> PolarsResult<DataFrame> {
    let height = df.height();
    let columns = df
        .into_columns()
        .into_iter()
        .map(|c| {
            if c.dtype() != &DataType::String {
                return Ok(c);
            }
            let ca = c.str()?;
            let owned = StringChunked::from_chunk_iter(
                ca.name().clone(),
                ca.downcast_iter().map(|a| a.deshare()),
            );
            Ok(owned.into_column())
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(height, columns)
}

/// Writer of a staged file: Arrow IPC, uncompressed, written as polars'
/// IPC writer writes it (the same file), except that the buffer a batch is
/// encoded in is given back after each batch. polars' writer keeps it for
/// the next batch, as large as the largest so far; a large county staged
/// into parts keeps a writer open per part and table of each file being
/// read, and those buffers added up to much of the heap's peak on a large
/// county (bench/README.md).
struct StagedWriter(polars_arrow::io::ipc::write::FileWriter<std::fs::File>);

impl StagedWriter {
    fn write_batch(&mut self, df: &DataFrame) -> PolarsResult<()> {
        for batch in df.iter_chunks(CompatLevel::newest(), true) {
            self.0.write(&batch, None)?;
        }
        drop(self.0.get_scratches());
        Ok(())
    }

    fn finish(&mut self) -> PolarsResult<()> {
        self.0.finish()
    }
}

fn batched_writer(path: &Path, schema: &Schema) -> Result<StagedWriter, IngestError> {
    let file = std::fs::File::create(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Staged files live for one run, in the page cache. Arrow IPC is the
    // in-memory layout written as it is: Parquet cost its dictionary and
    // plain encodings both ways; compressing cost more (LZ4 both ways) than
    // it saved.
    let arrow = schema.to_arrow(CompatLevel::newest());
    let fields = polars_arrow::io::ipc::write::default_ipc_fields(arrow.iter_values());
    let mut writer = polars_arrow::io::ipc::write::FileWriter::new(
        file,
        Arc::new(arrow),
        Some(fields),
        polars_arrow::io::ipc::write::WriteOptions { compression: None },
    );
    writer.start().map_err(|source| IngestError::Stage {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(StagedWriter(writer))
}

/// A lazy scan of a staged (Arrow IPC) file: one this run wrote, in its
/// private work folder.
pub fn scan_staged(path: &Path) -> PolarsResult<LazyFrame> {
    // SAFETY: `checked` only turns off the re-validation of string data
    // (UTF-8 and view bounds) as it is read. Every staged file is written by
    // this process from polars' own string arrays, built from `&str`, into a
    // folder only it uses: checking them again cost more than reading them.
    let checked = unsafe { polars::polars_utils::bool::UnsafeBool::new_false() };
    LazyFrame::scan_ipc(
        PlRefPath::try_from_path(path)?,
        IpcScanOptions {
            checked,
            ..Default::default()
        },
        UnifiedScanArgs::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(rows: &[i64]) -> DataFrame {
        let n = rows.len();
        DataFrame::new(n, vec![Column::new("x".into(), rows.to_vec())]).unwrap()
    }

    fn schema() -> Schema {
        let mut s = Schema::default();
        s.insert("x".into(), DataType::Int64);
        s
    }

    fn collected(data: &StagedData) -> Vec<i64> {
        let df = data.scan().unwrap().collect().unwrap();
        df.column("x")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    }

    #[test]
    fn within_budget_rows_stay_in_memory_and_give_the_budget_back() {
        let dir = tempfile::tempdir().unwrap();
        let budget = MemoryBudget::new(1 << 20);
        let mut sink = StagedSink::new(dir.path().join("t.arrow"), schema(), &budget);
        sink.write_batch(batch(&[1, 2])).unwrap();
        sink.write_batch(batch(&[3])).unwrap();
        let data = sink.finish().unwrap();
        assert!(matches!(data, StagedData::Memory(..)));
        assert!(!dir.path().join("t.arrow").exists());
        assert_eq!(collected(&data), vec![1, 2, 3]);
        assert!(budget.left() < 1 << 20);
        drop(data);
        assert_eq!(budget.left(), 1 << 20);
    }

    #[test]
    fn over_budget_every_row_goes_to_the_file_in_order() {
        let dir = tempfile::tempdir().unwrap();
        // Room for two batches of 3 Int64 values (24 bytes each), not three.
        let budget = MemoryBudget::new(60);
        let mut sink = StagedSink::new(dir.path().join("t.arrow"), schema(), &budget);
        sink.write_batch(batch(&[1, 2, 3])).unwrap();
        sink.write_batch(batch(&[4, 5, 6])).unwrap();
        assert_eq!(budget.left(), 60 - 48);
        assert!(!dir.path().join("t.arrow").exists());
        sink.write_batch(batch(&[7, 8, 9])).unwrap();
        // The two batches kept so far went to the file, their budget back.
        assert!(dir.path().join("t.arrow").exists());
        assert_eq!(budget.left(), 60);
        sink.write_batch(batch(&[10])).unwrap();
        let data = sink.finish().unwrap();
        assert!(matches!(data, StagedData::File(_)));
        assert_eq!(collected(&data), (1..=10).collect::<Vec<i64>>());
    }

    /// `n` rows of 40-byte ids (too long to sit in their views).
    fn ids(n: usize) -> DataFrame {
        let ids: Vec<String> = (0..n).map(|i| format!("{i:040}")).collect();
        DataFrame::new(n, vec![Column::new("booking_id".into(), ids)]).unwrap()
    }

    fn id_schema() -> Schema {
        let mut s = Schema::default();
        s.insert("booking_id".into(), DataType::String);
        s
    }

    #[test]
    fn a_part_kept_in_memory_holds_its_own_text_and_counts_its_views() {
        let dir = tempfile::tempdir().unwrap();
        let batch = ids(1000);
        let parts = super::super::parts::split_frame(&batch, 4).unwrap();
        let part = parts[0].clone();
        let (rows, text) = (part.height(), part.estimated_size());
        assert!(rows > 100 && rows < 400, "{rows} rows in part 0");
        let buffers = |df: &DataFrame| -> usize {
            df.column("booking_id")
                .unwrap()
                .str()
                .unwrap()
                .downcast_iter()
                .map(|a| a.total_buffer_len())
                .sum()
        };
        // The part points into the whole batch's text.
        assert_eq!(buffers(&part), 40_000);
        // polars counts the part's text alone (40 bytes a row), not the
        // batch's buffers it points into, nor its 16-byte views.
        assert_eq!(text, rows * 40);
        // The budget has room for its text, not its views: to the file.
        let budget = MemoryBudget::new(text);
        let mut sink = StagedSink::new(dir.path().join("a.arrow"), id_schema(), &budget);
        sink.write_batch(part.clone()).unwrap();
        assert!(matches!(sink.finish().unwrap(), StagedData::File(_)));
        // With room for both, it stays in memory with its own text only:
        // 40 bytes a row, not the whole batch's 40,000.
        let budget = MemoryBudget::new(rows * (40 + 16));
        let mut sink = StagedSink::new(dir.path().join("b.arrow"), id_schema(), &budget);
        sink.write_batch(part.clone()).unwrap();
        assert_eq!(budget.left(), 0);
        let StagedData::Memory(kept, _) = sink.finish().unwrap() else {
            panic!("not in memory")
        };
        assert_eq!(buffers(&kept), rows * 40);
        assert!(kept.equals(&part));
    }

    #[test]
    fn with_no_budget_the_first_batch_goes_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let budget = MemoryBudget::new(0);
        let mut sink = StagedSink::new(dir.path().join("t.arrow"), schema(), &budget);
        sink.write_batch(batch(&[9])).unwrap();
        let data = sink.finish().unwrap();
        assert!(matches!(data, StagedData::File(_)));
        assert_eq!(collected(&data), vec![9]);
    }

    #[test]
    fn a_sink_with_no_batch_scans_as_an_empty_table_of_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let sink = StagedSink::new(dir.path().join("t.arrow"), schema(), &MemoryBudget::new(0));
        let data = sink.finish().unwrap();
        let df = data.scan().unwrap().collect().unwrap();
        assert_eq!(df.height(), 0);
        assert_eq!(df.schema().get("x"), Some(&DataType::Int64));
    }
}
