//! What a column's sampled values look like: ids, datetimes, dates, times
//! of day, amounts, yes/no flags, codes or free text, with the counts that
//! say so; and the null spellings (`NULL`, `N/A`) an export writes for "no
//! value". A header named like a field is taken for it only when its
//! values have that field's shape (`columns`), and a date and a time column
//! are joined only when they hold a date and a time.
//!
//! A profile keeps the values' counts so that a coded field's codes can be
//! listed; nothing here prints them (`codes` lists only coded fields).

use super::formats::{self, Target};
use std::collections::BTreeMap;

/// Spellings of "no value" that exports write, compared exactly after
/// trimming, as `null_values` is. `NONE` is not one: it is a warrant code.
pub const NULL_SPELLINGS: &[&str] = &[
    "NULL", "null", "Null", "N/A", "n/a", "#N/A", "(null)", "NaN",
];

/// Yes/no spellings the ingest reads for `final_order` without a codes
/// table (docs/PIPELINE_FILES.md, `[codes.<field>]`), upper-cased.
pub const FLAG_WORDS: &[&str] = &["Y", "N", "YES", "NO", "TRUE", "FALSE", "T", "F", "1", "0"];

/// Distinct values up to which a column counts as codes.
pub const MAX_CODES: usize = 100;

/// Share of values that must have a shape for the column to have it.
const MOST: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Empty,
    DateTime,
    Date,
    Time,
    Flag,
    Amount,
    Code,
    Id,
    Text,
}

impl Shape {
    /// In words, for the draft's comments.
    pub fn words(self) -> &'static str {
        match self {
            Shape::Empty => "empty in the sample",
            Shape::DateTime => "datetimes",
            Shape::Date => "dates",
            Shape::Time => "times of day",
            Shape::Flag => "yes/no flags",
            Shape::Amount => "amounts",
            Shape::Code => "codes",
            Shape::Id => "ids",
            Shape::Text => "text",
        }
    }
}

/// A column's sampled values, summed up.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Values neither empty nor a null spelling.
    pub filled: usize,
    /// Empty or null-spelled values.
    pub empty: usize,
    pub distinct: usize,
    pub shape: Shape,
    /// Share of filled values that are numbers (after `$` and `,`).
    pub numeric: f64,
    /// Each filled value and its count, when there are at most
    /// [`MAX_CODES`] (only a coded field's are ever shown).
    pub counts: Option<BTreeMap<String, usize>>,
}

/// Values of a column that carry something: not empty, not a null spelling.
pub fn filled<'a>(values: &'a [String], nulls: &[String]) -> Vec<&'a str> {
    values
        .iter()
        .map(String::as_str)
        .filter(|v| !v.is_empty() && !nulls.iter().any(|n| n == v))
        .collect()
}

/// The null spellings found in a part's columns: each with how many
/// fields and how many columns hold it.
pub fn null_spellings(columns: &[Vec<String>]) -> Vec<(&'static str, usize, usize)> {
    NULL_SPELLINGS
        .iter()
        .filter_map(|n| {
            let per_column: Vec<usize> = columns
                .iter()
                .map(|c| c.iter().filter(|v| v == n).count())
                .collect();
            let fields: usize = per_column.iter().sum();
            (fields > 0).then(|| (*n, fields, per_column.iter().filter(|k| **k > 0).count()))
        })
        .collect()
}

/// A column's profile, `nulls` being the part's null spellings.
pub fn profile(values: &[String], nulls: &[String]) -> Profile {
    let vals = filled(values, nulls);
    let mut counts: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(vals.len().min(1024));
    for v in &vals {
        *counts.entry(v).or_default() += 1;
    }
    let n = vals.len();
    // Whether values are numbers is a share: the spread settles it.
    let spread = spread(&vals);
    let numeric = if spread.is_empty() {
        0.0
    } else {
        spread
            .iter()
            .filter(|v| crate::ingest::parse::parse_decimal(v).is_some())
            .count() as f64
            / spread.len() as f64
    };
    let shape = shape_of(&vals, &spread, counts.len(), numeric);
    Profile {
        filled: n,
        empty: values.len() - n,
        distinct: counts.len(),
        shape,
        numeric,
        counts: (counts.len() <= MAX_CODES).then(|| {
            counts
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        }),
    }
}

/// Values a shape is judged on, spread over the column: a shape is a
/// share, which a few hundred values settle; the formats written to the
/// draft are inferred from every sampled value (`inputs`).
const SHAPE_VALUES: usize = 500;

