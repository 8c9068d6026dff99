//! Where things are in a pipeline file: the line and column of a key path
//! (`inputs[1].columns.booked_at`) in the file's spanned TOML tree, and the
//! keys no serde struct accepts, all collected at once so an analyst sees
//! every misspelling in one pass (serde stops at the first).
//!
//! [`Checker`] carries one file through loading and validation and gathers
//! its problems; `report` is how every check records one.

use super::raw::{allowed, RawClass, RawDamages, RawInput, RawPipeline, RawRules, RawSubclass};
use super::suggest::did_you_mean;
use super::Problem;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// 1-based line and column of a byte offset.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// One pipeline file: its text, its spanned tree for locating keys, and the
/// problems found so far.
pub(super) struct Checker<'a> {
    pub(super) file: &'a Path,
    text: &'a str,
    doc: &'a DeTable<'a>,
    pub(super) problems: Vec<Problem>,
    /// Byte ranges of unknown keys with their values, blanked out so that
    /// the rest of the file can still be checked in the same pass.
    unknown: Vec<std::ops::Range<usize>>,
}

/// One step of a key path: a key of a table, or a position in an array
/// of tables (`inputs[1]`).
#[derive(Clone, Copy)]
pub(super) enum Seg<'s> {
    Key(&'s str),
    Index(usize),
}

