//! The rules of docs/METHOD.md applied to a pipeline's staged tables.
//!
//! The large tables (bookings, releases, charges) stay lazy and are only
//! scanned, joined and aggregated by polars. What is materialized is small by
//! the nature of the data, each with its reason:
//! - duplicate booking ids, orphan rows and releases before booking: the
//!   rows to reject, a sliver of the input;
//! - the bookings with a detainer and their detainers (about 5% of bookings):
//!   the per-hold rules (48-hour clocks over the holiday calendar, warrant
//!   precedence) are plain Rust functions, one module each, unit-tested;
//! - monthly and yearly aggregates;
//! - one table's `booking_id` column at a time (a county's ids, one string
//!   column), to find repeated ids and rows with no booking in one pass
//!   over a hash map or set, cheaper than polars' group-bys and
//!   anti-joins on strings.
//!
//! The staged tables, and the joined bookings several queries read, are in
//! memory only within the run's staging budget (`ingest::store`), else on
//! disk: the memory they take is bounded by the budget, not by the size of
//! a county. The id columns above are bounded by one county's rows (about
//! 330,000 bookings, a few MiB, for a county of the synthetic state).

pub mod attach;
pub mod baseline;
pub mod dedupe;
pub mod eligibility;
pub mod flag;
pub(crate) mod frame;
pub mod hold;
pub mod interval;
pub mod limit48;
pub(crate) mod local;
pub mod person;
pub mod plausibility;
pub mod regime;
pub mod similarity;
pub mod warrant;

use crate::config::Pipeline;
use crate::ingest::{staged_schema, Reject, Staged, SOURCE_FILE, SOURCE_LINE, SOURCE_ROW};
use crate::model::Table;
use crate::progress::step;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use frame::{bools, days, i64s, strs};
use interval::Detainer;
use polars::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{}: while applying the rules: {source}", pipeline.display())]
    Polars {
        pipeline: std::path::PathBuf,
        #[source]
        source: PolarsError,
    },
}

/// One row of the holds table.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub booking_id: String,
    pub person_key: String,
    pub match_basis: &'static str,
    pub person_id: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    /// Days since 1970-01-01.
    pub dob: Option<i32>,
    pub booked_at: i64,
    pub eligible_at: Option<i64>,
    pub eligibility_source: &'static str,
    pub first_lodged_at: i64,
    pub hold_start: Option<i64>,
    pub hold_end: Option<i64>,
    pub hold_minutes: Option<i64>,
    /// The part of the hold before a judicial warrant came into force.
    pub unwarranted_minutes: Option<i64>,
    pub status: &'static str,
    pub past_release: Option<bool>,
    /// The form of the detainer in force at `hold_start`; `None` when no
    /// detainer was in force after eligibility.
    pub form: Option<String>,
    pub warrant_status: &'static str,
    pub flagged: bool,
    pub over_limit: Option<bool>,
    pub limit_hours_counted: Option<f64>,
    pub regime: &'static str,
    /// The release the hold was measured to: the export's `released_at`, or
    /// the earliest ICE custody time where it has none.
    pub released_at: Option<i64>,
    /// Where `released_at` came from: `releases`, `ice_custody`, `none`
    /// (still held), or `rejected` (a release row could not be used).
    pub release_source: &'static str,
    pub release_reason: Option<String>,
    pub bail_status: Option<String>,
    pub final_order: Option<bool>,
    pub transferred_to_ice: bool,
    pub detainers: u32,
    pub detainer_ids: String,
    /// Evidence: the release or charge rows that set `eligible_at`,
    /// the row that set `released_at`, and the detainer rows in force during
    /// the hold, each as `file row N`.
    pub eligibility_from: Vec<String>,
    pub release_from: Option<String>,
    pub detainer_rows: Vec<String>,
    /// Every detainer lodged before the release, in lodging order.
    pub detainer_details: Vec<HoldDetainer>,
    /// The month a hold is counted in: local year and month of `hold_start`,
    /// or of the first lodging when the start is unknown.
    pub year: i32,
    pub month: u32,
    pub source_file: String,
    pub source_row: i64,
}

