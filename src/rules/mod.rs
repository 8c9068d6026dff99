//! Rules: SPEC section 3 applied to a pipeline's staged tables.
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

/// One row of the holds table (SPEC 6).
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
    pub status: &'static str,
    pub past_release: Option<bool>,
    pub form: String,
    pub warrant_status: String,
    pub flagged: bool,
    pub over_limit: Option<bool>,
    pub limit_hours_counted: Option<f64>,
    pub regime: &'static str,
    pub released_at: Option<i64>,
    pub release_reason: Option<String>,
    pub bail_status: Option<String>,
    pub final_order: Option<bool>,
    pub transferred_to_ice: bool,
    pub detainers: u32,
    pub detainer_ids: String,
    /// The month a hold is counted in: local year and month of `hold_start`,
    /// or of the first lodging when the start is unknown.
    pub year: i32,
    pub month: u32,
    pub source_file: String,
    pub source_row: i64,
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

/// Applies SPEC 3 to one pipeline's staged inputs.
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
    // A booking whose release rows conflict cannot be measured: taking it as
    // never released would overstate any hold. (Releases of a conflicting
    // booking become orphans and are rejected when joined.)
    let bookings = if r.conflicting_ids.is_empty() {
        b.clean
    } else {
        let ids = Series::new("".into(), &r.conflicting_ids);
        let bad = b
            .clean
            .clone()
            .filter(is_among("booking_id", ids.clone()))
            .collect_with_engine(staged_engine)?
            .unwrap_single();
        rejects.extend(rejects_of(
            &bad,
            Table::Bookings,
            SOURCE_FILE,
            SOURCE_ROW,
            SOURCE_LINE,
            "conflicting_release",
            |_| "the release rows of this booking_id conflict; it cannot be measured".to_string(),
        )?);
        b.clean.filter(not_in("booking_id", ids))
    };
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
        Some(local) => (
            // The pipeline check rejects an as_of in a DST gap.
            crate::ingest::parse::local_to_utc_micros(local, &p.tz).unwrap_or_default(),
            "pipeline",
        ),
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
    let months = step("rules: months", || {
        month_counts(&joined, &cases, p.tz, engine)
    })?;
    let (holds, mut r) = step("rules: holds", || build_holds(p, &cases, &attached, as_of))?;
    rejects.append(&mut r);

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

fn build_holds(
    p: &Pipeline,
    cases: &DataFrame,
    attached: &DataFrame,
    as_of: i64,
) -> PolarsResult<(Vec<Hold>, Vec<Reject>)> {
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
            });
        }
    }
    for ds in by_booking.values_mut() {
        // Lodging order decides "the first detainer lodged" (SPEC 3.7).
        ds.sort_by(|a, b| {
            a.lodged_at
                .cmp(&b.lodged_at)
                .then_with(|| a.detainer_id.cmp(&b.detainer_id))
        });
    }

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

    let mut holds = Vec::new();
    for i in 0..cases.height() {
        let Some(id) = booking_id[i].clone() else {
            continue;
        };
        let Some(all) = by_booking.get(&id) else {
            continue;
        };
        let lodged = interval::lodged_before_release(all, released[i]);
        if lodged.is_empty() {
            continue; // every detainer came after release: no hold
        }
        let iv = interval::hold_interval(eligible[i], released[i], as_of, &lodged);
        if let Some(detail) = plausibility::implausible_hold(iv.minutes) {
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
            continue;
        }
        let act = warrant::active(&lodged, iv.start, iv.end);
        let warrant_status = warrant::warrant_status(&act, &p.rules.missing_warrant);
        let form = lodged[0]
            .form
            .clone()
            .unwrap_or_else(|| crate::model::UNKNOWN.to_string());
        let (over_limit, limit_hours) = match (iv.start, iv.end) {
            (Some(s), Some(e)) => limit48::limit(Some(&form), s, e, &p.tz),
            _ => (None, None),
        };
        let past = flag::past_release(iv.minutes, p.rules.grace_minutes);
        let first_lodged = lodged[0].lodged_at;
        let basis_day = local_date(iv.start.unwrap_or(first_lodged), &p.tz);
        let flagged = flag::flagged(
            past,
            &warrant_status,
            iv.start.map(|s| local_date(s, &p.tz)),
            p.rules.since,
            p.rules.until,
        );
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
            eligibility_source: match source[i].as_deref() {
                Some("releases") => "releases",
                Some("charges") => "charges",
                _ => "none",
            },
            first_lodged_at: first_lodged,
            hold_start: iv.start,
            hold_end: iv.end,
            hold_minutes: iv.minutes,
            status: iv.status.name(),
            past_release: past,
            form,
            warrant_status,
            flagged,
            over_limit,
            limit_hours_counted: limit_hours,
            regime: regime::regime(&p.state, basis_day),
            released_at: released[i],
            release_reason: reason[i].clone(),
            bail_status: bail[i].clone(),
            final_order: lodged
                .iter()
                .filter_map(|d| d.final_order)
                .reduce(|a, b| a || b),
            transferred_to_ice: transferred,
            detainers: lodged.len() as u32,
            detainer_ids: det_ids.join(";"),
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
    Ok((holds, rejects))
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
