//! One `[[inputs]]` entry of the draft: how its files are written and
//! which rows were read (the evidence of `sniff` and `sample`), why it
//! feeds its table, each field's column with the counts and shape that
//! back it, each required field not found as a TODO, and each datetime
//! field's formats with the share of sampled values they read.

use super::draft::{comment, keyed, list, quote};
use super::formats::{self, Inference, Target};
use super::group::InputPlan;
use super::sample::Layout;
use super::sniff::{delimiter_name, thousands};
use super::Analysed;
use crate::config::Encoding;
use crate::model::Kind;
use std::fmt::Write as _;

/// Values of one field used to infer its formats, at most: a group of
/// many files would otherwise make inference slow for no gain.
const FORMAT_VALUES: usize = 20_000;

/// The values of a mapped datetime field over a plan's parts: one column,
/// or a date and a time column joined with one space as the ingest joins
/// them; empty and null fields left out.
fn datetime_values<'a>(
    analysed: &'a [Analysed],
    plan: &InputPlan,
    sources: &[usize],
) -> Vec<std::borrow::Cow<'a, str>> {
    use std::borrow::Cow;
    let mut values = Vec::new();
    for &p in &plan.parts {
        let a = &analysed[p];
        let is_null = |v: &str| v.is_empty() || plan.null_values.iter().any(|n| n == v);
        let date = &a.part.columns[sources[0]];
        for (r, d) in date.iter().enumerate() {
            if is_null(d) {
                continue;
            }
            match sources.get(1).map(|&t| a.part.columns[t][r].as_str()) {
                Some(t) if !is_null(t) => values.push(Cow::Owned(format!("{d} {t}"))),
                _ => values.push(Cow::Borrowed(d.as_str())),
            }
        }
    }
    let step = values.len().div_ceil(FORMAT_VALUES).max(1);
    values.into_iter().step_by(step).collect()
}

