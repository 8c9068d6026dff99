//! Parts read alike for one table become one `[[inputs]]` entry: same
//! folder, same layout (format, delimiter, preamble, sheet), same header
//! and the same fields found. Several files take a glob made of their
//! names' common start and end (`bookings_2011.csv` ... `bookings_2026.csv`
//! give `bookings_*.csv`), kept only when it matches exactly those files in
//! their folder; otherwise each file is an entry of its own.
//!
//! Paths are written relative to the draft's folder, as pipeline files
//! require (docs/PIPELINE_FILES.md, "Paths").

use super::columns::TableGuess;
use super::sample::Layout;
use super::sniff::Sure;
use super::Analysed;
use crate::config::Encoding;
use crate::model::Table;
use anyhow::Context;
use std::path::{Component, Path, PathBuf};

/// One `[[inputs]]` entry to write.
#[derive(Debug, Clone)]
pub struct InputPlan {
    pub table: Table,
    /// Indices of the parts read, in path order.
    pub parts: Vec<usize>,
    /// The path or glob, relative to the draft's folder, `/`-separated.
    pub path: String,
    pub encoding: Encoding,
    /// `""` and every null spelling found in any of the parts.
    pub null_values: Vec<String>,
}

impl InputPlan {
    /// The table's guess in the first part (every part has the same).
    pub fn guess<'a>(&self, analysed: &'a [Analysed]) -> &'a TableGuess {
        analysed[self.parts[0]]
            .guess
            .tables
            .iter()
            .find(|t| t.table == self.table)
            .expect("a plan is made from a table its parts feed")
    }
}