impl<'a> Checker<'a> {
    pub(super) fn new(file: &'a Path, text: &'a str, doc: &'a DeTable<'a>) -> Self {
        Checker {
            file,
            text,
            doc,
            problems: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Where a key path sits in the file: the key itself when it exists,
    /// else its nearest parent that does.
    fn locate(&self, path: &[Seg]) -> Option<(usize, usize)> {
        let mut table: &DeTable = self.doc;
        let mut array: Option<&[toml::Spanned<DeValue>]> = None;
        let mut best = None;
        for seg in path {
            let value = match (*seg, array) {
                (Seg::Index(i), Some(items)) => items.get(i),
                (Seg::Key(k), None) => {
                    let found = table.iter().find(|(key, _)| key.get_ref().as_ref() == k);
                    if let Some((key, _)) = found {
                        best = Some(key.span().start);
                    }
                    found.map(|(_, v)| v)
                }
                _ => None,
            };
            let Some(value) = value else { break };
            if matches!(seg, Seg::Index(_)) {
                best = Some(value.span().start);
            }
            match value.get_ref() {
                DeValue::Table(t) => {
                    table = t;
                    array = None;
                }
                DeValue::Array(a) => array = Some(a),
                _ => break,
            }
        }
        best.map(|o| line_col(self.text, o))
    }

    /// Records a problem at a key path, placed where `locate` finds it.
    pub(super) fn report(&mut self, path: &[Seg], message: impl Into<String>) {
        let at = self.locate(path);
        let key = path.iter().fold(String::new(), |mut acc, seg| {
            match seg {
                Seg::Key(k) => {
                    if !acc.is_empty() {
                        acc.push('.');
                    }
                    // As TOML writes it: a key that is not a bare word (a
                    // code with a space, the empty code) in quotes.
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        acc.push_str(k);
                    } else {
                        acc.push_str(&format!("{k:?}"));
                    }
                }
                Seg::Index(i) => acc.push_str(&format!("[{i}]")),
            }
            acc
        });
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            at,
            key,
            message: message.into(),
        });
    }

    /// Reports every key of a fixed-shape table that is not in `known`.
    fn unknown_keys(&mut self, table: &DeTable, known: &[&str], prefix: &str) {
        for (key, value) in table.iter() {
            let k = key.get_ref().as_ref();
            if !known.contains(&k) {
                let span = key.span().start..value.span().end.max(key.span().end);
                self.unknown.push(blank_range(self.text, span));
                let hint = did_you_mean(k, known);
                let (line, col) = line_col(self.text, key.span().start);
                self.problems.push(Problem {
                    file: self.file.to_path_buf(),
                    at: Some((line, col)),
                    key: format!("{prefix}{k}"),
                    message: format!("unknown key{hint}; allowed here: {}", known.join(", ")),
                });
            }
        }
    }

    /// Reports the unknown keys of every fixed-shape table of the file: the
    /// top level, `[rules]`, `rules.damages`, `[class]`, each
    /// `[[class.subclasses]]` and each `[[inputs]]`. The other tables
    /// (`[codes.*]`, `date_only`, `[inputs.columns]`, `[inputs.formats]`)
    /// take names that validation checks against the canonical tables.
    pub(super) fn all_unknown_keys(&mut self) {
        let doc = self.doc;
        self.unknown_keys(doc, allowed::<RawPipeline>(), "");
        for (key, value) in doc.iter() {
            match (key.get_ref().as_ref(), value.get_ref()) {
                ("rules", DeValue::Table(rules)) => {
                    self.unknown_keys(rules, allowed::<RawRules>(), "rules.");
                    for (k, v) in rules.iter() {
                        if let ("damages", DeValue::Table(d)) = (k.get_ref().as_ref(), v.get_ref())
                        {
                            self.unknown_keys(d, allowed::<RawDamages>(), "rules.damages.");
                        }
                    }
                }
                ("class", DeValue::Table(class)) => {
                    self.unknown_keys(class, allowed::<RawClass>(), "class.");
                    for (k, v) in class.iter() {
                        if let ("subclasses", DeValue::Array(items)) =
                            (k.get_ref().as_ref(), v.get_ref())
                        {
                            for (i, item) in items.iter().enumerate() {
                                if let DeValue::Table(t) = item.get_ref() {
                                    let prefix = format!("class.subclasses[{i}].");
                                    self.unknown_keys(t, allowed::<RawSubclass>(), &prefix);
                                }
                            }
                        }
                    }
                }
                ("inputs", DeValue::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if let DeValue::Table(t) = item.get_ref() {
                            self.unknown_keys(t, allowed::<RawInput>(), &format!("inputs[{i}]."));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The file's text with every unknown key and its value blanked out,
    /// newlines kept, so that serde and the semantic checks still run on
    /// the rest with the same lines and columns.
    pub(super) fn without_unknown_keys(&self) -> String {
        let text = self.text;
        let mut checked = text.to_string().into_bytes();
        for r in &self.unknown {
            for b in &mut checked[r.start.min(text.len())..r.end.min(text.len())] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
        String::from_utf8_lossy(&checked).into_owned()
    }
}

/// The bytes to blank for an unknown key whose key and value span `span`,
/// so that what is left still parses: a table header (`[rulez]`) goes with
/// its whole body up to the next header, and an entry of an inline table
/// (`{ per_dya = 5, cap = 9 }`) with the comma that separates it.
fn blank_range(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let bytes = text.as_bytes();
    let (start, end) = (span.start.min(bytes.len()), span.end.min(bytes.len()));
    let before = bytes[..start]
        .iter()
        .rposition(|b| !b" \t".contains(b))
        .map(|i| (i, bytes[i]));
    if let Some((open, b'[')) = before {
        // A header: from its first `[` to the next line that opens a table.
        let header = bytes[..=open]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let mut line = end;
        loop {
            let Some(nl) = bytes[line..].iter().position(|&b| b == b'\n') else {
                return header..bytes.len();
            };
            line += nl + 1;
            let first = bytes[line..].iter().position(|b| !b" \t".contains(b));
            if first.is_some_and(|f| bytes[line + f] == b'[') {
                return header..line;
            }
        }
    }
    let after = bytes[end..]
        .iter()
        .position(|b| !b" \t".contains(b))
        .map(|i| (end + i, bytes[end + i]));
    match (before, after) {
        // Not the last entry of an inline table: its comma goes with it.
        (Some((_, b'{' | b',')), Some((comma, b','))) => start..comma + 1,
        // The last entry: the comma before it.
        (Some((comma, b',')), Some((_, b'}'))) => comma..end,
        _ => start..end,
    }
}

#[cfg(test)]
mod blank_tests {
    use super::blank_range;

    fn blank(text: &str, key: &str, value_end: &str) -> String {
        let start = text.find(key).unwrap();
        let end = text[start..].find(value_end).unwrap() + start + value_end.len();
        let r = blank_range(text, start..end);
        let mut out = text.as_bytes().to_vec();
        for b in &mut out[r] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn what_is_left_still_parses() {
        let t = "damages = { per_dya = 500, cap = 1200 }\n";
        let b = blank(t, "per_dya", "500");
        assert!(b.parse::<toml::Table>().is_ok(), "{b}");
        assert!(b.contains("cap = 1200"));
        let b = blank(t, "cap", "1200");
        assert!(b.parse::<toml::Table>().is_ok(), "{b}");
        assert!(b.contains("per_dya = 500"));
        let t =
            "county = \"A\"\n[rulez]\nsince = \"2012-01-01\"\n\n[class]\nfrom = \"2012-01-01\"\n";
        let b = blank(t, "rulez", "rulez");
        let parsed: toml::Table = b.parse().unwrap();
        assert!(!parsed.contains_key("since"), "{b}");
        assert!(parsed["class"].get("from").is_some(), "{b}");
        assert_eq!(b.lines().count(), t.lines().count());
    }
}
