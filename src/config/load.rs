//! Reading pipeline files: the command line's arguments expanded to files,
//! each file parsed (TOML syntax, unknown keys, then serde into the raw
//! types) and validated, and the problems of all files gathered so that
//! one report lists them all.

use super::locate::{line_col, Checker};
use super::raw::RawPipeline;
use super::validate::validate;
use super::{ConfigErrors, Pipeline, Problem};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::DeTable;

/// Expands the command line's PIPELINE arguments: a directory stands for
/// every `*.toml` in it, sorted by name.
pub fn expand_arguments(args: &[PathBuf]) -> Result<Vec<PathBuf>, ConfigErrors> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for arg in args {
        if arg.is_dir() {
            match std::fs::read_dir(arg) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        problems.push(problem(arg, None, "", "no *.toml pipeline file here"));
                    }
                    files.extend(found);
                }
                Err(e) => problems.push(problem(arg, None, "", &format!("cannot list: {e}"))),
            }
        } else if arg.is_file() {
            files.push(arg.clone());
        } else {
            problems.push(problem(arg, None, "", "no such file or directory"));
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(ConfigErrors(problems))
    }
}

/// Reads and validates every pipeline file, reporting all problems at once.
pub fn load_all(files: &[PathBuf]) -> Result<Vec<Pipeline>, ConfigErrors> {
    let mut pipelines = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match load(file) {
            Ok(p) => pipelines.push(p),
            Err(mut ps) => problems.append(&mut ps),
        }
    }
    let mut seen: BTreeMap<String, &Path> = BTreeMap::new();
    for p in &pipelines {
        if let Some(other) = seen.insert(p.slug.clone(), &p.file) {
            problems.push(problem(
                &p.file,
                None,
                "county",
                &format!(
                    "county `{}` is also defined by {}: each county needs one pipeline file, \
                     or outputs would overwrite each other",
                    p.county,
                    other.display()
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(pipelines)
    } else {
        Err(ConfigErrors(problems))
    }
}

/// A problem found before a file could be walked key by key (reading,
/// TOML syntax, serde), or one about a file as a whole.
fn problem(file: &Path, at: Option<(usize, usize)>, key: &str, message: &str) -> Problem {
    Problem {
        file: file.to_path_buf(),
        at,
        key: key.to_string(),
        message: message.to_string(),
    }
}

/// Reads one pipeline file and validates it: its problems in file order,
/// or its pipeline when it has none.
fn load(file: &Path) -> Result<Pipeline, Vec<Problem>> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        vec![problem(
            file,
            None,
            "",
            &format!("cannot read pipeline file: {e}"),
        )]
    })?;
    let doc = DeTable::parse(&text).map_err(|e| {
        let at = e.span().map(|s| line_col(&text, s.start));
        vec![problem(file, at, "", e.message())]
    })?;
    let doc = doc.into_inner();
    let mut checker = Checker::new(file, &text, &doc);
    checker.all_unknown_keys();
    // With unknown keys blanked out (same lines and columns), serde and the
    // semantic checks still run, so every problem is reported at once.
    let checked = checker.without_unknown_keys();
    let raw: RawPipeline = match toml::from_str(&checked) {
        Ok(raw) => raw,
        Err(e) => {
            let at = e.span().map(|s| line_col(&text, s.start));
            let mut problems = checker.problems;
            problems.push(problem(file, at, "", e.message()));
            problems.sort_by_key(|p| p.at);
            return Err(problems);
        }
    };
    let pipeline = validate(&mut checker, raw);
    // Report in file order, whatever order the checks ran in.
    checker.problems.sort_by_key(|p| p.at);
    if checker.problems.is_empty() {
        Ok(pipeline.expect("a pipeline is built whenever no problem was reported"))
    } else {
        Err(checker.problems)
    }
}