/// One detainer of a hold, as the `hold_detainers` output shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldDetainer {
    pub detainer_id: Option<String>,
    pub source_file: String,
    pub source_row: i64,
    pub lodged_at: i64,
    pub lifted_at: Option<i64>,
    pub ice_custody_at: Option<i64>,
    pub form: Option<String>,
    /// The warrant's category, an empty field read per `missing_warrant`.
    pub warrant: String,
    /// In force during the hold (see `hold::Evaluated::in_force`).
    pub in_force: bool,
    /// The part of the hold it was in force for.
    pub in_force_during: Option<(i64, i64)>,
}

/// Bookings and bookings with a detainer per local month of `booked_at`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthCounts {
    pub bookings: u64,
    pub bookings_with_detainer: u64,
}

/// Everything the outputs need from one pipeline.
#[derive(Debug)]
pub struct Audit {
    pub holds: Vec<Hold>,
    pub months: BTreeMap<(i32, u32), MonthCounts>,
    /// Per local year: median minutes from eligibility to release for
    /// bookings without a detainer, and how many bookings it is over.
    pub baseline: BTreeMap<i32, (f64, u64)>,
    /// Rows rejected by the rules (duplicates, orphans, inconsistent times);
    /// their `raw` is filled in by the caller from the source files.
    pub rejects: Vec<Reject>,
    /// The `as_of` instant used (UTC microseconds) and where it came from.
    pub as_of: i64,
    pub as_of_source: &'static str,
}

/// The engine for a query: polars' in-memory engine when every table it
/// reads is in memory (each within the run's staging budget), else the
/// streaming engine, so that a table on disk is never read whole. The
/// tables of one county are small; streaming them cost about a tenth more
/// CPU and more peak memory (measured in the README).
pub(crate) fn engine_for(in_memory: bool) -> Engine {
    if in_memory {
        Engine::InMemory
    } else {
        Engine::Streaming
    }
}

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

/// The local wall-clock time in `tz` of a UTC-microsecond instant.
pub fn local_datetime(micros: i64, tz: &chrono_tz::Tz) -> Option<chrono::NaiveDateTime> {
    DateTime::<Utc>::from_timestamp_micros(micros).map(|t| t.with_timezone(tz).naive_local())
}

pub fn local_date(micros: i64, tz: &chrono_tz::Tz) -> NaiveDate {
    local_datetime(micros, tz).unwrap_or_default().date()
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

    /// Runs `lf` once, and returns a scan of its result and the engine to
    /// read it with (see [`engine_for`]; `engine` is the one for `lf`). A plan
    /// that several later queries use (the bookings joined to their releases
    /// and charges) is so computed once instead of once per query: polars
    /// re-runs a shared lazy plan for every collect. The result holds every
    /// booking: it is kept in memory only when `estimate` (its size, from
    /// the in-memory staged tables it is made of) fits the staging budget,
    /// else written to an Arrow IPC file (uncompressed, like the staged
    /// files) and scanned from there.
    pub(crate) fn materialize(
        &self,
        lf: LazyFrame,
        name: &str,
        estimate: Option<usize>,
        engine: Engine,
    ) -> PolarsResult<(LazyFrame, Engine)> {
        if let Some(bytes) = estimate {
            let mut reservation = self.budget.reserve_none();
            if reservation.try_grow(bytes) {
                let df = lf.collect_with_engine(engine)?.unwrap_single();
                self.held.borrow_mut().push(reservation);
                crate::progress::count("joined tables in memory");
                return Ok((df.lazy(), engine));
            }
        }
        crate::progress::count("joined tables on disk");
        let path = self.dir.join(format!("{}.{name}.arrow", self.tag));
        lf.sink(
            SinkDestination::File {
                target: SinkTarget::Path(PlRefPath::try_from_path(&path)?),
            },
            FileWriteFormat::Ipc(IpcWriterOptions {
                compression: None,
                record_batch_size: Some(64 * 1024),
                ..Default::default()
            }),
            UnifiedSinkArgs::default(),
        )?
        .collect_with_engine(Engine::Streaming)?;
        Ok((crate::ingest::scan_staged(&path)?, Engine::Streaming))
    }
}

/// Applies the method's rules to one pipeline's staged inputs.
pub fn audit(p: &Pipeline, staged: &[Staged], scratch: &Scratch) -> Result<Audit, RulesError> {
    run(p, staged, scratch).map_err(|source| RulesError::Polars {
        pipeline: p.file.clone(),
        source,
    })
}

