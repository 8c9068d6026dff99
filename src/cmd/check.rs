//! `detainer-audit check`: validates pipeline files and inputs and prints,
//! per pipeline and input file, rows read, used and rejected by reason, and
//! unmapped codes. Writes no output (staged data goes to a private folder
//! that is removed).

use super::{over_reject_rate, process_each, WorkDir};
use crate::progress::Progress;
use std::fmt::Write as _;
use std::path::PathBuf;

pub fn check(pipeline_args: &[PathBuf], progress: &Progress) -> anyhow::Result<(String, bool)> {
    let files = crate::config::expand_arguments(pipeline_args)?;
    let pipelines = crate::config::load_all(&files)?;
    let work = WorkDir::new(&std::env::temp_dir())?;
    let counties = process_each(pipelines, &work.0, progress, Ok::<_, super::ProcessError>)?;
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
            for (field, codes) in &f.stats.unmapped {
                for (code, n) in codes {
                    let _ = writeln!(
                        text,
                        "      unmapped {field} code {code:?}: {n} rows (read as `unknown`; add it to [codes.{field}])"
                    );
                }
            }
        }
        let holds = &c.audit.holds;
        let _ = writeln!(
            text,
            "  {} holds, {} flagged; as_of {} ({})",
            holds.len(),
            holds.iter().filter(|h| h.flagged).count(),
            crate::outputs::local_text(c.audit.as_of, &p.tz),
            c.audit.as_of_source
        );
        for line in over_reject_rate(c) {
            ok = false;
            let _ = writeln!(text, "  over the reject limit: {line}");
        }
    }
    Ok((text, ok))
}