/// At most [`SHAPE_VALUES`] of `all`, spread over them.
fn spread<'a>(all: &[&'a str]) -> Vec<&'a str> {
    let step = all.len().div_ceil(SHAPE_VALUES).max(1);
    all.iter().step_by(step).copied().collect()
}

fn shape_of(all: &[&str], vals: &[&str], distinct: usize, numeric: f64) -> Shape {
    if all.is_empty() {
        return Shape::Empty;
    }
    let n = vals.len();
    let share = |k: usize| k as f64 / n as f64;
    let most = |f: &dyn Fn(&str) -> bool| share(vals.iter().filter(|v| f(v)).count()) >= MOST;
    if most(&looks_dated) {
        // Excel serials are left out here: a column of amounts has numbers
        // in their range; a field named as a date counts them (`formats`).
        let inf = formats::infer(vals, Target::DateTime);
        if share(inf.parsed - inf.serials) >= MOST {
            return if inf.has_time() {
                Shape::DateTime
            } else {
                Shape::Date
            };
        }
        let inf = formats::infer(vals, Target::Date);
        if share(inf.parsed - inf.serials) >= MOST {
            return Shape::Date;
        }
    }
    if vals.iter().all(|v| v.len() <= 11) && formats::time_share(vals) >= MOST {
        return Shape::Time;
    }
    if vals
        .iter()
        .all(|v| FLAG_WORDS.contains(&v.to_uppercase().as_str()))
    {
        return Shape::Flag;
    }
    if numeric >= MOST && vals.iter().any(|v| v.contains(['.', '$', ','])) {
        return Shape::Amount;
    }
    // Repeats are counted over every value, not the spread.
    if distinct <= MAX_CODES && distinct * 2 <= all.len() {
        return Shape::Code;
    }
    let plain =
        |v: &str| !v.contains(char::is_whitespace) && v.contains(|c: char| c.is_ascii_digit());
    if most(&plain) && distinct * 2 > all.len() {
        return Shape::Id;
    }
    Shape::Text
}

/// A value that may be a date: digits with a date's separators, or eight
/// or more digits (`20190315`, `201903151432`).
fn looks_dated(v: &str) -> bool {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    digits >= 4
        && (v.contains(['/', '-', ':', '.'])
            || (v.len() >= 8 && v.bytes().all(|b| b.is_ascii_digit() || b == b' ')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(values: &[&str]) -> Shape {
        let v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        profile(&v, &[]).shape
    }

    #[test]
    fn shapes_of_the_usual_columns() {
        assert_eq!(
            shape(&["2013-01-05 05:09:55", "2013-01-07 22:32:56"]),
            Shape::DateTime
        );
        assert_eq!(shape(&["01/02/2011", "06/17/2011"]), Shape::Date);
        assert_eq!(shape(&["02/09/1946", "03/30/1950"]), Shape::Date);
        assert_eq!(shape(&["19530116", "19650909"]), Shape::Date);
        assert_eq!(shape(&["1131", "0247", "2307"]), Shape::Time);
        assert_eq!(shape(&["Y", "N", "N", "y"]), Shape::Flag);
        assert_eq!(shape(&["500000.00", "10000.00", "$1,500"]), Shape::Amount);
        assert_eq!(shape(&["SET", "SET", "NO BAIL", "SET"]), Shape::Code);
        assert_eq!(
            shape(&["2013-000001", "2013-000002", "2013-000003"]),
            Shape::Id
        );
        assert_eq!(shape(&["10000001", "10000002", "10000003"]), Shape::Id);
        assert_eq!(shape(&["De la Cruz", "Chen", "Wang"]), Shape::Text);
        assert_eq!(shape(&["", ""]), Shape::Empty);
    }

    #[test]
    fn null_spellings_are_found_and_left_out_of_profiles() {
        let columns = vec![
            vec!["NULL".to_string(), "01".to_string(), "01".to_string()],
            vec!["N/A".to_string(), "NULL".to_string(), "NONE".to_string()],
        ];
        assert_eq!(null_spellings(&columns), [("NULL", 2, 2), ("N/A", 1, 1)]);
        let nulls = vec!["NULL".to_string(), "N/A".to_string()];
        let p = profile(&columns[0], &nulls);
        assert_eq!((p.filled, p.empty, p.distinct), (2, 1, 1));
        assert_eq!(p.counts.unwrap()["01"], 2);
    }

    #[test]
    fn many_distinct_values_are_not_kept() {
        let v: Vec<String> = (0..=MAX_CODES).map(|i| format!("X{i}")).collect();
        assert!(profile(&v, &[]).counts.is_none());
    }
}
