//! The pipeline file as written (docs/PIPELINE_FILES.md): serde types that
//! mirror the TOML exactly. Nothing here is checked beyond its TOML type;
//! validation turns these into a [`super::Pipeline`].

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub county: String,
    pub state: String,
    pub timezone: String,
    pub as_of: Option<String>,
    #[serde(default)]
    pub rules: RawRules,
    #[serde(default)]
    pub inputs: Vec<RawInput>,
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub class: RawClass,
}

/// `[class]`: who is in the class list, and its subclasses.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub from: Option<String>,
    pub to: Option<String>,
    pub min_hold_minutes: Option<i64>,
    pub exclude_final_order: Option<bool>,
    #[serde(default)]
    pub subclasses: Vec<RawSubclass>,
}

/// A named subclass: the flagged holds whose `field` equals `equals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubclass {
    pub name: String,
    pub field: String,
    pub equals: toml::Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    pub since: Option<String>,
    pub until: Option<String>,
    pub grace_minutes: Option<i64>,
    #[serde(default)]
    pub date_only: BTreeMap<String, String>,
    pub damages: Option<RawDamages>,
    pub max_reject_rate: Option<f64>,
    /// Warrant status of a detainer whose warrant column is absent or empty:
    /// `unknown` (default, never flagged), `none` or `administrative`.
    pub missing_warrant: Option<String>,
    /// Jaro-Winkler score from which two names with one birth date are
    /// listed in `possible_duplicates` (never merged).
    pub name_similarity: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDamages {
    pub per_day: Option<f64>,
    pub cap: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    pub table: String,
    pub path: String,
    pub format: Option<String>,
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    pub sheet: Option<String>,
    pub skip_rows: Option<usize>,
    pub null_values: Option<Vec<String>>,
    #[serde(default)]
    pub columns: BTreeMap<String, RawColumn>,
    #[serde(default)]
    pub formats: BTreeMap<String, RawFormats>,
}

/// A source header, or a date header and a time header.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawColumn {
    One(String),
    Many(Vec<String>),
}

/// One format string or a list tried in order.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawFormats {
    One(String),
    Many(Vec<String>),
}

/// The keys each fixed-shape table accepts, for reporting every unknown key
/// of a file at once (serde stops at the first).
pub const TOP_KEYS: &[&str] = &[
    "county", "state", "timezone", "as_of", "rules", "inputs", "codes", "class",
];
pub const CLASS_KEYS: &[&str] = &[
    "from",
    "to",
    "min_hold_minutes",
    "exclude_final_order",
    "subclasses",
];
pub const SUBCLASS_KEYS: &[&str] = &["name", "field", "equals"];
pub const RULES_KEYS: &[&str] = &[
    "since",
    "until",
    "grace_minutes",
    "date_only",
    "damages",
    "max_reject_rate",
    "missing_warrant",
    "name_similarity",
];
pub const DAMAGES_KEYS: &[&str] = &["per_day", "cap"];
pub const INPUT_KEYS: &[&str] = &[
    "table",
    "path",
    "format",
    "delimiter",
    "encoding",
    "sheet",
    "skip_rows",
    "null_values",
    "columns",
    "formats",
];
