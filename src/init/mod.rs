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

mod columns;
mod formats;
mod sample;
mod shape;
mod sniff;
mod synonyms;
