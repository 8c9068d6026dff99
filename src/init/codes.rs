//! The codes of each coded field (`bail_status`, `release_reason`,
//! `charge_kind`, `form`, `warrant`, and the `final_order` flag): every
//! distinct sampled value with its count, and a category suggested only
//! where the code's own words make it plain (`ICE PICKUP` is a transfer to
//! ICE, `I-205` an administrative warrant, `247A` the form I-247A). Any
//! other code is left to the analyst: a number, an abbreviation, two
//! readings at once.
//!
//! The warrant decides the flag (method rules 6 and 7), so its words are
//! read strictly: a code that names a judge and a negation, or none of the
//! three categories, is a TODO. An empty warrant is never given a
//! category: the draft only mentions `"" = "none"` (method rule 6).
//!
//! This file also writes the draft's `[codes.*]` tables: one per coded
//! field, its codes over every input that maps it, most frequent first,
//! each with its count and why it got its category or is a TODO.

use super::draft::{comment, keyed, quote};
use super::group::InputPlan;
use super::sniff::thousands;
use super::Analysed;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A code's suggested category, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggestion {
    Category(&'static str, String),
    Todo(String),
}

/// The code's words, upper-cased, and its letters and digits run together.
struct Words {
    words: Vec<String>,
    compact: String,
}

impl Words {
    fn new(code: &str) -> Words {
        let upper = code.to_uppercase();
        Words {
            words: upper
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            compact: upper.chars().filter(|c| c.is_alphanumeric()).collect(),
        }
    }

    /// The first of `list` among the words.
    fn any(&self, list: &[&str]) -> Option<String> {
        self.words
            .iter()
            .find(|w| list.contains(&w.as_str()))
            .cloned()
    }

    /// `phrase` appears as consecutive words.
    fn phrase(&self, phrase: &str) -> bool {
        let p: Vec<&str> = phrase.split(' ').collect();
        self.words
            .windows(p.len())
            .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
    }
}

/// A suggestion for `code` of coded field `field`.
pub fn suggest(field: &str, code: &str) -> Suggestion {
    let w = Words::new(code);
    if w.words.is_empty() {
        return Suggestion::Todo("no letters or digits".to_string());
    }
    // Numbers are the county's own code list, except a form's `247` and
    // a flag's `1` and `0`.
    let number = w
        .words
        .iter()
        .all(|x| x.chars().all(|c| c.is_ascii_digit()));
    if number && field != "final_order" && field != "form" {
        return Suggestion::Todo(
            "a number: only the county's code list says what it means".to_string(),
        );
    }
    match field {
        "warrant" => warrant(&w),
        "form" => form(&w),
        "charge_kind" => charge_kind(&w),
        "bail_status" => bail_status(&w),
        "release_reason" => release_reason(&w),
        "final_order" => final_order(&w),
        _ => Suggestion::Todo("not a coded field".to_string()),
    }
}

fn says(word: &str) -> String {
    format!("says {word}")
}

