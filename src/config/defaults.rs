//! The value every optional pipeline key takes when a file leaves it out
//! (docs/PIPELINE_FILES.md), each named here so that validation holds no
//! literal default of its own and the defaults can be read in one place.
//!
//! Keys whose absence means "none" or "unbounded" (`as_of`, `rules.until`,
//! `class.from`, `class.to`, `sheet`) have no constant: they stay `None`.
//! How a date without a time is read, per field, is the rules' business and
//! lives with them (`model::DateOnly::default_for`, method rule 12).

use super::Encoding;
use chrono::NaiveDate;
use std::path::Path;

// [rules]

/// `rules.since`: the first local day a hold may start in to be flagged
/// (method rule 7), and the first month of the monthly summary.
pub const SINCE: NaiveDate = match NaiveDate::from_ymd_opt(2011, 1, 1) {
    Some(day) => day,
    None => panic!("the default `since` is a real day"),
};

/// `rules.grace_minutes`: with none, one minute of detention after
/// eligibility counts (method rules 5 and 7).
pub const GRACE_MINUTES: i64 = 0;

/// `rules.damages.per_day` and `rules.damages.cap`: the terms of the
/// *Roy v. County of Los Angeles* settlement, as docs/METHOD.md says under
/// "People and the class list".
pub const DAMAGES_PER_DAY: f64 = 1000.0;
pub const DAMAGES_CAP: f64 = 25000.0;

/// `rules.max_reject_rate`: the share of an input's rows that may be
/// rejected before `run` and `check` exit with status 1.
pub const MAX_REJECT_RATE: f64 = 0.01;

/// `rules.missing_warrant`: a detainer whose warrant is not recorded has an
/// unknown warrant, which is never flagged (method rules 6 and 12).
pub const MISSING_WARRANT: &str = "unknown";

/// `rules.name_similarity`: the Jaro-Winkler score from which two names
/// with one birth date are listed in `possible_duplicates` for review.
pub const NAME_SIMILARITY: f64 = 0.9;

// [class]

/// `class.min_hold_minutes`: any flagged hold is long enough for the class.
pub const CLASS_MIN_HOLD_MINUTES: i64 = 0;

/// `class.exclude_final_order`: holds of people with a prior final removal
/// order stay in the class unless the pipeline leaves them out.
pub const CLASS_EXCLUDE_FINAL_ORDER: bool = false;

// [[inputs]]

/// `format`, when absent: the extension of the input's path decides, and
/// anything not recognised as a workbook or Parquet is read as CSV.
pub fn format_by_extension(path: &str) -> &'static str {
    let ext = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase());
    match ext.as_deref() {
        Some("xlsx" | "xlsm" | "xls") => "xlsx",
        Some("parquet" | "pq") => "parquet",
        _ => "csv",
    }
}

/// `delimiter` (CSV only).
pub const DELIMITER: u8 = b',';

/// `encoding` (CSV only).
pub const ENCODING: Encoding = Encoding::Utf8;

/// `skip_rows`: no preamble before the header.
pub const SKIP_ROWS: usize = 0;

/// `null_values`: only an empty field means "no value".
pub const NULL_VALUES: &[&str] = &[""];

/// `[inputs.formats]` of a datetime field the pipeline gives no format for,
/// tried in order.
pub const DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
];

/// `[inputs.formats]` of a date field (`dob`) the pipeline gives no format
/// for.
pub const DATE_FORMATS: &[&str] = &["%Y-%m-%d"];
