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

use crate::model::{self, DateOnly, Kind, Table};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use raw::{RawColumn, RawFormats, RawInput, RawPipeline};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

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
use locate::{Checker, Seg};
pub use slug::slugify;
use suggest::did_you_mean;
pub use suggest::suggest;

/// Parses a local datetime written in a pipeline file (`as_of`).
fn parse_local_datetime(s: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

/// True when a chrono format string is well formed.
pub fn format_is_valid(fmt: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    !fmt.is_empty() && StrftimeItems::new(fmt).all(|i| !matches!(i, Item::Error))
}

/// A `YYYY-MM-DD` day written at `path`, if given; a problem if malformed.
fn day(c: &mut Checker, path: &[Seg], value: &Option<String>) -> Option<NaiveDate> {
    let s = value.as_ref()?;
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if d.is_none() {
        c.report(path, format!("`{s}` is not a date like \"2011-01-01\""));
    }
    d
}

fn validate(c: &mut Checker, raw: RawPipeline) -> Option<Pipeline> {
    use Seg::Key;
    let base = c.file.parent().unwrap_or(Path::new(".")).to_path_buf();

    let tz: Option<Tz> = match raw.timezone.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            c.report(
                &[Key("timezone")],
                format!(
                    "`{}` is not an IANA time zone name (like \"America/Los_Angeles\")",
                    raw.timezone
                ),
            );
            None
        }
    };
    let slug = slugify(&raw.county);
    if slug.is_empty() {
        c.report(&[Key("county")], "county name is empty");
    }
    let as_of = match &raw.as_of {
        None => None,
        Some(s) => {
            let parsed = parse_local_datetime(s);
            match (parsed, tz) {
                (None, _) => c.report(
                    &[Key("as_of")],
                    format!("`{s}` is not a local datetime like \"2026-06-30T00:00:00\""),
                ),
                // Method rule 4: a local time in the skipped DST hour is never shifted.
                (Some(t), Some(tz)) if tz.from_local_datetime(&t).earliest().is_none() => c.report(
                    &[Key("as_of")],
                    format!(
                        "`{s}` does not exist in {} (clocks skip that hour)",
                        tz.name()
                    ),
                ),
                _ => {}
            }
            parsed
        }
    };

    // [rules]
    let r = &raw.rules;
    let since = day(c, &[Key("rules"), Key("since")], &r.since).unwrap_or(defaults::SINCE);
    let until = day(c, &[Key("rules"), Key("until")], &r.until);
    if let Some(u) = until {
        if u < since {
            c.report(&[Key("rules"), Key("until")], "`until` is before `since`");
        }
    }
    let grace_minutes = r.grace_minutes.unwrap_or(defaults::GRACE_MINUTES);
    if grace_minutes < 0 {
        c.report(
            &[Key("rules"), Key("grace_minutes")],
            "grace_minutes cannot be negative",
        );
    }
    let mut date_only = BTreeMap::new();
    for (field, reading) in &r.date_only {
        if !model::is_datetime_field(field) {
            c.report(
                &[Key("rules"), Key("date_only"), Key(field)],
                format!("`{field}` is not a datetime field"),
            );
        }
        match DateOnly::parse(reading) {
            Some(d) => {
                date_only.insert(field.clone(), d);
            }
            None => c.report(
                &[Key("rules"), Key("date_only"), Key(field)],
                format!("`{reading}` must be \"start_of_day\" or \"end_of_day\""),
            ),
        }
    }
    let damages = r.damages.as_ref();
    let per_day = damages
        .and_then(|d| d.per_day)
        .unwrap_or(defaults::DAMAGES_PER_DAY);
    let cap = damages.and_then(|d| d.cap).unwrap_or(defaults::DAMAGES_CAP);
    if per_day < 0.0 || cap < 0.0 {
        c.report(
            &[Key("rules"), Key("damages")],
            "damages cannot be negative",
        );
    }
    let max_reject_rate = r.max_reject_rate.unwrap_or(defaults::MAX_REJECT_RATE);
    if !(0.0..=1.0).contains(&max_reject_rate) {
        c.report(
            &[Key("rules"), Key("max_reject_rate")],
            "max_reject_rate is a share between 0 and 1",
        );
    }
    let missing_warrant = r
        .missing_warrant
        .clone()
        .unwrap_or_else(|| defaults::MISSING_WARRANT.to_string());
    if !["unknown", "none", "administrative"].contains(&missing_warrant.as_str()) {
        c.report(
            &[Key("rules"), Key("missing_warrant")],
            "must be \"unknown\", \"none\" or \"administrative\"",
        );
    }

    let name_similarity = r.name_similarity.unwrap_or(defaults::NAME_SIMILARITY);
    if !(0.0..=1.0).contains(&name_similarity) {
        c.report(
            &[Key("rules"), Key("name_similarity")],
            "name_similarity is a Jaro-Winkler score between 0 and 1",
        );
    }

    // [class]
    let rc = &raw.class;
    let class_from = day(c, &[Key("class"), Key("from")], &rc.from);
    let class_to = day(c, &[Key("class"), Key("to")], &rc.to);
    let mut subclasses = Vec::new();
    for (i, sc) in rc.subclasses.iter().enumerate() {
        let at = [Key("class"), Key("subclasses"), Seg::Index(i)];
        let Some((_, is_flag)) = SUBCLASS_FIELDS.iter().find(|(f, _)| *f == sc.field) else {
            let names: Vec<&str> = SUBCLASS_FIELDS.iter().map(|(f, _)| *f).collect();
            c.report(
                &at,
                format!(
                    "`{}` is not a holds field a subclass can test; fields: {}",
                    sc.field,
                    names.join(", ")
                ),
            );
            continue;
        };
        let equals = match (&sc.equals, is_flag) {
            (toml::Value::Boolean(b), true) => SubclassValue::Bool(*b),
            (toml::Value::String(s), false) => SubclassValue::Text(s.clone()),
            _ => {
                c.report(
                    &at,
                    format!(
                        "`equals` for `{}` must be {}",
                        sc.field,
                        if *is_flag {
                            "true or false"
                        } else {
                            "a string"
                        }
                    ),
                );
                continue;
            }
        };
        if sc.name.trim().is_empty() || subclasses.iter().any(|s: &Subclass| s.name == sc.name) {
            c.report(&at, "each subclass needs a name of its own");
            continue;
        }
        subclasses.push(Subclass {
            name: sc.name.clone(),
            field: sc.field.clone(),
            equals,
        });
    }
    let class = Class {
        from: class_from,
        to: class_to,
        min_hold_minutes: rc
            .min_hold_minutes
            .unwrap_or(defaults::CLASS_MIN_HOLD_MINUTES),
        exclude_final_order: rc
            .exclude_final_order
            .unwrap_or(defaults::CLASS_EXCLUDE_FINAL_ORDER),
        subclasses,
    };

    // [codes.*]
    for (field, map) in &raw.codes {
        match model::categories(field) {
            None => c.report(
                &[Key("codes"), Key(field)],
                format!(
                    "`{field}` is not a coded field; coded fields: release_reason, form, \
                     warrant, bail_status, charge_kind, final_order"
                ),
            ),
            Some(cats) => {
                for (code, cat) in map {
                    if !cats.contains(&cat.as_str()) {
                        let hint = did_you_mean(cat, cats);
                        c.report(
                            &[Key("codes"), Key(field), Key(code)],
                            format!(
                                "`{cat}` is not a category of {field}{hint}; categories: {}",
                                cats.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }

    // [[inputs]]
    if raw.inputs.is_empty() {
        c.report(&[Key("inputs")], "no [[inputs]]: nothing to read");
    }
    let mut inputs = Vec::new();
    for (i, ri) in raw.inputs.iter().enumerate() {
        if let Some(input) = validate_input(c, &base, i, ri) {
            inputs.push(input);
        }
    }
    // Rows are accounted per table and file: one file may feed two tables
    // (bookings and releases), but not the same table twice.
    let mut seen: BTreeMap<(Table, &Path), usize> = BTreeMap::new();
    for input in &inputs {
        for f in &input.files {
            if let Some(first) = seen.insert((input.table, f.as_path()), input.index) {
                c.report(
                    &[Key("inputs"), Seg::Index(input.index), Key("path")],
                    format!(
                        "{} is already read as {} by inputs[{first}]: its rows would count twice",
                        f.display(),
                        input.table
                    ),
                );
            }
        }
    }
    if !raw.inputs.is_empty() {
        for needed in [Table::Bookings, Table::Detainers] {
            if !raw.inputs.iter().any(|i| i.table == needed.name()) {
                c.report(
                    &[Key("inputs")],
                    format!("no input gives the `{needed}` table, which the audit needs"),
                );
            }
        }
    }

    Some(Pipeline {
        file: c.file.to_path_buf(),
        county: raw.county.clone(),
        slug,
        state: raw.state.trim().to_uppercase(),
        tz: tz?,
        as_of,
        rules: Rules {
            since,
            until,
            grace_minutes,
            date_only,
            per_day,
            cap,
            max_reject_rate,
            missing_warrant,
            name_similarity,
        },
        inputs,
        codes: raw.codes,
        class,
    })
}

fn validate_input(c: &mut Checker, base: &Path, i: usize, ri: &RawInput) -> Option<Input> {
    use Seg::{Index, Key};
    let at = |k: &'static str| [Key("inputs"), Index(i), Key(k)];
    let table = Table::parse(&ri.table);
    if table.is_none() {
        c.report(
            &at("table"),
            format!(
                "`{}` is not a table; tables: bookings, releases, charges, detainers",
                ri.table
            ),
        );
    }
    let format = match ri
        .format
        .as_deref()
        .unwrap_or_else(|| defaults::format_by_extension(&ri.path))
    {
        "csv" => Some(Format::Csv),
        "xlsx" => Some(Format::Xlsx),
        "parquet" => Some(Format::Parquet),
        other => {
            c.report(
                &at("format"),
                format!("`{other}` is not a format; formats: csv, xlsx, parquet"),
            );
            None
        }
    };
    let delimiter = match ri.delimiter.as_deref() {
        None => Some(defaults::DELIMITER),
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => {
            c.report(
                &at("delimiter"),
                format!("`{d}` is not a one-byte delimiter (use \",\", \";\", \"|\" or \"\\t\")"),
            );
            None
        }
    };
    let encoding = match ri.encoding.as_deref().map(|e| e.to_lowercase()) {
        None => Some(defaults::ENCODING),
        Some(e) if e == "utf-8" || e == "utf8" => Some(Encoding::Utf8),
        Some(e) if e == "windows-1252" || e == "cp1252" => Some(Encoding::Windows1252),
        Some(e) => {
            c.report(
                &at("encoding"),
                format!("`{e}` is not a supported encoding: utf-8 or windows-1252"),
            );
            None
        }
    };
    if ri.sheet.is_some() && format != Some(Format::Xlsx) {
        c.report(&at("sheet"), "`sheet` applies to xlsx inputs only");
    }

    // Paths are relative to the pipeline file; globs allowed.
    let pattern = base.join(&ri.path);
    let pattern_text = pattern.to_string_lossy().to_string();
    let mut files: Vec<PathBuf> = match glob::glob(&pattern_text) {
        Ok(paths) => paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect(),
        Err(e) => {
            c.report(
                &at("path"),
                format!("`{}` is not a valid glob: {e}", ri.path),
            );
            Vec::new()
        }
    };
    files.sort();
    if files.is_empty() {
        c.report(
            &at("path"),
            format!(
                "`{}` matches no file (looked for {}; paths are relative to the pipeline file)",
                ri.path, pattern_text
            ),
        );
    }

    let mut columns = Vec::new();
    if let Some(table) = table {
        for (name, col) in &ri.columns {
            let Some(field) = table.field(name) else {
                let names: Vec<&str> = table.fields().iter().map(|f| f.name).collect();
                let hint = did_you_mean(name, &names);
                c.report(
                    &[Key("inputs"), Index(i), Key("columns"), Key(name)],
                    format!(
                        "`{name}` is not a field of {table}{hint}; fields: {}",
                        names.join(", ")
                    ),
                );
                continue;
            };
            let sources = match col {
                RawColumn::One(s) => vec![s.clone()],
                RawColumn::Many(v) => v.clone(),
            };
            let ok_len = match field.kind {
                Kind::DateTime => (1..=2).contains(&sources.len()),
                _ => sources.len() == 1,
            };
            if !ok_len || sources.iter().any(|s| s.is_empty()) {
                c.report(
                    &[Key("inputs"), Index(i), Key("columns"), Key(name)],
                    "give one source header, or [date header, time header] for a datetime field",
                );
                continue;
            }
            let formats = match ri.formats.get(name) {
                Some(RawFormats::One(s)) => vec![s.clone()],
                Some(RawFormats::Many(v)) => v.clone(),
                None => match field.kind {
                    Kind::DateTime => defaults::DATETIME_FORMATS
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    Kind::Date => defaults::DATE_FORMATS
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    _ => Vec::new(),
                },
            };
            columns.push(ColumnMap {
                field,
                sources,
                formats,
            });
        }
        for (name, fmts) in &ri.formats {
            let list = match fmts {
                RawFormats::One(s) => vec![s.clone()],
                RawFormats::Many(v) => v.clone(),
            };
            let key = [Key("inputs"), Index(i), Key("formats"), Key(name)];
            match table.field(name) {
                Some(f) if matches!(f.kind, Kind::DateTime | Kind::Date) => {
                    if !ri.columns.contains_key(name) {
                        c.report(&key, format!("`{name}` has formats but no column mapping"));
                    }
                    if list.is_empty() {
                        c.report(&key, "give at least one format");
                    }
                    for fmt in list {
                        if !format_is_valid(&fmt) {
                            c.report(&key, format!("`{fmt}` is not a valid chrono format string"));
                        }
                    }
                }
                _ => c.report(
                    &key,
                    format!("`{name}` is not a date or datetime field of {table}"),
                ),
            }
        }
        for field in table.fields() {
            if field.required && !ri.columns.contains_key(field.name) {
                c.report(
                    &at("columns"),
                    format!(
                        "required field `{}` of {table} is not mapped to a source column",
                        field.name
                    ),
                );
            }
        }
        if table == Table::Detainers
            && !ri.columns.contains_key("booking_id")
            && !ri.columns.contains_key("person_id")
        {
            c.report(
                &at("columns"),
                "detainers need `booking_id` or `person_id` mapped, to attach them to bookings",
            );
        }
    }

    Some(Input {
        index: i,
        table: table?,
        pattern: ri.path.clone(),
        files,
        format: format?,
        delimiter: delimiter?,
        encoding: encoding?,
        sheet: ri.sheet.clone(),
        skip_rows: ri.skip_rows.unwrap_or(defaults::SKIP_ROWS),
        null_values: ri.null_values.clone().unwrap_or_else(|| {
            defaults::NULL_VALUES
                .iter()
                .map(|s| s.to_string())
                .collect()
        }),
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