/// One reading from several cues, or a TODO naming the clash.
fn one_of(found: Vec<(&'static str, String)>) -> Suggestion {
    match found.as_slice() {
        [] => Suggestion::Todo("the text does not say which category".to_string()),
        [(cat, why)] => Suggestion::Category(cat, why.clone()),
        many => Suggestion::Todo(format!(
            "reads as {}",
            many.iter()
                .map(|(c, why)| format!("`{c}` ({why})"))
                .collect::<Vec<_>>()
                .join(" and as ")
        )),
    }
}

fn unknown_words(w: &Words) -> bool {
    w.any(&["UNK", "UNKNOWN", "UNKN", "UNKWN"]).is_some()
}

fn warrant(w: &Words) -> Suggestion {
    if unknown_words(w) {
        return Suggestion::Todo(
            "it says unknown: left unmapped it reads as `unknown`, never flagged (method rule 6)"
                .to_string(),
        );
    }
    let judge = w.any(&["JUDICIAL", "JUDGE", "JUDGES", "COURT", "MAGISTRATE"]);
    if judge.is_some() && w.any(&["NON", "NOT", "NO"]).is_some() {
        return Suggestion::Todo("names a judge and a negation".to_string());
    }
    let mut found = Vec::new();
    if let Some(j) = judge {
        found.push(("judicial", says(&j)));
    }
    if w.compact.contains("I200") || w.compact.contains("I205") {
        found.push((
            "administrative",
            "names an I-200 or I-205 (signed by ICE officers)".to_string(),
        ));
    } else if let Some(a) = w.any(&["ADMIN", "ADMINISTRATIVE", "ADM"]) {
        found.push(("administrative", says(&a)));
    }
    if w.words == ["NONE"]
        || (w.words.first().is_some_and(|x| x == "NO")
            && w.any(&["WARRANT", "WRNT", "WARR", "WRT"]).is_some())
    {
        found.push(("none", "says no warrant".to_string()));
    }
    one_of(found)
}

fn form(w: &Words) -> Suggestion {
    let c = &w.compact;
    let Some(at) = c.find("247") else {
        return Suggestion::Todo("names no I-247 form".to_string());
    };
    let (before, after) = (&c[..at], &c[at + 3..]);
    let prefix_ok = before.is_empty()
        || before.ends_with('I')
        || before.chars().all(|x| x.is_ascii_alphabetic());
    match after {
        "" | "A" | "D" | "N" | "X" if prefix_ok => {
            let cat = crate::model::Form::CODED
                .iter()
                .find(|f| f.strip_prefix("I-247") == Some(after))
                .expect("every I-247 variant is a category");
            Suggestion::Category(cat, format!("names form {cat}"))
        }
        _ => Suggestion::Todo("names 247 with other characters around it".to_string()),
    }
}

fn charge_kind(w: &Words) -> Suggestion {
    let mut found = Vec::new();
    if let Some(x) = w.any(&["ICE", "IMMIGRATION", "IMMIG", "DHS", "INS", "DETAINER"]) {
        found.push(("immigration_hold", says(&x)));
    } else if w.compact.contains("I247") {
        found.push(("immigration_hold", "names an I-247 detainer".to_string()));
    }
    if let Some(x) = w.any(&[
        "FEL",
        "FELONY",
        "MISD",
        "MISDEMEANOR",
        "MISDEMEANANT",
        "INF",
        "INFRACTION",
        "CRIMINAL",
        "CRIM",
    ]) {
        found.push(("criminal", says(&x)));
    }
    one_of(found)
}

const ICE_WORDS: &[&str] = &["ICE", "DHS", "IMMIGRATION", "IMMIG", "INS", "ERO"];

fn bail_status(w: &Words) -> Suggestion {
    let denied = w.compact.contains("NOBAIL")
        || w.compact.contains("NOBOND")
        || w.any(&["DENIED", "DENY", "HELD"]).is_some();
    let hold = w.any(ICE_WORDS).or_else(|| w.any(&["HOLD", "DETAINER"]));
    match (denied, hold, w.any(&["SET", "BAILABLE", "SETBAIL"])) {
        (true, Some(h), _) => {
            Suggestion::Category("denied_for_hold", format!("no bail, and says {h}"))
        }
        (true, None, _) => Suggestion::Category(
            "denied_other",
            "no bail, and no word of ICE or a hold".to_string(),
        ),
        (false, _, Some(s)) => Suggestion::Category("set", says(&s)),
        _ => Suggestion::Todo("the text does not say which category".to_string()),
    }
}

fn release_reason(w: &Words) -> Suggestion {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    let transfer = w
        .any(&[
            "TRANSFER",
            "TRANSFERRED",
            "XFER",
            "XFERRED",
            "TRNSFR",
            "CDCR",
            "PRISON",
            "EXTRADITED",
            "EXTRADITION",
        ])
        .or_else(|| {
            ["OTHER AGENCY", "OTHER COUNTY", "OUT OF COUNTY"]
                .iter()
                .find(|p| w.phrase(p))
                .map(|p| p.to_string())
        });
    if let Some(i) = w.any(ICE_WORDS) {
        found.push(("transfer_ice", says(&i)));
    } else if let Some(t) = transfer {
        found.push(("transfer_other", format!("says {t}, and no word of ICE")));
    }
    if let Some(b) = w.any(&["BAIL", "BAILED", "BOND", "BONDED"]) {
        found.push(("bail", says(&b)));
    }
    if w.any(&["OR", "ROR", "OWN"]).is_some()
        || w.phrase("O R")
        || w.words.iter().any(|x| x.starts_with("RECOG"))
    {
        found.push(("own_recognizance", "says own recognizance".to_string()));
    }
    if let Some(d) = w.any(&[
        "DROPPED",
        "DISMISSED",
        "DISMISSAL",
        "DISMISS",
        "DECLINED",
        "NOLLE",
    ]) {
        found.push(("charges_dropped", says(&d)));
    } else if ["NO CHARGES", "NOT FILED", "NO COMPLAINT"]
        .iter()
        .any(|p| w.phrase(p))
    {
        found.push(("charges_dropped", "says no charges".to_string()));
    }
    if w.any(&["ACQUITTED", "ACQUITTAL", "ACQUIT"]).is_some() || w.phrase("NOT GUILTY") {
        found.push(("acquitted", "says acquitted".to_string()));
    }
    let sentence = w.any(&["SENTENCE", "SENT"]).is_some()
        && w.any(&["COMPLETE", "COMPLETED", "SERVED", "EXPIRED", "END"])
            .is_some();
    if sentence || w.any(&["SERVED", "EOS", "EXPIRATION"]).is_some() {
        found.push((
            "sentence_served",
            "says time or sentence served".to_string(),
        ));
    }
    if (w.any(&["COURT", "CT", "CRT", "JUDGE"]).is_some()
        && w.any(&["ORDER", "ORDERED", "ORD"]).is_some())
        || w.phrase("PER COURT")
    {
        found.push(("court_order", "says court order".to_string()));
    }
    if let Some(d) = w.any(&["DIVERSION", "DIVERTED", "DIVERT"]) {
        found.push(("diversion", says(&d)));
    }
    if w.words == ["OTHER"] || w.words == ["OTH"] || w.any(&["MISC", "MISCELLANEOUS"]).is_some() {
        found.push(("other", "says other or miscellaneous".to_string()));
    }
    one_of(found)
}

fn final_order(w: &Words) -> Suggestion {
    match w.compact.as_str() {
        "Y" | "YES" | "TRUE" | "T" | "1" => Suggestion::Category("true", "a yes".to_string()),
        "N" | "NO" | "FALSE" | "F" | "0" => Suggestion::Category("false", "a no".to_string()),
        _ => Suggestion::Todo("not a yes or a no".to_string()),
    }
}

/// The codes of one coded field, over every input that maps it.
#[derive(Debug, Clone, Default)]
pub struct CodeList {
    pub field: &'static str,
    /// The columns read, as "`Header` (file)".
    pub columns: Vec<String>,
    pub counts: BTreeMap<String, usize>,
    /// Sampled rows, and of them rows with the field empty or null.
    pub rows: usize,
    pub empty: usize,
    /// A column had more distinct values than are listed.
    pub unlisted: bool,
}

impl CodeList {
    /// Adds one column's sampled codes.
    pub fn add(
        &mut self,
        column: String,
        counts: Option<&BTreeMap<String, usize>>,
        rows: usize,
        empty: usize,
    ) {
        self.columns.push(column);
        self.rows += rows;
        self.empty += empty;
        match counts {
            Some(c) => {
                for (code, n) in c {
                    *self.counts.entry(code.clone()).or_default() += n;
                }
            }
            None => self.unlisted = true,
        }
    }

    /// Codes, most frequent first (ties in code order).
    pub fn by_count(&self) -> Vec<(&String, usize)> {
        let mut v: Vec<(&String, usize)> = self.counts.iter().map(|(c, n)| (c, *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

/// The codes of `field` over every plan that maps it.
pub fn code_list(
    analysed: &[Analysed],
    plans: &[InputPlan],
    field: &'static str,
) -> Option<CodeList> {
    let mut l = CodeList {
        field,
        ..CodeList::default()
    };
    for plan in plans {
        let Some(g) = plan.guess(analysed).get(field) else {
            continue;
        };
        let c = g.sources[0];
        let name = &analysed[plan.parts[0]].part.header[c];
        let where_ = plan.path.rsplit('/').next().unwrap_or(&plan.path);
        let mut counts = std::collections::BTreeMap::new();
        let (mut rows, mut empty, mut listed) = (0, 0, true);
        for &p in &plan.parts {
            let pr = &analysed[p].profiles[c];
            rows += analysed[p].part.rows();
            empty += pr.empty;
            match &pr.counts {
                Some(cs) => cs
                    .iter()
                    .for_each(|(k, n)| *counts.entry(k.clone()).or_default() += n),
                None => listed = false,
            }
        }
        l.add(
            format!("`{name}` ({where_})"),
            listed.then_some(&counts),
            rows,
            empty,
        );
    }
    (!l.columns.is_empty()).then_some(l)
}

pub fn code_table(out: &mut String, todos: &mut Vec<String>, l: &CodeList) {
    let cats = crate::model::categories(l.field).unwrap_or(&[]);
    out.push('\n');
    comment(out, &format!(
        "{}: {} distinct code{} in {} sampled rows{}. Categories: {}. A code left out reads as `unknown` and `check` counts it; `check` also lists codes the sample did not have.",
        l.columns.join(", "),
        l.counts.len(),
        if l.counts.len() == 1 { "" } else { "s" },
        thousands(l.rows),
        if l.empty > 0 { format!(" ({} empty)", thousands(l.empty)) } else { String::new() },
        cats.join(", ")
    ));
    if l.field == "final_order" {
        comment(
            out,
            "Y/N, yes/no, true/false and 1/0 read as yes or no even without this table.",
        );
    }
    let _ = writeln!(out, "[codes.{}]", l.field);
    let mut open = 0;
    for (code, n) in l.by_count() {
        let rows = format!("{} row{}", thousands(n), if n == 1 { "" } else { "s" });
        match suggest(l.field, code) {
            Suggestion::Category(cat, why) => keyed(
                out,
                &format!("{} = {}", quote(code), quote(cat)),
                &format!("{rows}; {why}"),
            ),
            Suggestion::Todo(why) => {
                open += 1;
                keyed(
                    out,
                    &format!("# {} = \"\"", quote(code)),
                    &format!("TODO: {rows}; {why}"),
                );
            }
        }
    }
    if l.unlisted {
        comment(out, &format!("TODO: a column of [codes.{}] has more than {} distinct values: they are not listed. Is it the right column? `check` lists every code not mapped.", l.field, super::shape::MAX_CODES));
        todos.push(format!(
            "[codes.{}]: too many distinct values to list",
            l.field
        ));
    }
    if open > 0 {
        todos.push(format!(
            "[codes.{}]: {open} code{} without a category",
            l.field,
            if open == 1 { "" } else { "s" }
        ));
    }
    if l.field == "warrant" && l.empty > 0 {
        comment(out, &format!(
            "{} sampled rows have no warrant. A blank warrant reads per rules.missing_warrant (default `unknown`, never flagged: method rule 6). If this county leaves the warrant blank when there is none, say so; that is your decision, not a guess:",
            thousands(l.empty)
        ));
        let _ = writeln!(out, "# \"\" = \"none\"");
    }
}

#[cfg(test)]
mod tests;
