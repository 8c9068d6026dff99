//! `init`: a draft pipeline file made from a county's export itself, for
//! the analyst to review and correct rather than write from nothing
//! (README.md, "Your own county").
//!
//! The files of the module, in the order a draft is made:
//!
//! - `sample`: the first rows of each file (of each sheet of a workbook),
//!   read through the ingest's own readers, bounded in rows and bytes;
//! - `sniff`: a CSV file's encoding, delimiter, preamble, line ends and
//!   quoting, with how sure each finding is;
//! - `shape` and `formats`: what each column's values look like, and the
//!   datetime formats that read them (day and month order never guessed);
//! - `synonyms` and `columns`: which tables a file feeds and which column
//!   is each field, by the header's name and the values' shape;
//! - `codes`: each coded field's codes with their counts, a category
//!   where the code's words make it plain, and the `[codes.*]` tables;
//! - `group`: parts read alike for one table become one input, with a
//!   glob when they share a folder and a name pattern;
//! - `draft` and `inputs`: the TOML text, every guess with its evidence
//!   and every open decision a TODO; `report`: what `init` prints.
//!
//! Privacy: no value of a name, date of birth or id column is printed or
//! written. Evidence is counts, shapes and formats; only the codes of
//! coded fields are listed.

mod codes;
mod columns;
mod draft;
mod formats;
mod group;
mod inputs;
mod report;
mod sample;
mod shape;
mod sniff;
mod synonyms;

pub use draft::Outcome;

use chrono::NaiveDateTime;
use columns::PartGuess;
use sample::Part;
use shape::Profile;
use std::path::{Path, PathBuf};

/// What the analyst told `init`; each absent one is a TODO of the draft.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub county: Option<String>,
    pub state: Option<String>,
    pub timezone: Option<String>,
}

/// A part of an export with what was found in it.
pub(crate) struct Analysed {
    pub part: Part,
    /// Null spellings found: spelling, fields, columns.
    pub nulls: Vec<(&'static str, usize, usize)>,
    pub profiles: Vec<Profile>,
    pub guess: PartGuess,
}

impl Analysed {
    /// `null_values` for this part: `""` and the spellings found.
    pub fn null_values(&self) -> Vec<String> {
        std::iter::once(String::new())
            .chain(self.nulls.iter().map(|(n, _, _)| n.to_string()))
            .collect()
    }
}

/// Reads and analyses every file, and makes the draft. `base` is the
/// folder the draft's paths are relative to (the draft's own folder).
pub fn init(files: &[PathBuf], settings: &Settings, base: &Path) -> anyhow::Result<Outcome> {
    let mut analysed = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for file in files {
        // One file given twice (`*.csv bookings.csv`) is read once.
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        if !seen.insert(key) {
            continue;
        }
        for part in sample::read(file)? {
            analysed.push(analyse(part));
        }
    }
    let inputs = group::inputs(&analysed, base)?;
    let as_of = analysed
        .iter()
        .find_map(|a| preamble_date(&a.part.preamble).map(|t| (t, a.part.label())));
    // Parts that feed no table keep a commented entry, with their path.
    let mut unused = Vec::new();
    for (i, a) in analysed.iter().enumerate() {
        if a.guess.tables.is_empty() {
            let file = std::fs::canonicalize(&a.part.path).unwrap_or_else(|_| a.part.path.clone());
            unused.push((i, group::relative(&file, base)));
        }
    }
    Ok(draft::make(&analysed, &inputs, settings, as_of, &unused))
}

fn analyse(part: Part) -> Analysed {
    let nulls = shape::null_spellings(&part.columns);
    let null_values: Vec<String> = nulls.iter().map(|(n, _, _)| n.to_string()).collect();
    let profiles: Vec<Profile> = part
        .columns
        .iter()
        .map(|c| shape::profile(c, &null_values))
        .collect();
    let guess = columns::guess(&part, &profiles);
    Analysed {
        part,
        nulls,
        profiles,
        guess,
    }
}

/// A date and time written in a file's preamble ("Run date: 06/30/2026
/// 00:00"): when the export was probably taken. Only a reading with one
/// day and month order is taken.
fn preamble_date(lines: &[String]) -> Option<NaiveDateTime> {
    const WITH_TIME: &[&str] = &[
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
    ];
    for line in lines {
        for (i, _) in line.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
            if i > 0 && line[..i].ends_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let rest = &line[i..];
            for f in WITH_TIME {
                if let Ok((t, _)) = NaiveDateTime::parse_and_remainder(rest, f) {
                    let us = f.starts_with("%m");
                    // 06/05/2026 could be either order: no guess.
                    let day = chrono::Datelike::day(&t);
                    if !us || day > 12 || day == chrono::Datelike::month(&t) {
                        return Some(t);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preamble_date_is_read_only_when_its_order_is_plain() {
        let t = |l: &str| preamble_date(&[l.to_string()]).map(|t| t.to_string());
        assert_eq!(
            t("Run date: 06/30/2026 00:00").as_deref(),
            Some("2026-06-30 00:00:00")
        );
        assert_eq!(
            t("Exported 2026-06-05 13:45:10 by JMS").as_deref(),
            Some("2026-06-05 13:45:10")
        );
        assert_eq!(t("Run date: 06/05/2026 00:00"), None);
        assert_eq!(t("SHERIFF'S OFFICE - JAIL MANAGEMENT SYSTEM EXPORT"), None);
    }
}
