//! `detainer-audit check`: validates pipeline files and inputs and prints,
//! per pipeline and input file, rows read, used and rejected by reason, and
//! unmapped codes. Writes no output (staged data goes to a private folder
//! that is removed).

use crate::county::{over_reject_rate, County, ProcessError, WorkDir};
use crate::model::{Status, Warrant};
use crate::progress::Progress;
use crate::schedule::process_each;
use std::fmt::Write as _;
use std::path::PathBuf;

pub fn check(pipeline_args: &[PathBuf], progress: &Progress) -> anyhow::Result<(String, bool)> {
    crate::interrupt::install()?;
    let files = crate::config::expand_arguments(pipeline_args)?;
    let pipelines = crate::config::load_all(&files)?;
    let work = WorkDir::new(&std::env::temp_dir())?;
    let counties = process_each(pipelines, &work.0, progress, Ok::<_, ProcessError>)?;
    progress.finish();
    let mut text = String::new();
    let mut ok = true;
    for c in &counties {
        let p = &c.pipeline;
        let _ = writeln!(text, "{} ({}): {}", p.county, p.slug, p.file.display());
        for f in &c.files {
            let _ = writeln!(
                text,
                "  inputs[{}] {:<9} {}: {} rows read, {} used, {} rejected",
                f.input,
                f.table,
                f.stats.display,
                f.stats.rows_in,
                f.rows_used(),
                f.rows_rejected
            );
            for (reason, n) in &f.rejected_by_reason {
                let _ = writeln!(text, "      rejected {reason}: {n}");
            }
            for (field, n) in &f.stats.empty_codes {
                let cat = p
                    .codes
                    .get(field)
                    .and_then(|c| c.get(""))
                    .map_or("", String::as_str);
                let _ = writeln!(
                    text,
                    "      empty {field}: {n} fields read as `{cat}` (the \"\" code of [codes.{field}])"
                );
            }
            for (field, codes) in &f.stats.unmapped {
                for (code, n) in codes {
                    let _ = writeln!(
                        text,
                        "      unmapped {field} code {code:?}: {n} rows (read as `unknown`; add it to [codes.{field}])"
                    );
                }
            }
        }
        for line in warnings(c) {
            let _ = writeln!(text, "  warning: {line}");
        }
        let grace = p.rules.grace_minutes;
        // Flagged; then method rule 12's doubts: an unknown warrant (not
        // flagged), eligibility unknown, release unknown, open.
        let mut n = [0usize; 5];
        c.audit.holds.for_each(|h| {
            let counted = [
                h.flagged,
                h.warrant_status == Warrant::Unknown
                    && h.unwarranted_minutes.is_some_and(|u| u > grace),
                h.status == Status::EligibilityUnknown,
                h.status == Status::ReleaseUnknown,
                h.status == Status::Open,
            ];
            for (n, yes) in n.iter_mut().zip(counted) {
                *n += usize::from(yes);
            }
            std::io::Result::Ok(())
        })?;
        let _ = writeln!(
            text,
            "  {} holds, {} flagged; as_of {} ({})",
            c.audit.holds.len(),
            n[0],
            crate::outputs::local_text(c.audit.as_of, &p.tz),
            c.audit.as_of_source
        );
        // Method rule 12: what the rules set aside, next to what they found.
        let _ = writeln!(
            text,
            "  doubts: {} with an unknown warrant (not flagged), {} eligibility_unknown, {} \
             release_unknown, {} open",
            n[1], n[2], n[3], n[4],
        );
        for line in over_reject_rate(c) {
            ok = false;
            let _ = writeln!(text, "  over the reject limit: {line}");
        }
    }
    Ok((text, ok))
}

/// What in a pipeline leaves the audit unable to flag what it should
/// (method rule 12): no warrant column, and `""` codes that never matched.
pub fn warnings(c: &County) -> Vec<String> {
    let p = &c.pipeline;
    let mut out = Vec::new();
    let maps = |field: &str| {
        p.inputs
            .iter()
            .any(|i| i.columns.iter().any(|m| m.field.name == field))
    };
    if !maps("warrant") {
        out.push(match p.rules.missing_warrant.as_str() {
            "unknown" => "no input maps a `warrant` column: every warrant is unknown and no \
                          hold can be flagged (map the export's warrant column; if the county \
                          records none, rules.missing_warrant says how to read it)"
                .to_string(),
            other => format!(
                "no input maps a `warrant` column: every warrant is read as `{other}` \
                 (rules.missing_warrant)"
            ),
        });
    }
    for (field, codes) in &p.codes {
        if !codes.contains_key("") {
            continue;
        }
        let matched: u64 = c
            .files
            .iter()
            .filter_map(|f| f.stats.empty_codes.get(field))
            .sum();
        if matched == 0 {
            out.push(format!(
                "[codes.{field}] maps \"\" but no input had an empty `{field}` field"
            ));
        }
    }
    out
}
