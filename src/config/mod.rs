//! Pipeline files (docs/PIPELINE_FILES.md): read, check and turn into a
//! typed [`Pipeline`].
//!
//! Every problem of every file is collected before anything is reported, each
//! with the file, line, column and key at fault, so an analyst fixes them all
//! in one pass. No data file is opened here beyond expanding path globs.

mod defaults;
mod load;
mod locate;
mod raw;
mod slug;
mod suggest;
mod validate;
mod validate_input;

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
        crate::ingest::parse::local_to_utc_micros(local, &self.tz, crate::model::Fold::Earlier).ok()
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

pub use defaults::{
    DATETIME_FORMATS as DEFAULT_DATETIME_FORMATS, DATE_FORMATS as DEFAULT_DATE_FORMATS,
};
pub use load::{expand_arguments, load_all};
pub use slug::slugify;
pub use suggest::suggest;
pub use validate_input::format_is_valid;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const GOOD: &str = r#"
county = "San Luis Obispo"
state = "CA"
timezone = "America/Los_Angeles"
as_of = "2026-06-30T00:00:00"

[rules]
grace_minutes = 5
date_only = { released_at = "end_of_day" }

[[inputs]]
table = "bookings"
path = "data/b_*.csv"
delimiter = ";"
encoding = "windows-1252"
[inputs.columns]
booking_id = "BKG"
booked_at = ["BDATE", "BTIME"]
[inputs.formats]
booked_at = ["%m/%d/%Y %H%M"]

[[inputs]]
table = "detainers"
path = "data/d.csv"
[inputs.columns]
booking_id = "BKG"
lodged_at = "LODGED"

[codes.form]
"I247A" = "I-247A"
"#;

    fn fixture_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        for f in ["b_2019.csv", "b_2020.csv", "d.csv"] {
            write(&dir.path().join("data"), f, "x\n");
        }
        dir
    }

    #[test]
    fn a_good_file_becomes_a_plan() {
        let dir = fixture_dir();
        let f = write(dir.path(), "slo.toml", GOOD);
        let p = load_all(&[f]).unwrap().remove(0);
        assert_eq!(p.slug, "san-luis-obispo");
        assert_eq!(p.inputs[0].files.len(), 2);
        assert_eq!(p.inputs[0].delimiter, b';');
        assert_eq!(p.inputs[0].encoding, Encoding::Windows1252);
        assert_eq!(p.rules.grace_minutes, 5);
        assert_eq!(p.rules.date_only("released_at"), DateOnly::EndOfDay);
        assert_eq!(p.rules.date_only("lodged_at"), DateOnly::EndOfDay);
        let booked = p.inputs[0]
            .columns
            .iter()
            .find(|c| c.field.name == "booked_at")
            .unwrap();
        assert_eq!(booked.sources, vec!["BDATE", "BTIME"]);
        assert_eq!(booked.formats, vec!["%m/%d/%Y %H%M"]);
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_line() {
        let dir = fixture_dir();
        let text = GOOD
            .replace("grace_minutes = 5", "grace_minuts = 5")
            .replace("delimiter = \";\"", "delimeter = \";\"");
        let f = write(dir.path(), "slo.toml", &text);
        let err = load_all(&[f]).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert_eq!(err.0[0].key, "rules.grace_minuts");
        assert_eq!(err.0[0].at, Some((8, 1)));
        assert!(err.0[0].message.contains("did you mean `grace_minutes`"));
        assert_eq!(err.0[1].key, "inputs[0].delimeter");
        assert_eq!(err.0[1].at, Some((14, 1)));
    }

    #[test]
    fn unknown_keys_and_other_problems_come_together() {
        let dir = fixture_dir();
        let text = GOOD
            .replace("grace_minutes = 5", "grace_minuts = 5")
            .replace("America/Los_Angeles", "Europe/Nowhere");
        let f = write(dir.path(), "slo.toml", &text);
        let err = load_all(&[f]).unwrap_err();
        let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["timezone", "rules.grace_minuts"], "{err}");
    }

    #[test]
    fn semantic_problems_of_all_files_are_collected() {
        let dir = fixture_dir();
        let bad = GOOD
            .replace("America/Los_Angeles", "America/Los_Angles")
            .replace("\"I-247A\"", "\"I-247Z\"")
            .replace("data/d.csv", "data/missing_*.csv")
            .replace("booking_id = \"BKG\"\nbooked_at", "booked_at");
        let f1 = write(dir.path(), "a.toml", &bad);
        let f2 = write(
            dir.path(),
            "b.toml",
            &GOOD.replace("table = \"detainers\"", "table = \"detainer\""),
        );
        let err = load_all(&[f1.clone(), f2.clone()]).unwrap_err();
        let text = err.to_string();
        for needle in [
            "a.toml:4:1: `timezone`",
            "`codes.form.I247A`",
            "matches no file",
            "required field `booking_id` of bookings",
            "b.toml:23:1: `inputs[1].table`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn as_of_in_the_dst_gap_is_an_error() {
        let dir = fixture_dir();
        let f = write(
            dir.path(),
            "slo.toml",
            &GOOD.replace("2026-06-30T00:00:00", "2019-03-10T02:30:00"),
        );
        let err = load_all(&[f]).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].key, "as_of");
        assert!(err.0[0].message.contains("does not exist"));
    }

    #[test]
    fn one_file_twice_for_one_table_is_an_error() {
        let dir = fixture_dir();
        let f = write(
            dir.path(),
            "slo.toml",
            &GOOD.replace("path = \"data/d.csv\"", "path = \"data/*.csv\""),
        );
        // inputs[1] (detainers) now reads every csv; fine. Make it bookings.
        let text = std::fs::read_to_string(&f)
            .unwrap()
            .replace("table = \"detainers\"", "table = \"bookings\"");
        std::fs::write(&f, text).unwrap();
        let err = load_all(&[f]).unwrap_err().to_string();
        assert!(
            err.contains("is already read as bookings by inputs[0]"),
            "{err}"
        );
    }

    #[test]
    fn malformed_days_name_their_key() {
        let dir = fixture_dir();
        let text = GOOD.replace("grace_minutes = 5", "since = \"2011-13-01\"")
            + "[class]\nto = \"June 2019\"\n";
        let f = write(dir.path(), "slo.toml", &text);
        let err = load_all(&[f]).unwrap_err();
        let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["rules.since", "class.to"], "{err}");
    }
}