/// What must agree for two parts to be one input.
#[derive(PartialEq)]
struct Key {
    table: Table,
    folder: PathBuf,
    layout: String,
    header: Vec<String>,
    fields: Vec<(&'static str, Vec<usize>)>,
}

fn key(a: &Analysed, t: &TableGuess) -> anyhow::Result<Key> {
    let path = &a.part.path;
    let canonical = std::fs::canonicalize(path)
        .with_context(|| format!("{}: cannot resolve the path", path.display()))?;
    let layout = match &a.part.layout {
        Layout::Csv(d) => format!("csv {} {}", d.delimiter.value, d.skip_rows),
        Layout::Sheet { name, skip_rows } => format!("xlsx {name} {skip_rows}"),
        Layout::Parquet(_) => "parquet".to_string(),
    };
    Ok(Key {
        table: t.table,
        folder: canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        layout,
        header: a.part.header.clone(),
        fields: t
            .fields
            .iter()
            .map(|g| (g.field.name, g.sources.clone()))
            .collect(),
    })
}

/// The inputs of the draft, in table order, then in the order the files
/// were given.
pub fn inputs(analysed: &[Analysed], base: &Path) -> anyhow::Result<Vec<InputPlan>> {
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    for (i, a) in analysed.iter().enumerate() {
        for t in &a.guess.tables {
            let k = key(a, t)?;
            match groups.iter_mut().find(|(g, _)| *g == k) {
                Some((_, members)) => members.push(i),
                None => groups.push((k, vec![i])),
            }
        }
    }
    let mut plans = Vec::new();
    for table in Table::ALL {
        for (k, members) in groups.iter().filter(|(k, _)| k.table == table) {
            for members in split_by_encoding(analysed, members) {
                plans.extend(plans_for(analysed, table, &k.folder, members, base));
            }
        }
    }
    Ok(plans)
}

/// Parts of a group that need different encodings: one whose text proved
/// UTF-8 and one that is not UTF-8 cannot share an input.
fn split_by_encoding(analysed: &[Analysed], members: &[usize]) -> Vec<Vec<usize>> {
    let enc = |i: usize| match &analysed[i].part.layout {
        Layout::Csv(d) => Some((d.encoding.value, d.encoding.sure)),
        _ => None,
    };
    let proved_utf8 = members
        .iter()
        .any(|&i| enc(i) == Some((Encoding::Utf8, Sure::Certain)));
    let any_1252 = members
        .iter()
        .any(|&i| matches!(enc(i), Some((Encoding::Windows1252, _))));
    if proved_utf8 && any_1252 {
        let (a, b): (Vec<usize>, Vec<usize>) = members
            .iter()
            .partition(|&&i| matches!(enc(i), Some((Encoding::Windows1252, _))));
        vec![a, b]
    } else {
        vec![members.to_vec()]
    }
}

fn plans_for(
    analysed: &[Analysed],
    table: Table,
    folder: &Path,
    mut members: Vec<usize>,
    base: &Path,
) -> Vec<InputPlan> {
    members.sort_by(|&a, &b| analysed[a].part.path.cmp(&analysed[b].part.path));
    let encoding = if members.iter().any(|&i| matches!(&analysed[i].part.layout, Layout::Csv(d) if d.encoding.value == Encoding::Windows1252)) {
        Encoding::Windows1252
    } else {
        Encoding::Utf8
    };
    let plan = |parts: Vec<usize>, name: String| {
        let mut null_values = vec![String::new()];
        for &i in &parts {
            for n in analysed[i].null_values() {
                if !null_values.contains(&n) {
                    null_values.push(n);
                }
            }
        }
        InputPlan {
            table,
            parts,
            path: relative(&folder.join(name), base),
            encoding,
            null_values,
        }
    };
    let names: Vec<String> = members
        .iter()
        .map(|&i| {
            analysed[i]
                .part
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    if members.len() > 1 {
        if let Some(pattern) = glob_for(folder, &names) {
            return vec![plan(members, pattern)];
        }
    }
    members
        .into_iter()
        .zip(names)
        .map(|(i, n)| plan(vec![i], n))
        .collect()
}

/// A glob matching exactly `names` in `folder`: their common start and
/// end around a `*`, first without the digits they share (a year's
/// `20`), then with them.
pub fn glob_for(folder: &Path, names: &[String]) -> Option<String> {
    let first = names.first()?;
    let prefix_len = names.iter().fold(first.len(), |n, s| {
        first
            .bytes()
            .zip(s.bytes())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    let suffix_len = names.iter().fold(first.len(), |n, s| {
        first
            .bytes()
            .rev()
            .zip(s.bytes().rev())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    let shortest = names.iter().map(String::len).min()?;
    let suffix_len = suffix_len.min(shortest.saturating_sub(prefix_len));
    let (prefix, suffix) = (&first[..prefix_len], &first[first.len() - suffix_len..]);
    // A cut inside a character is no pattern.
    if !first.is_char_boundary(prefix_len) || !first.is_char_boundary(first.len() - suffix_len) {
        return None;
    }
    let loose = (
        prefix.trim_end_matches(|c: char| c.is_ascii_digit()),
        suffix.trim_start_matches(|c: char| c.is_ascii_digit()),
    );
    let mut wanted: Vec<&str> = names.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    for (p, s) in [loose, (prefix, suffix)] {
        if p.is_empty() && s.is_empty() {
            continue;
        }
        let pattern = format!("{}*{}", glob::Pattern::escape(p), glob::Pattern::escape(s));
        let full = folder.join(&pattern);
        let Ok(paths) = glob::glob(&full.to_string_lossy()) else {
            continue;
        };
        let mut matched: Vec<String> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        matched.sort_unstable();
        if matched == wanted {
            return Some(pattern);
        }
    }
    None
}

/// `path` relative to folder `base` (both absolute), `/`-separated; the
/// absolute path when they share no root.
pub fn relative(path: &Path, base: &Path) -> String {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_string_lossy().replace('\\', "/");
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let r = |p: &str, b: &str| relative(Path::new(p), Path::new(b));
        assert_eq!(
            r("/w/sample_data/alpine/holds.csv", "/w/pipelines"),
            "../sample_data/alpine/holds.csv"
        );
        assert_eq!(r("/w/data/x.csv", "/w/data"), "x.csv");
        assert_eq!(r("/w/data/sub/x.csv", "/w"), "data/sub/x.csv");
    }

    #[test]
    fn a_glob_is_kept_only_when_it_matches_exactly_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (2011..=2013).map(|y| format!("bookings_{y}.csv")).collect();
        for n in names.iter().chain(["detainers.csv".to_string()].iter()) {
            std::fs::write(dir.path().join(n), "A,B\n").unwrap();
        }
        assert_eq!(
            glob_for(dir.path(), &names).as_deref(),
            Some("bookings_*.csv")
        );
        // A file of the folder not given, matched by the loose glob: the
        // tighter one is taken.
        std::fs::write(dir.path().join("bookings_old.csv"), "A,B\n").unwrap();
        assert_eq!(
            glob_for(dir.path(), &names).as_deref(),
            Some("bookings_201*.csv")
        );
        // Matched by both: no glob.
        std::fs::write(dir.path().join("bookings_2019.csv"), "A,B\n").unwrap();
        assert_eq!(glob_for(dir.path(), &names), None);
        // Names with nothing in common.
        assert_eq!(
            glob_for(dir.path(), &["a.txt".to_string(), "b.dat".to_string()]),
            None
        );
    }
}