fn run(p: &Pipeline, staged: &[Staged], scratch: &Scratch) -> PolarsResult<Audit> {
    let mut rejects = Vec::new();
    let staged_engine = engine_for(staged.iter().all(|s| s.rows.memory_size().is_some()));

    // Duplicates first: a booking id must name one booking (and one release).
    let mut b = step("rules: dedupe bookings", || {
        dedupe::dedupe(staged, Table::Bookings, staged_engine)
    })?;
    rejects.append(&mut b.rejects);
    let mut r = step("rules: dedupe releases", || {
        dedupe::dedupe(staged, Table::Releases, staged_engine)
    })?;
    rejects.append(&mut r.rejects);
    // Method rules 1 and 2: a booking named by a rejected release or charge row,
    // or whose release rows conflict, keeps its hold row but is not measured
    // past what the export can show.
    let mut doubts = Doubts::default();
    for st in staged {
        let set = match st.table {
            Table::Releases => &mut doubts.release_rejected,
            Table::Charges => &mut doubts.charge_rejected,
            Table::Bookings | Table::Detainers => continue,
        };
        set.extend(st.rejected_ids.iter().cloned());
    }
    doubts
        .release_rejected
        .extend(r.conflicting_ids.iter().cloned());
    let bookings = b.clean;
    let releases = r.clean;

    // The joined bookings are about the size of the staged bookings and
    // releases they are made of; unknown when those are on disk.
    let estimate = staged
        .iter()
        .filter(|s| matches!(s.table, Table::Bookings | Table::Releases))
        .map(|s| s.rows.memory_size())
        .sum::<Option<usize>>();
    // The engine for queries over the joined bookings (and staged tables).
    let (joined, engine, mut r) = step("rules: join releases and charges", || {
        eligibility::join_releases(
            bookings,
            releases,
            scan(staged, Table::Charges)?,
            &doubts.charge_rejected,
            scratch,
            estimate,
            staged_engine,
        )
    })?;
    rejects.append(&mut r);
    let mut r = step("rules: charge orphans", || {
        eligibility::charge_orphans(&joined, scan(staged, Table::Charges)?, engine)
    })?;
    rejects.append(&mut r);

    // as_of: the pipeline's, else the newest time in the export (an export
    // cannot be older than its newest record; never the clock, so that runs
    // are reproducible).
    let detainers = scan(staged, Table::Detainers)?;
    let (as_of, as_of_source) = match p.as_of {
        Some(local) => (p.as_of_utc(local).unwrap_or_default(), "pipeline"),
        None => (
            step("rules: newest", || newest_time(&joined, &detainers, engine))?,
            "newest_record",
        ),
    };

    let (attached, mut r) = step("rules: attach", || {
        attach::attach(detainers, &joined, as_of, engine)
    })?;
    rejects.append(&mut r);
    let attached_ids = attached
        .clone()
        .lazy()
        .select([col("booking_id")])
        .unique(None, UniqueKeepStrategy::First);

    let baseline = step("rules: baseline", || {
        baseline::baseline(&joined, attached_ids.clone(), p.tz, engine)
    })?;

    // The bookings with a detainer, materialized: see the module docs.
    let cases = step("rules: cases", || {
        joined
            .clone()
            .semi_join(attached_ids, col("booking_id"), col("booking_id"))
            .collect_with_engine(engine)
    })?
    .unwrap_single();
    let mut months = step("rules: months", || {
        month_counts(&joined, &cases, p.tz, engine)
    })?;
    let charge_rows = step("rules: charge evidence", || {
        let source = strs(&cases, "eligibility_source")?;
        let ids = strs(&cases, "booking_id")?;
        let from_charges: Vec<&str> = ids
            .iter()
            .zip(&source)
            .filter(|(_, s)| s.as_deref() == Some("charges"))
            .filter_map(|(id, _)| id.as_deref())
            .collect();
        charge_evidence(staged, &from_charges, staged_engine)
    })?;
    let built = step("rules: holds", || {
        build_holds(p, &cases, &attached, as_of, &doubts, &charge_rows)
    })?;
    rejects.extend(built.rejects);
    // A booking rejected as implausible is not counted as a booking either
    // (it is in the rejects, not among the rows used).
    for month in built.dropped_bookings {
        if let Some(m) = months.get_mut(&month) {
            m.bookings = m.bookings.saturating_sub(1);
            m.bookings_with_detainer = m.bookings_with_detainer.saturating_sub(1);
        }
    }
    let holds = built.holds;

    Ok(Audit {
        holds,
        months,
        baseline,
        rejects,
        as_of,
        as_of_source,
    })
}

