//! The draft pipeline file's text (docs/PIPELINE_FILES.md): the top-level
//! keys the analyst gave (each missing one a commented TODO line, which
//! `check` reports as a missing key), one `[[inputs]]` entry per plan with
//! every guess commented with its evidence, the `[codes.*]` tables, and a
//! last comment that sends the analyst to `check`.
//!
//! A TODO is a line the analyst must settle; each is also listed in the
//! summary `init` prints (`report`). A required field with no column, an
//! undecided day and month order and an uncategorised code are written as
//! comments, so that `check` names each of them until it is settled.

use super::codes;
use super::group::InputPlan;
use super::sample::Layout;
use super::sniff::thousands;
use super::{Analysed, Settings};
use crate::config::Encoding;
use crate::model::Table;
use chrono::NaiveDateTime;
use std::fmt::Write as _;

/// The draft and what `init` prints about it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub draft: String,
    /// What was found in each file and how sure, the inputs, the TODOs.
    pub report: String,
    pub todos: Vec<String>,
}

/// A TOML basic string.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn list(items: &[String]) -> String {
    if items.len() == 1 {
        return quote(&items[0]);
    }
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Comment lines of at most ~90 characters, each starting `# `.
pub fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.len() + word.len() + 1 > 90 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// A key line with its evidence after it, aligned.
pub fn keyed(out: &mut String, key_value: &str, evidence: &str) {
    if evidence.is_empty() {
        let _ = writeln!(out, "{key_value}");
    } else {
        let _ = writeln!(out, "{key_value:<36} # {evidence}");
    }
}

/// Makes the draft of `plans` over the analysed parts.
pub fn make(
    analysed: &[Analysed],
    plans: &[InputPlan],
    settings: &Settings,
    as_of: Option<(NaiveDateTime, String)>,
    unused: &[(usize, String)],
) -> Outcome {
    let mut out = String::new();
    let mut todos = Vec::new();
    header(&mut out, &mut todos, settings, as_of);
    let mut described: Vec<Vec<usize>> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        super::inputs::input(&mut out, &mut todos, analysed, plan, i, &described);
        described.push(plan.parts.clone());
    }
    for field in [
        "bail_status",
        "release_reason",
        "charge_kind",
        "form",
        "warrant",
        "final_order",
    ] {
        if let Some(l) = codes::code_list(analysed, plans, field) {
            codes::code_table(&mut out, &mut todos, &l);
        }
    }
    // check refuses a pipeline without bookings or detainers.
    for table in [Table::Bookings, Table::Detainers] {
        if !plans.iter().any(|p| p.table == table) {
            out.push('\n');
            comment(
                &mut out,
                &format!(
                    "TODO: no file given feeds {table}, which every pipeline needs: give its \
                     file to `init` too, or add an [[inputs]] entry for it."
                ),
            );
            todos.push(format!("{table}: no file given feeds it"));
        }
    }
    for (i, path) in unused {
        let a = &analysed[*i];
        out.push('\n');
        comment(
            &mut out,
            &format!(
                "TODO: {} is not used: no header names a booking, release, charge or \
                 detainer time, and its name names no table. Its columns: {}. If it holds \
                 one of the tables, this entry reads it:",
                a.part.label(),
                a.part.header.join(", ")
            ),
        );
        let encoding = match &a.part.layout {
            Layout::Csv(d) => d.encoding.value,
            _ => Encoding::Utf8,
        };
        let _ = writeln!(out, "# [[inputs]]");
        let _ = writeln!(
            out,
            "# table = \"\"   # bookings, releases, charges or detainers"
        );
        let _ = writeln!(out, "# path = {}", quote(path));
        for line in super::inputs::reading_keys(&a.part.layout, encoding) {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "# [inputs.columns]");
        todos.push(format!(
            "{}: not used (its table is not plain)",
            a.part.label()
        ));
    }
    out.push('\n');
    comment(
        &mut out,
        "Next: settle every TODO above, then run `detainer-audit check` on this file. It \
         reads every row of every file and says what is left: keys missing or misspelled, \
         columns not found, rejected rows by reason (a wrong date format shows as \
         bad_datetime), and the codes no [codes.*] table maps (`unknown`).",
    );
    let report = super::report::report(analysed, plans, &todos);
    Outcome {
        draft: out,
        report,
        todos,
    }
}

fn header(
    out: &mut String,
    todos: &mut Vec<String>,
    s: &Settings,
    as_of: Option<(NaiveDateTime, String)>,
) {
    comment(
        out,
        &format!(
            "Draft pipeline file written by `detainer-audit init` from the export's own files \
             (the first {} data rows of each). Every guess is commented with its evidence; \
             each TODO is a decision left to you. The keys are described in \
             docs/PIPELINE_FILES.md.",
            thousands(super::sample::ROWS)
        ),
    );
    match &s.county {
        Some(c) => keyed(
            out,
            &format!("county = {}", quote(c)),
            "outputs go to a folder named after it",
        ),
        None => {
            comment(
                out,
                "TODO: the county's name (its outputs go to a folder named after it):",
            );
            let _ = writeln!(out, "# county = \"\"");
            todos.push("county: not given (--county)".to_string());
        }
    }
    match &s.state {
        Some(st) if st == "CA" => keyed(
            out,
            "state = \"CA\"",
            "California: the regimes of method rule 10",
        ),
        Some(st) => keyed(
            out,
            &format!("state = {}", quote(st)),
            "not California: regime `none` (method rule 10)",
        ),
        None => {
            comment(out, "TODO: the two-letter state code (\"CA\" gives the California regimes, method rule 10):");
            let _ = writeln!(out, "# state = \"\"");
            todos.push("state: not given (--state)".to_string());
        }
    }
    match &s.timezone {
        Some(tz) => keyed(
            out,
            &format!("timezone = {}", quote(tz)),
            "every local time of the export is read here",
        ),
        None => {
            comment(
                out,
                "TODO: the IANA time zone every local time of the export is read in (method \
                 rule 4); in the US: America/New_York, America/Chicago, America/Denver, \
                 America/Phoenix, America/Los_Angeles, America/Anchorage, Pacific/Honolulu:",
            );
            let _ = writeln!(out, "# timezone = \"\"");
            todos.push("timezone: not given (--timezone)".to_string());
        }
    }
    comment(
        out,
        "TODO (optional): `as_of`, the local time the export was taken; holds of people \
         still held are measured to it (method rule 2). Without it, the newest time in the \
         export is used, which never overstates a hold.",
    );
    match as_of {
        Some((t, label)) => {
            let _ = writeln!(
                out,
                "# as_of = \"{}\"   # a date and time in the preamble of {label}",
                t.format("%Y-%m-%dT%H:%M:%S")
            );
            todos.push(format!(
                "as_of (optional): the preamble of {label} has a date"
            ));
        }
        None => {
            let _ = writeln!(out, "# as_of = \"YYYY-MM-DDTHH:MM:SS\"");
            todos.push("as_of (optional): when the export was taken".to_string());
        }
    }
}