/// Writes entry `index`; `described` holds the parts of the entries
/// before it, whose layout is not said twice.
pub fn input(
    out: &mut String,
    todos: &mut Vec<String>,
    analysed: &[Analysed],
    plan: &InputPlan,
    index: usize,
    described: &[Vec<usize>],
) {
    let first = &analysed[plan.parts[0]];
    let guess = plan.guess(analysed);
    let table = plan.table;
    out.push('\n');
    match described.iter().position(|d| *d == plan.parts) {
        Some(k) => comment(
            out,
            &format!(
                "inputs[{index}]: the same file{} as inputs[{k}], read for {table}: {}.",
                if plan.parts.len() == 1 { "" } else { "s" },
                guess.why
            ),
        ),
        None => {
            comment(
                out,
                &format!(
                    "inputs[{index}]: {}",
                    super::report::files_read(analysed, plan)
                ),
            );
            comment(out, &super::report::layout(analysed, plan));
            comment(out, &format!("It feeds {table}: {}.", guess.why));
        }
    }
    let _ = writeln!(out, "[[inputs]]");
    let _ = writeln!(out, "table = {}", quote(table.name()));
    let _ = writeln!(out, "path = {}", quote(&plan.path));
    for line in reading_keys(&first.part.layout, plan.encoding) {
        let _ = writeln!(out, "{line}");
    }
    let nulls: Vec<String> = plan
        .parts
        .iter()
        .flat_map(|&p| {
            analysed[p].nulls.iter().map(|(n, f, c)| {
                format!(
                    "{} in {} field{} of {} column{}",
                    quote(n),
                    thousands(*f),
                    if *f == 1 { "" } else { "s" },
                    c,
                    if *c == 1 { "" } else { "s" }
                )
            })
        })
        .collect();
    let nulls_evidence = if nulls.is_empty() {
        String::new()
    } else {
        format!("seen: {}", nulls.join(", "))
    };
    keyed(
        out,
        &format!(
            "null_values = [{}]",
            plan.null_values
                .iter()
                .map(|n| quote(n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &nulls_evidence,
    );

    let _ = writeln!(out, "[inputs.columns]");
    let header = &first.part.header;
    for g in &guess.fields {
        let names: Vec<String> = g.sources.iter().map(|&c| header[c].clone()).collect();
        let evidence = column_evidence(analysed, plan, g.field, &g.sources);
        keyed(
            out,
            &format!("{} = {}", g.field.name, list(&names)),
            &evidence,
        );
    }
    for missing in guess.missing() {
        let mut fits: Vec<String> = Vec::new();
        for f in missing.split(" or ") {
            for c in super::columns::candidates(&first.part, &first.profiles, guess, f) {
                if !fits.contains(&c) {
                    fits.push(c);
                }
            }
        }
        let mut why = format!("TODO: required `{missing}` of {table}: no header is named like it");
        if !fits.is_empty() {
            let _ = write!(why, "; columns whose values would fit: {}", fits.join(", "));
        }
        comment(out, &why);
        let key = missing.split(" or ").next().unwrap_or(missing);
        let _ = writeln!(out, "# {key} = \"\"");
        todos.push(format!(
            "inputs[{index}] {table}: required `{missing}` not found"
        ));
    }
    // Optional fields not found, but not those a TODO above already names
    // (a detainer file's `booking_id or person_id`).
    let missing = guess.missing();
    let absent: Vec<&str> = table
        .fields()
        .iter()
        .filter(|f| !f.required && guess.get(f.name).is_none())
        .filter(|f| !missing.iter().any(|m| m.split(" or ").any(|x| x == f.name)))
        .map(|f| f.name)
        .collect();
    if !absent.is_empty() {
        comment(
            out,
            &format!("No column found for: {} (optional).", absent.join(", ")),
        );
    }
    if !described.contains(&plan.parts) {
        let used = |c: usize| {
            first
                .guess
                .tables
                .iter()
                .any(|t| t.fields.iter().any(|g| g.sources.contains(&c)))
        };
        let unmapped: Vec<String> = (0..header.len())
            .filter(|&c| !used(c))
            .map(|c| format!("{} ({})", header[c], first.profiles[c].shape.words()))
            .collect();
        if !unmapped.is_empty() {
            comment(
                out,
                &format!("Columns not mapped: {}.", unmapped.join(", ")),
            );
        }
        for r in &first.guess.refuted {
            comment(out, r);
        }
    }

    let dated: Vec<_> = guess
        .fields
        .iter()
        .filter(|g| matches!(g.field.kind, Kind::DateTime | Kind::Date))
        .collect();
    if dated.is_empty() {
        return;
    }
    let _ = writeln!(out, "[inputs.formats]");
    for g in dated {
        let target = if g.field.kind == Kind::Date {
            Target::Date
        } else {
            Target::DateTime
        };
        let values = datetime_values(analysed, plan, &g.sources);
        let refs: Vec<&str> = values.iter().map(|v| v.as_ref()).collect();
        let inf = formats::infer(&refs, target);
        let label = g
            .sources
            .iter()
            .map(|&c| header[c].as_str())
            .collect::<Vec<_>>()
            .join("` + `");
        format_lines(out, todos, index, g.field.name, &label, &inf);
    }
}

fn format_lines(
    out: &mut String,
    todos: &mut Vec<String>,
    index: usize,
    field: &str,
    label: &str,
    inf: &Inference,
) {
    let evidence = inf.evidence(label);
    if !inf.formats.is_empty() {
        comment(out, &evidence);
        let _ = writeln!(out, "{field} = {}", list(&inf.formats));
    } else if let Some((a, b)) = inf.ambiguous.as_ref().or(inf.mixed.as_ref()) {
        comment(out, &format!("TODO: {evidence}. Keep the order the county writes (until then `check` rejects these values as bad_datetime):"));
        let _ = writeln!(out, "# {field} = {}", quote(a));
        let _ = writeln!(out, "# {field} = {}", quote(b));
        todos.push(format!(
            "inputs[{index}] `{field}`: day and month order undecided"
        ));
    } else if inf.values > 0 && inf.parsed == 0 {
        comment(out, &format!("TODO: {evidence}: write the county's format (docs/PIPELINE_FILES.md, \"Format specifiers\"):"));
        let _ = writeln!(out, "# {field} = \"\"");
        todos.push(format!("inputs[{index}] `{field}`: no format found"));
    } else {
        comment(out, &format!("{evidence}; the default formats apply."));
    }
}

/// A mapped column's evidence: how it was found and what its values are,
/// in counts; never a value.
fn column_evidence(
    analysed: &[Analysed],
    plan: &InputPlan,
    field: &crate::model::Field,
    sources: &[usize],
) -> String {
    let first = &analysed[plan.parts[0]];
    if sources.len() == 2 {
        return "a date and a time column named alike: joined".to_string();
    }
    let c = sources[0];
    let (mut filled, mut empty, mut distinct) = (0, 0, 0);
    for &p in &plan.parts {
        let pr = &analysed[p].profiles[c];
        filled += pr.filled;
        empty += pr.empty;
        distinct += pr.distinct;
    }
    let shape = first.profiles[c].shape;
    // A free-text column (a name, a charge) is said to be found by its
    // name and no more: what its values look like is no evidence.
    let mut e = match field.kind {
        Kind::Text | Kind::Coded(_) | Kind::Bool => "by name".to_string(),
        _ => format!("by name; {}", shape.words()),
    };
    match field.kind {
        Kind::Id => {
            let _ = write!(e, ", {} values", thousands(filled));
            if plan.parts.len() == 1 {
                let _ = write!(e, ", {} distinct", thousands(distinct));
            }
        }
        Kind::Coded(_) | Kind::Bool => {
            let _ = write!(e, ": see [codes.{}]", field.name);
        }
        Kind::DateTime | Kind::Date => e.push_str(": format below"),
        _ => {}
    }
    if empty > 0 && shape != super::shape::Shape::Empty {
        let _ = write!(e, "; {} empty", thousands(empty));
    }
    e
}

/// The keys that say how a part is read: format, and for CSV the
/// delimiter, encoding and preamble, for a workbook the sheet and its rows
/// above the header.
pub fn reading_keys(layout: &Layout, encoding: Encoding) -> Vec<String> {
    match layout {
        Layout::Csv(d) => vec![
            "format = \"csv\"".to_string(),
            format!("delimiter = {}", delimiter_name(d.delimiter.value)),
            format!(
                "encoding = {}",
                quote(match encoding {
                    Encoding::Utf8 => "utf-8",
                    Encoding::Windows1252 => "windows-1252",
                })
            ),
            format!("skip_rows = {}", d.skip_rows),
        ],
        Layout::Sheet { name, skip_rows } => vec![
            "format = \"xlsx\"".to_string(),
            format!("sheet = {}", quote(name)),
            format!("skip_rows = {skip_rows}"),
        ],
        Layout::Parquet(_) => vec!["format = \"parquet\"".to_string()],
    }
}