fn newest_time(joined: &LazyFrame, detainers: &LazyFrame, engine: Engine) -> PolarsResult<i64> {
    let a = joined
        .clone()
        .select([polars::lazy::dsl::max_horizontal([
            col("booked_at").max(),
            col("released_at").max(),
            col("eligible_at").max(),
        ])?
        .alias("t")])
        .collect_with_engine(engine)?
        .unwrap_single();
    let b = detainers
        .clone()
        .select([col("lodged_at").max().alias("t")])
        .collect_with_engine(engine)?
        .unwrap_single();
    let t = i64s(&a, "t")?
        .into_iter()
        .chain(i64s(&b, "t")?)
        .flatten()
        .max()
        .unwrap_or(0);
    Ok(t)
}

/// Bookings per local month of `booked_at`, and among them the bookings
/// with a detainer (`cases`, already materialized: counting them there
/// spares a join of every booking with the detainers' booking ids).
fn month_counts(
    joined: &LazyFrame,
    cases: &DataFrame,
    tz: chrono_tz::Tz,
    engine: Engine,
) -> PolarsResult<BTreeMap<(i32, u32), MonthCounts>> {
    let per_month = |bookings: LazyFrame| -> PolarsResult<Vec<((i32, u32), u64)>> {
        let df = bookings
            .select([local::local_month_index("booked_at", tz, "month")])
            .group_by([col("month")])
            .agg([len().alias("n")])
            .collect_with_engine(engine)?
            .unwrap_single();
        let months = i64s(&df, "month")?;
        let n = i64s(&df, "n")?;
        Ok((0..df.height())
            .filter_map(|i| {
                let month = local::month_of_index(i32::try_from(months[i]?).ok()?);
                Some((month, n[i].unwrap_or(0) as u64))
            })
            .collect())
    };
    let mut out: BTreeMap<_, MonthCounts> = BTreeMap::new();
    for (month, n) in per_month(joined.clone())? {
        out.entry(month).or_default().bookings = n;
    }
    for (month, n) in per_month(cases.clone().lazy())? {
        out.entry(month).or_default().bookings_with_detainer = n;
    }
    Ok(out)
}

/// What the rules need of the rows rejected at staging: the booking ids
/// named by rejected release rows (or whose release rows conflict) and by
/// rejected charge rows.
#[derive(Debug, Default)]
struct Doubts {
    release_rejected: PlHashSet<String>,
    charge_rejected: PlHashSet<String>,
}

/// The charge rows that set the eligibility of bookings whose eligibility
/// comes from charges (method rule 1): the criminal charges disposed last. Read
/// for the bookings with a detainer only.
fn charge_evidence(
    staged: &[Staged],
    ids: &[&str],
    engine: Engine,
) -> PolarsResult<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if ids.is_empty() || !staged.iter().any(|s| s.table == Table::Charges) {
        return Ok(out);
    }
    let df = scan(staged, Table::Charges)?
        .filter(is_among("booking_id", Series::new("".into(), ids)))
        .select([
            col("booking_id"),
            col(SOURCE_FILE),
            col(SOURCE_ROW),
            col("charge_kind"),
            col("charge_released_at"),
        ])
        .collect_with_engine(engine)?
        .unwrap_single();
    let booking = strs(&df, "booking_id")?;
    let files = strs(&df, SOURCE_FILE)?;
    let rows = i64s(&df, SOURCE_ROW)?;
    let kinds = strs(&df, "charge_kind")?;
    let released = i64s(&df, "charge_released_at")?;
    let mut latest: BTreeMap<&str, (i64, Vec<usize>)> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(id), Some(t)) = (booking[i].as_deref(), released[i]) else {
            continue;
        };
        if kinds[i].as_deref() == Some("immigration_hold") {
            continue;
        }
        let e = latest.entry(id).or_insert((t, Vec::new()));
        if t > e.0 {
            *e = (t, Vec::new());
        }
        if t == e.0 {
            e.1.push(i);
        }
    }
    for (id, (_, mut rows_at)) in latest {
        rows_at.sort_by_key(|&i| (files[i].clone(), rows[i]));
        out.insert(
            id.to_string(),
            rows_at
                .into_iter()
                .map(|i| place(files[i].as_deref().unwrap_or(""), rows[i].unwrap_or(0)))
                .collect(),
        );
    }
    Ok(out)
}

