//! From the raw serde types to a [`Pipeline`]: every value of a file is
//! checked against docs/PIPELINE_FILES.md, absent keys take their value
//! from `defaults`, and each problem is reported at its key through the
//! [`Checker`], so that one pass finds them all.
//!
//! The sections are checked in a fixed order (top level, `[rules]`,
//! `[class]`, `[codes.*]`, `[[inputs]]`); problems are sorted by place in
//! the file afterwards, and those at one place keep this order. One
//! `[[inputs]]` entry is checked in `validate_input`.

use super::defaults;
use super::locate::{Checker, Seg};
use super::raw::{RawClass, RawPipeline, RawRules};
use super::slug::slugify;
use super::suggest::did_you_mean;
use super::validate_input::validate_input;
use super::{Class, Input, Pipeline, Rules, Subclass, SubclassValue, SUBCLASS_FIELDS};
use crate::model::{self, DateOnly, Table};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::path::Path;
use Seg::Key;

/// Forms `as_of` may be written in, tried in order; a day alone
/// (`%Y-%m-%d`) is read last, as midnight.
const AS_OF_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// How every day of a pipeline file (`since`, `until`, `from`, `to`) is
/// written.
const DAY_FORMAT: &str = "%Y-%m-%d";

/// The readings `rules.missing_warrant` accepts: a missing warrant is never
/// read as judicial (docs/PIPELINE_FILES.md).
const MISSING_WARRANT_READINGS: &[&str] = &["unknown", "none", "administrative"];

/// A whole file: `None` when a problem leaves a value the pipeline needs
/// unknown; the caller reports problems before it looks at the result.
pub(super) fn validate(c: &mut Checker, raw: RawPipeline) -> Option<Pipeline> {
    let base = c.file.parent().unwrap_or(Path::new(".")).to_path_buf();

    let tz = timezone(c, &raw.timezone);
    let slug = slugify(&raw.county);
    if slug.is_empty() {
        c.report(&[Key("county")], "county name is empty");
    }
    let as_of = as_of(c, &raw.as_of, tz);
    let rules = rules(c, &raw.rules);
    let class = class(c, &raw.class);
    codes(c, &raw.codes);
    let inputs = inputs(c, &base, &raw);

    Some(Pipeline {
        file: c.file.to_path_buf(),
        county: raw.county.clone(),
        slug,
        state: raw.state.trim().to_uppercase(),
        tz: tz?,
        as_of,
        rules,
        inputs,
        codes: raw.codes,
        class,
    })
}

fn timezone(c: &mut Checker, name: &str) -> Option<Tz> {
    match name.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            c.report(
                &[Key("timezone")],
                format!("`{name}` is not an IANA time zone name (like \"America/Los_Angeles\")"),
            );
            None
        }
    }
}

/// `as_of`, read as written even when it is refused, so that later checks
/// still see it.
fn as_of(c: &mut Checker, written: &Option<String>, tz: Option<Tz>) -> Option<NaiveDateTime> {
    let s = written.as_ref()?;
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

/// Parses a local datetime written in a pipeline file (`as_of`).
fn parse_local_datetime(s: &str) -> Option<NaiveDateTime> {
    AS_OF_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, DAY_FORMAT)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// A `YYYY-MM-DD` day written at `path`, if given; a problem if malformed.
fn day(c: &mut Checker, path: &[Seg], value: &Option<String>) -> Option<NaiveDate> {
    let s = value.as_ref()?;
    let d = NaiveDate::parse_from_str(s, DAY_FORMAT).ok();
    if d.is_none() {
        // The day in the message shows the form; it is not a default.
        c.report(path, format!("`{s}` is not a date like \"2011-01-01\""));
    }
    d
}

/// `[rules]`, every key optional.
fn rules(c: &mut Checker, r: &RawRules) -> Rules {
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
    let date_only = date_only(c, &r.date_only);
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
    if !MISSING_WARRANT_READINGS.contains(&missing_warrant.as_str()) {
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
    Rules {
        since,
        until,
        grace_minutes,
        date_only,
        per_day,
        cap,
        max_reject_rate,
        missing_warrant,
        name_similarity,
    }
}

/// `rules.date_only`: datetime field → how a date without a time is read
/// (method rule 4). A reading that is not known is left out, so the field
/// keeps its default; the problem stops the run anyway.
fn date_only(c: &mut Checker, written: &BTreeMap<String, String>) -> BTreeMap<String, DateOnly> {
    let mut date_only = BTreeMap::new();
    for (field, reading) in written {
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
    date_only
}

/// `[class]` and its `[[class.subclasses]]`.
fn class(c: &mut Checker, rc: &RawClass) -> Class {
    let from = day(c, &[Key("class"), Key("from")], &rc.from);
    let to = day(c, &[Key("class"), Key("to")], &rc.to);
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
    Class {
        from,
        to,
        min_hold_minutes: rc
            .min_hold_minutes
            .unwrap_or(defaults::CLASS_MIN_HOLD_MINUTES),
        exclude_final_order: rc
            .exclude_final_order
            .unwrap_or(defaults::CLASS_EXCLUDE_FINAL_ORDER),
        subclasses,
    }
}

/// `[codes.*]`: each table must be a coded field, each category one of
/// that field's; the codes themselves may be any strings.
fn codes(c: &mut Checker, codes: &BTreeMap<String, BTreeMap<String, String>>) {
    for (field, map) in codes {
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
}

/// `[[inputs]]`: each entry on its own, then what the entries must do
/// together. Entries with a problem are left out of the result.
fn inputs(c: &mut Checker, base: &Path, raw: &RawPipeline) -> Vec<Input> {
    if raw.inputs.is_empty() {
        c.report(&[Key("inputs")], "no [[inputs]]: nothing to read");
    }
    let mut inputs = Vec::new();
    for (i, ri) in raw.inputs.iter().enumerate() {
        if let Some(input) = validate_input(c, base, i, ri) {
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
    inputs
}
