//! Where one pipeline's audit keeps intermediate results, and which polars
//! engine reads them.

use polars::prelude::*;

/// The engine for a query over tables that are not bounded by a part (the
/// detainers): polars' in-memory engine when every table it reads is in
/// memory (each within the run's staging budget), else the streaming
/// engine, so that a table on disk is never read whole. (A part's queries
/// use the in-memory engine: see `audit::run`.)
pub(crate) fn engine_for(in_memory: bool) -> Engine {
    if in_memory {
        Engine::InMemory
    } else {
        Engine::Streaming
    }
}

/// Where one pipeline's rules keep intermediate results: in memory within
/// the run's staging budget, else in a private folder.
pub struct Scratch {
    pub dir: std::path::PathBuf,
    /// Prefix of the files written there, unique per pipeline.
    pub tag: String,
    budget: crate::ingest::MemoryBudget,
    /// The budget taken by results kept in memory, given back when the
    /// pipeline is done.
    held: std::cell::RefCell<Vec<crate::ingest::Reservation>>,
}

impl Scratch {
    pub fn new(dir: &std::path::Path, tag: String, budget: &crate::ingest::MemoryBudget) -> Self {
        Scratch {
            dir: dir.to_path_buf(),
            tag,
            budget: budget.clone(),
            held: Default::default(),
        }
    }

    /// Runs `lf` once with `engine`, and returns a scan of its result (to
    /// read with the same engine: the result is no larger than what `lf`
    /// reads). A plan
    /// that several later queries use (the bookings joined to their releases
    /// and charges) is so computed once instead of once per query: polars
    /// re-runs a shared lazy plan for every collect. The result is collected
    /// (it is a part's narrow table, a few columns of at most a part's
    /// bookings) and kept in memory when the staging budget has room for it,
    /// else written to an Arrow IPC file (uncompressed, like the staged
    /// files) and scanned from there.
    pub(crate) fn materialize(
        &self,
        lf: LazyFrame,
        name: &str,
        engine: Engine,
    ) -> PolarsResult<LazyFrame> {
        let mut df = lf.collect_with_engine(engine)?.unwrap_single();
        let mut reservation = self.budget.reserve_none();
        // Counted and kept as staged tables are (`ingest::store`): a
        // join's result may point into its inputs' text, which would stay
        // alive, uncounted, with it.
        if reservation.try_grow(crate::ingest::held_bytes(&df)) {
            let df = crate::ingest::own_strings(df)?;
            self.held.borrow_mut().push(reservation);
            crate::progress::count("joined tables in memory");
            return Ok(df.lazy());
        }
        crate::progress::count("joined tables on disk");
        let path = self.dir.join(format!("{}.{name}.arrow", self.tag));
        let file = std::fs::File::create(&path).map_err(|e| PolarsError::IO {
            error: std::sync::Arc::new(e),
            msg: Some(path.display().to_string().into()),
        })?;
        IpcWriter::new(file)
            .with_compression(None)
            .finish(&mut df)?;
        crate::ingest::scan_staged(&path)
    }
}
