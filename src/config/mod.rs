//! Pipeline files (docs/PIPELINE_FILES.md): read, check and turn into a
//! typed [`Pipeline`], one per county export.
//!
//! Every problem of every file is collected before anything is reported, each
//! with the file, line, column and key at fault, so an analyst fixes them all
//! in one pass. No data file is opened here beyond expanding path globs.
//!
//! This file holds the validated types the rest of the tool reads; a
//! pipeline file goes through the module's other files in this order:
//!
//! - `load`: the command line's arguments expanded to files, each file read
//!   and parsed as TOML, and the problems of all files gathered;
//! - `locate`: the keys no struct accepts, reported all at once, and the
//!   line and column of any key path, for every problem;
//! - `raw`: the serde mirror of the TOML, and the keys each table allows,
//!   taken from its struct;
//! - `validate` and `validate_input`: raw values checked and turned into a
//!   [`Pipeline`], absent keys taking their value from `defaults`;
//! - `suggest` ("did you mean") and `slug` (a county's folder name) serve
//!   the others and callers outside.

mod defaults;
mod load;
mod locate;
mod raw;
mod slug;
mod suggest;
#[cfg(test)]
mod tests;
mod validate;
mod validate_input;

pub use defaults::{
    format_by_extension, DATETIME_FORMATS as DEFAULT_DATETIME_FORMATS,
    DATE_FORMATS as DEFAULT_DATE_FORMATS,
};
pub use load::{expand_arguments, load_all};
pub use slug::slugify;
pub use suggest::suggest;
pub use validate_input::format_is_valid;

use crate::model::{self, DateOnly, Table};
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// One problem in one pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line and column, when the problem has a place in the file.
    pub at: Option<(usize, usize)>,
    /// The key at fault, as a dotted path (`inputs[1].columns.booked_at`).
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.at {
            write!(f, ":{line}:{col}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All the problems found in the pipeline files given.
#[derive(Debug, thiserror::Error)]
pub struct ConfigErrors(pub Vec<Problem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in pipeline files:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// A validated pipeline: one county export.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub file: PathBuf,
    pub county: String,
    /// Lower-case ASCII name for folder names (`san-luis-obispo`).
    pub slug: String,
    pub state: String,
    pub tz: Tz,
    /// Local time the export was taken; open holds are measured to it.
    pub as_of: Option<NaiveDateTime>,
    pub rules: Rules,
    pub inputs: Vec<Input>,
    /// Coded field → source code → category.
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
    pub class: Class,
}

impl Pipeline {
    /// `as_of` (a local time) as a UTC instant; in the hour repeated when
    /// clocks go back, the earlier one, which ends open holds sooner (method
    /// rule 4). `None` only in the skipped hour, which validation refuses.
    pub fn as_of_utc(&self, local: NaiveDateTime) -> Option<i64> {
        crate::calendar::local_to_utc(local, &self.tz, crate::model::Fold::Earlier)
    }
}

/// Who is in the class list (`[class]`; by default every person with a
/// flagged hold).
#[derive(Debug, Clone)]
pub struct Class {
    /// First and last local day (inclusive) a hold may start in.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// A hold must last at least this long to count.
    pub min_hold_minutes: i64,
    /// Leave out holds of people with a prior final removal order.
    pub exclude_final_order: bool,
    pub subclasses: Vec<Subclass>,
}

/// A subclass: class holds whose holds-table `field` equals `equals`.
#[derive(Debug, Clone, PartialEq)]
pub struct Subclass {
    pub name: String,
    pub field: String,
    pub equals: SubclassValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubclassValue {
    Bool(bool),
    Text(String),
}

/// Holds fields a subclass can test, and whether each is a flag.
pub const SUBCLASS_FIELDS: &[(&str, bool)] = &[
    ("past_release", true),
    ("over_limit", true),
    ("transferred_to_ice", true),
    ("final_order", true),
    ("bail_status", false),
    ("form", false),
    ("warrant_status", false),
    ("regime", false),
    ("status", false),
    ("release_reason", false),
    ("eligibility_source", false),
];

#[derive(Debug, Clone)]
pub struct Rules {
    pub since: NaiveDate,
    /// Last day (inclusive) of the period, if bounded.
    pub until: Option<NaiveDate>,
    pub grace_minutes: i64,
    date_only: BTreeMap<String, DateOnly>,
    pub per_day: f64,
    pub cap: f64,
    pub max_reject_rate: f64,
    pub missing_warrant: String,
    pub name_similarity: f64,
}

impl Rules {
    /// How a date without a time is read for `field` (method rule 4).
    pub fn date_only(&self, field: &str) -> DateOnly {
        self.date_only
            .get(field)
            .copied()
            .unwrap_or_else(|| DateOnly::default_for(field))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

/// One `[[inputs]]` entry, its globs expanded.
#[derive(Debug, Clone)]
pub struct Input {
    /// 0-based position among the pipeline's inputs.
    pub index: usize,
    pub table: Table,
    /// The path pattern as written, for messages.
    pub pattern: String,
    /// Matching files, sorted, so runs are reproducible.
    pub files: Vec<PathBuf>,
    pub format: Format,
    pub delimiter: u8,
    pub encoding: Encoding,
    /// Sheet name (xlsx only); the first sheet when absent.
    pub sheet: Option<String>,
    pub skip_rows: usize,
    pub null_values: Vec<String>,
    pub columns: Vec<ColumnMap>,
}

/// A canonical field and where its value comes from.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    pub field: &'static model::Field,
    /// One source header, or a date header and a time header.
    pub sources: Vec<String>,
    /// chrono formats tried in order (datetime and date fields).
    pub formats: Vec<String>,
}