/// A source row as the evidence columns name it.
pub fn place(file: &str, row: i64) -> String {
    format!("{file} row {row}")
}

/// What `build_holds` gives back.
struct Built {
    holds: Vec<Hold>,
    rejects: Vec<Reject>,
    /// Local (year, month) of `booked_at` of each booking rejected here, and
    /// whether it had a detainer (every one does): they leave the counts.
    dropped_bookings: Vec<(i32, u32)>,
}

fn build_holds(
    p: &Pipeline,
    cases: &DataFrame,
    attached: &DataFrame,
    as_of: i64,
    doubts: &Doubts,
    charge_rows: &BTreeMap<String, Vec<String>>,
) -> PolarsResult<Built> {
    // Detainers by booking id.
    let mut by_booking: BTreeMap<String, Vec<Detainer>> = BTreeMap::new();
    {
        let ids = strs(attached, "booking_id")?;
        let lodged = i64s(attached, "lodged_at")?;
        let lifted = i64s(attached, "lifted_at")?;
        let form = strs(attached, "form")?;
        let warrant = strs(attached, "warrant")?;
        let final_order = bools(attached, "final_order")?;
        let ice = i64s(attached, "ice_custody_at")?;
        let det_id = strs(attached, "detainer_id")?;
        let files = strs(attached, SOURCE_FILE)?;
        let rows = i64s(attached, SOURCE_ROW)?;
        for i in 0..attached.height() {
            let (Some(id), Some(lodged_at)) = (ids[i].clone(), lodged[i]) else {
                continue;
            };
            by_booking.entry(id).or_default().push(Detainer {
                lodged_at,
                lifted_at: lifted[i],
                form: form[i].clone(),
                warrant: warrant[i].clone(),
                final_order: final_order[i],
                ice_custody_at: ice[i],
                detainer_id: det_id[i].clone(),
                source_file: files[i].clone().unwrap_or_default(),
                source_row: rows[i].unwrap_or(0),
            });
        }
    }
    for ds in by_booking.values_mut() {
        // In lodging order, as the holds' detainer lists show them.
        ds.sort_by(|a, b| {
            (a.lodged_at, &a.detainer_id, &a.source_file, a.source_row).cmp(&(
                b.lodged_at,
                &b.detainer_id,
                &b.source_file,
                b.source_row,
            ))
        });
    }
    let params = hold::Params {
        as_of,
        grace_minutes: p.rules.grace_minutes,
        missing_warrant: &p.rules.missing_warrant,
        since: p.rules.since,
        until: p.rules.until,
        tz: p.tz,
    };

    let booking_id = strs(cases, "booking_id")?;
    let person_id = strs(cases, "person_id")?;
    let last = strs(cases, "last_name")?;
    let first = strs(cases, "first_name")?;
    let dob = days(cases, "dob")?;
    let booked = i64s(cases, "booked_at")?;
    let eligible = i64s(cases, "eligible")?;
    let source = strs(cases, "eligibility_source")?;
    let released = i64s(cases, "released_at")?;
    let reason = strs(cases, "release_reason")?;
    let bail = strs(cases, "bail_status")?;
    let files = strs(cases, SOURCE_FILE)?;
    let rows = i64s(cases, SOURCE_ROW)?;
    let lines = i64s(cases, SOURCE_LINE)?;
    let r_files = strs(cases, "r_file")?;
    let r_rows = i64s(cases, "r_row")?;
    let r_lines = i64s(cases, "r_line")?;
    let mut rejects = Vec::new();
    let mut dropped_bookings = Vec::new();

    let mut holds = Vec::new();
    for i in 0..cases.height() {
        let Some(id) = booking_id[i].clone() else {
            continue;
        };
        let Some(all) = by_booking.get(&id) else {
            continue;
        };
        // Method rule 2: the release; where the export has none, the person's
        // handover to ICE; never measured past a release row that could not
        // be read.
        let ice_custody = all
            .iter()
            .filter_map(|d| d.ice_custody_at)
            .min_by_key(|&t| t);
        let (release, release_source, release_from) = if doubts.release_rejected.contains(&id) {
            (hold::Release::Unknown, "rejected", None)
        } else if let Some(r) = released[i] {
            let from = r_files[i]
                .as_deref()
                .map(|f| place(f, r_rows[i].unwrap_or(0)));
            (hold::Release::At(r), "releases", from)
        } else if let Some(t) = ice_custody {
            let d = all
                .iter()
                .filter(|d| d.ice_custody_at == Some(t))
                .min_by_key(|d| (&d.source_file, d.source_row))
                .map(|d| place(&d.source_file, d.source_row));
            (hold::Release::At(t), "ice_custody", d)
        } else {
            (hold::Release::Open, "none", None)
        };
        let lodged = interval::lodged_before(all, release.at());
        if lodged.is_empty() {
            continue; // every detainer came after release: no hold
        }
        let ev = hold::evaluate(eligible[i], release, &lodged, &params);
        if let Some(detail) = plausibility::implausible_hold(ev.hold_minutes) {
            rejects.push(Reject {
                table: Table::Bookings,
                source_file: files[i].clone().unwrap_or_default(),
                source_row: rows[i].unwrap_or(0),
                source_line: lines[i].unwrap_or(0),
                reason: "implausible_stay",
                detail: detail.clone(),
                raw: String::new(),
            });
            if let Some(r_file) = r_files[i].clone() {
                rejects.push(Reject {
                    table: Table::Releases,
                    source_file: r_file,
                    source_row: r_rows[i].unwrap_or(0),
                    source_line: r_lines[i].unwrap_or(0),
                    reason: "implausible_stay",
                    detail: detail.clone(),
                    raw: String::new(),
                });
            }
            if let Some(b) = booked[i] {
                let day = local_date(b, &p.tz);
                dropped_bookings.push((day.year(), day.month()));
            }
            continue;
        }
        let first_lodged = lodged.iter().map(|d| d.lodged_at).min().unwrap_or(0);
        let basis_day = local_date(ev.hold_start.unwrap_or(first_lodged), &p.tz);
        let dob_date = dob[i].map(crate::model::date_from_days);
        let (person_key, match_basis) = person::person_key(
            person_id[i].as_deref(),
            last[i].as_deref(),
            first[i].as_deref(),
            dob_date,
            &id,
        );
        let transferred = reason[i].as_deref() == Some("transfer_ice")
            || lodged.iter().any(|d| d.ice_custody_at.is_some());
        let mut det_ids: Vec<&str> = lodged
            .iter()
            .filter_map(|d| d.detainer_id.as_deref())
            .collect();
        det_ids.sort_unstable();
        det_ids.dedup();
        let eligibility_source = match source[i].as_deref() {
            Some("releases") => "releases",
            Some("charges") => "charges",
            _ => "none",
        };
        let eligibility_from = match eligibility_source {
            "releases" => r_files[i]
                .as_deref()
                .map(|f| vec![place(f, r_rows[i].unwrap_or(0))])
                .unwrap_or_default(),
            "charges" => charge_rows.get(&id).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        let spans = if ev.pieces.is_empty() {
            Vec::new()
        } else {
            let end = release.at().unwrap_or(as_of);
            lodged
                .iter()
                .map(|d| eligible[i].and_then(|e| d.in_force_within(e, end)))
                .collect()
        };
        let detainer_details: Vec<HoldDetainer> = lodged
            .iter()
            .enumerate()
            .map(|(k, d)| HoldDetainer {
                detainer_id: d.detainer_id.clone(),
                source_file: d.source_file.clone(),
                source_row: d.source_row,
                lodged_at: d.lodged_at,
                lifted_at: d.lifted_at,
                ice_custody_at: d.ice_custody_at,
                form: d.form.clone(),
                warrant: d
                    .warrant
                    .clone()
                    .unwrap_or_else(|| p.rules.missing_warrant.clone()),
                in_force: ev.in_force[k],
                in_force_during: spans.get(k).copied().flatten(),
            })
            .collect();
        let detainer_rows = detainer_details
            .iter()
            .filter(|d| d.in_force)
            .map(|d| place(&d.source_file, d.source_row))
            .collect();
        holds.push(Hold {
            booking_id: id,
            person_key,
            match_basis,
            person_id: person_id[i].clone(),
            last_name: last[i].clone(),
            first_name: first[i].clone(),
            dob: dob[i],
            booked_at: booked[i].unwrap_or(0),
            eligible_at: eligible[i],
            eligibility_source,
            first_lodged_at: first_lodged,
            hold_start: ev.hold_start,
            hold_end: ev.hold_end,
            hold_minutes: ev.hold_minutes,
            unwarranted_minutes: ev.unwarranted_minutes,
            status: ev.status.name(),
            past_release: ev.past_release,
            form: ev.form,
            warrant_status: ev.warrant_status,
            flagged: ev.flagged,
            over_limit: ev.over_limit,
            limit_hours_counted: ev.limit_hours_counted,
            regime: regime::regime(&p.state, basis_day),
            released_at: release.at(),
            release_source,
            release_reason: reason[i].clone(),
            bail_status: bail[i].clone(),
            final_order: lodged
                .iter()
                .filter_map(|d| d.final_order)
                .reduce(|a, b| a || b),
            transferred_to_ice: transferred,
            detainers: lodged.len() as u32,
            detainer_ids: det_ids.join(";"),
            eligibility_from,
            release_from,
            detainer_rows,
            detainer_details,
            year: basis_day.year(),
            month: basis_day.month(),
            source_file: files[i].clone().unwrap_or_default(),
            source_row: rows[i].unwrap_or(0),
        });
    }
    holds.sort_by(|a, b| {
        (a.source_file.as_str(), a.source_row, a.booking_id.as_str()).cmp(&(
            b.source_file.as_str(),
            b.source_row,
            b.booking_id.as_str(),
        ))
    });
    Ok(Built {
        holds,
        rejects,
        dropped_bookings,
    })
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

    #[test]
    fn months_are_local_not_utc() {
        // 2019-02-01 04:00 UTC is 2019-01-31 20:00 in Los Angeles.
        let df =
            DataFrame::new(1, vec![Column::new("t".into(), [1_548_993_600_000_000i64])]).unwrap();
        let la = chrono_tz::America::Los_Angeles;
        let out = df
            .lazy()
            .select([
                local::local_year("t", la, "year"),
                local::local_month_index("t", la, "month"),
            ])
            .collect()
            .unwrap();
        assert_eq!(i64s(&out, "year").unwrap(), [Some(2019)]);
        assert_eq!(i64s(&out, "month").unwrap(), [Some(2019 * 12)]);
        assert_eq!(
            local_date(1_548_993_600_000_000, &chrono_tz::America::Los_Angeles).to_string(),
            "2019-01-31"
        );
    }

    #[test]
    fn local_months_agree_with_the_zone_at_every_clock_change() {
        // Every 37 minutes of 1966 to 1975 and of 2011 to 2020 (each clock
        // change and month end passes by), and a null, against chrono-tz's
        // own local date, in zones west and east of UTC, with half-hour and
        // 45-minute offsets, and with southern summers.
        let starts = [
            -126_230_400_000_000i64,  // 1966-01-01 00:00 UTC
            1_293_840_000_000_000i64, // 2011-01-01 00:00 UTC
        ];
        let times: Vec<Option<i64>> = starts
            .iter()
            .flat_map(|s| (0..142_000i64).map(move |i| Some(s + i * 37 * 60_000_000)))
            .chain([None])
            .collect();
        let df = DataFrame::new(times.len(), vec![Column::new("t".into(), times.clone())]).unwrap();
        for zone in [
            chrono_tz::America::Los_Angeles,
            chrono_tz::America::St_Johns,
            chrono_tz::Europe::London,
            chrono_tz::Australia::Adelaide,
            chrono_tz::Pacific::Chatham,
            chrono_tz::UTC,
        ] {
            let out = df
                .clone()
                .lazy()
                .select([
                    local::local_year("t", zone, "year"),
                    local::local_month_index("t", zone, "month"),
                ])
                .collect()
                .unwrap();
            let years = i64s(&out, "year").unwrap();
            let months = i64s(&out, "month").unwrap();
            for (i, t) in times.iter().enumerate() {
                let want = t.map(|t| {
                    let d = local_date(t, &zone);
                    (d.year(), d.month())
                });
                let got = months[i].map(|m| local::month_of_index(m as i32));
                assert_eq!(got, want, "{zone} at {t:?}");
                assert_eq!(years[i], want.map(|w| i64::from(w.0)), "{zone} at {t:?}");
            }
        }
    }
}
