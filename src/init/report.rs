//! What `init` says about the files it read: per file, how it is written
//! and how sure each finding is, the rows read, and the tables it feeds;
//! per input, the fields found; then the TODOs left. Counts, layouts and
//! header names only, never a value of a row.

use super::group::InputPlan;
use super::sample::Layout;
use super::sniff::{delimiter_name, thousands};
use super::Analysed;
use crate::config::Encoding;
use std::fmt::Write as _;

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "utf-8",
        Encoding::Windows1252 => "windows-1252",
    }
}

/// Which files an input reads and how many of their rows were read.
pub fn files_read(analysed: &[Analysed], plan: &InputPlan) -> String {
    let parts: Vec<&Analysed> = plan.parts.iter().map(|&p| &analysed[p]).collect();
    let rows: usize = parts.iter().map(|a| a.part.rows()).sum();
    let complete = parts.iter().all(|a| a.part.complete);
    let which = match parts.as_slice() {
        [one] => one.part.label(),
        [first, .., last] => format!(
            "{} files, {} to {}",
            parts.len(),
            first.part.label(),
            last.part.label()
        ),
        [] => String::new(),
    };
    let mut text = format!(
        "{which}: {} data rows read ({})",
        thousands(rows),
        match (complete, parts.len()) {
            (true, 1) => "the whole file".to_string(),
            (true, _) => "every row".to_string(),
            (false, _) => format!("the first {} of each", thousands(super::sample::ROWS)),
        }
    );
    let unreadable: usize = parts.iter().map(|a| a.part.unreadable).sum();
    if unreadable > 0 {
        let _ = write!(
            text,
            "; {} more could not be read (another number of fields than the header, or text \
             not valid in the encoding): `check` rejects them with their reason",
            thousands(unreadable)
        );
    }
    text.push('.');
    text
}

/// How an input's files are written, each finding with how sure it is.
pub fn layout(analysed: &[Analysed], plan: &InputPlan) -> String {
    let first = &analysed[plan.parts[0]];
    match &first.part.layout {
        Layout::Csv(d) => {
            // The evidence of the part that decided the input's encoding.
            let enc = plan
                .parts
                .iter()
                .filter_map(|&p| match &analysed[p].part.layout {
                    Layout::Csv(d) if d.encoding.value == plan.encoding => Some(&d.encoding),
                    _ => None,
                })
                .max_by_key(|f| f.sure == super::sniff::Sure::Certain)
                .unwrap_or(&d.encoding);
            format!(
                "CSV; encoding {} ({}: {}); delimiter {} ({}: {}); {}; {} line ends; {}.",
                encoding_name(plan.encoding),
                enc.sure,
                enc.evidence,
                delimiter_name(d.delimiter.value),
                d.delimiter.sure,
                d.delimiter.evidence,
                match d.skip_rows {
                    0 => "no preamble before the header".to_string(),
                    1 => "1 preamble line before the header".to_string(),
                    n => format!("{n} preamble lines before the header"),
                },
                d.line_ends,
                if d.quoted {
                    "some fields in double quotes"
                } else {
                    "no quoted fields"
                }
            )
        }
        Layout::Sheet { name, skip_rows } => format!(
            "Workbook sheet `{name}`; {} above the header (the first row of two or more filled \
             cells as wide as the rows below it).",
            match skip_rows {
                0 => "no row".to_string(),
                1 => "1 row".to_string(),
                n => format!("{n} rows"),
            }
        ),
        Layout::Parquet(types) => format!(
            "Parquet; columns: {}.",
            types
                .iter()
                .map(|(n, t)| format!("{n} ({t})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The short form of a part's layout, for the printed summary.
fn short_layout(a: &Analysed) -> String {
    match &a.part.layout {
        Layout::Csv(d) => format!(
            "CSV, {} ({}), delimiter {} ({}), {}, {} line ends",
            encoding_name(d.encoding.value),
            d.encoding.sure,
            delimiter_name(d.delimiter.value),
            d.delimiter.sure,
            match d.skip_rows {
                0 => "no preamble".to_string(),
                1 => "1 preamble line".to_string(),
                n => format!("{n} preamble lines"),
            },
            d.line_ends
        ),
        Layout::Sheet { skip_rows, .. } => {
            format!("workbook sheet, {skip_rows} rows above the header")
        }
        Layout::Parquet(types) => format!("Parquet, {} columns", types.len()),
    }
}

/// The summary `init` prints.
pub fn report(analysed: &[Analysed], plans: &[InputPlan], todos: &[String]) -> String {
    let mut out = String::new();
    for a in analysed {
        let tables: Vec<&str> = a.guess.tables.iter().map(|t| t.table.name()).collect();
        let _ = writeln!(
            out,
            "{}{}: {}; {} row{} read{}; {}",
            a.part.path.display(),
            match &a.part.layout {
                Layout::Sheet { name, .. } => format!(" [{name}]"),
                _ => String::new(),
            },
            short_layout(a),
            thousands(a.part.rows()),
            if a.part.rows() == 1 { "" } else { "s" },
            if a.part.complete { " (all)" } else { "" },
            if tables.is_empty() {
                "feeds no table it could tell".to_string()
            } else {
                format!("feeds {}", tables.join(" and "))
            }
        );
    }
    for (i, plan) in plans.iter().enumerate() {
        let g = plan.guess(analysed);
        let _ = writeln!(
            out,
            "inputs[{i}] {:<9} {}: {} of {} fields found",
            plan.table.name(),
            plan.path,
            g.fields.len(),
            plan.table.fields().len()
        );
    }
    match todos.len() {
        0 => out.push_str("no TODO left\n"),
        n => {
            let _ = writeln!(
                out,
                "{n} TODO{} in the draft:",
                if n == 1 { "" } else { "s" }
            );
            for t in todos {
                let _ = writeln!(out, "  {t}");
            }
        }
    }
    out
}
