//! Which tables a part of an export feeds and which column is each field:
//! a header is taken for a field when its name is one of the field's
//! synonyms (`synonyms`) and its values have the field's shape (`shape`);
//! a date column and a time column named with one stem and holding a date
//! and a time are joined. A file feeds every table whose anchor field it
//! has (bookings: `booked_at`; releases: `eligible_at` or `released_at`
//! beside a booking id; charges: `charge_kind` or `charge_released_at`;
//! detainers: `lodged_at`), so one extract can feed bookings and releases;
//! the file's name decides only between tables its headers leave open.
//!
//! Nothing is matched by shape alone: a required field no header names is
//! a TODO in the draft, with the columns whose shape would fit it.

use super::sample::Part;
use super::shape::{Profile, Shape};
use super::synonyms::{self, Half};
use crate::model::{Field, Kind, Table};

/// One canonical field and the column (or date and time columns) it is
/// read from.
#[derive(Debug, Clone)]
pub struct FieldGuess {
    pub field: &'static Field,
    /// Column indices: one, or a date and a time column.
    pub sources: Vec<usize>,
}

/// One table a part feeds.
#[derive(Debug, Clone)]
pub struct TableGuess {
    pub table: Table,
    pub fields: Vec<FieldGuess>,
    /// Why the part feeds this table, in words.
    pub why: String,
}

impl TableGuess {
    pub fn get(&self, field: &str) -> Option<&FieldGuess> {
        self.fields.iter().find(|g| g.field.name == field)
    }

    /// Required fields not found: for detainers, `booking_id` or
    /// `person_id` stands as one (method rule 3).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .table
            .fields()
            .iter()
            .filter(|f| f.required && self.get(f.name).is_none())
            .map(|f| f.name)
            .collect();
        if self.table == Table::Detainers
            && self.get("booking_id").is_none()
            && self.get("person_id").is_none()
        {
            out.insert(0, "booking_id or person_id");
        }
        out
    }
}

/// What a part feeds, and the name matches its values refuted.
#[derive(Debug, Clone, Default)]
pub struct PartGuess {
    pub tables: Vec<TableGuess>,
    /// "`DOB` is named like `dob` but ..." lines, for the draft.
    pub refuted: Vec<String>,
}

/// Whether a column's values fit a field's kind.
fn fits(kind: Kind, p: &Profile) -> bool {
    match (kind, p.shape) {
        (_, Shape::Empty) => true,
        (Kind::DateTime | Kind::Date, s) => matches!(s, Shape::DateTime | Shape::Date),
        (Kind::Id, s) => !matches!(s, Shape::DateTime | Shape::Time | Shape::Amount),
        (Kind::Decimal, _) => p.numeric >= 0.9,
        (Kind::Coded(_), s) => !matches!(
            s,
            Shape::DateTime | Shape::Date | Shape::Time | Shape::Amount
        ),
        (Kind::Bool, s) => matches!(s, Shape::Flag | Shape::Code),
        (Kind::Text, _) => true,
    }
}

/// The tables `part` feeds and their fields, `profiles` being its
/// columns' profiles.
pub fn guess(part: &Part, profiles: &[Profile]) -> PartGuess {
    let folded: Vec<String> = part.header.iter().map(|h| synonyms::fold(h)).collect();
    let mut per_table = Vec::new();
    let mut refuted_per_table = Vec::new();
    for table in Table::ALL {
        let mut refuted = Vec::new();
        let fields = match_table(table, part, &folded, profiles, &mut refuted);
        per_table.push((table, fields));
        refuted_per_table.push((table, refuted));
    }
    let has = |t: Table, f: &str| {
        per_table
            .iter()
            .any(|(tt, fs)| *tt == t && fs.iter().any(|g: &FieldGuess| g.field.name == f))
    };
    let mut anchored: Vec<(Table, String)> = Vec::new();
    let name = |t: Table, f: &str| {
        per_table
            .iter()
            .find(|(tt, _)| *tt == t)
            .and_then(|(_, fs)| fs.iter().find(|g| g.field.name == f))
            .map(|g| {
                let names: Vec<String> = g
                    .sources
                    .iter()
                    .map(|&c| format!("`{}`", part.header[c]))
                    .collect();
                let verb = if names.len() == 1 { "is" } else { "are" };
                format!("{} {verb}", names.join(" and "))
            })
            .unwrap_or_default()
    };
    if has(Table::Bookings, "booked_at") {
        anchored.push((
            Table::Bookings,
            format!("{} a booking time", name(Table::Bookings, "booked_at")),
        ));
    }
    for f in ["eligible_at", "released_at"] {
        if has(Table::Releases, f)
            && has(Table::Releases, "booking_id")
            && !anchored.iter().any(|(t, _)| *t == Table::Releases)
        {
            anchored.push((
                Table::Releases,
                format!("{} a release time (`{f}`)", name(Table::Releases, f)),
            ));
        }
    }
    for f in ["charge_kind", "charge_released_at"] {
        if has(Table::Charges, f) && !anchored.iter().any(|(t, _)| *t == Table::Charges) {
            anchored.push((
                Table::Charges,
                format!("{} a charge's `{f}`", name(Table::Charges, f)),
            ));
        }
    }
    let file_name = part
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hint = synonyms::table_of_file_name(&file_name);
    // A file with a booking time and a charge's columns is one row per
    // booking (with its top charge) or one per charge (the booking
    // repeated): the booking ids' repeats tell which.
    let is = |t: Table| anchored.iter().any(|(a, _)| *a == t);
    if is(Table::Bookings) && is(Table::Charges) {
        let per_charge = per_table
            .iter()
            .find(|(t, _)| *t == Table::Bookings)
            .and_then(|(_, fs)| fs.iter().find(|g| g.field.name == "booking_id"))
            .map(|g| &profiles[g.sources[0]])
            .is_some_and(|p| p.distinct * 10 < p.filled * 9);
        // The file's name, when it names one of the two, decides.
        let per_charge = match hint {
            Some(Table::Charges) => true,
            Some(Table::Bookings | Table::Releases) => false,
            _ => per_charge,
        };
        anchored.retain(|(t, _)| match t {
            Table::Bookings | Table::Releases => !per_charge,
            Table::Charges => per_charge,
            Table::Detainers => true,
        });
    }
    if has(Table::Detainers, "lodged_at") {
        anchored.push((
            Table::Detainers,
            format!(
                "{} a detainer's lodging time",
                name(Table::Detainers, "lodged_at")
            ),
        ));
    }
    let chosen: Vec<(Table, String)> = match hint {
        // The name settles a file whose headers fit several tables: a
        // detainer file with a booking date feeds detainers only.
        Some(h) if anchored.iter().any(|(t, _)| *t == h) => anchored
            .into_iter()
            .filter(|(t, _)| *t == h || (h == Table::Bookings && *t == Table::Releases))
            .collect(),
        Some(h) if anchored.is_empty() => {
            vec![(
                h,
                format!("its file name says {h}; no header names the table's main time"),
            )]
        }
        _ => anchored,
    };
    // Name matches refuted by the values, for the tables the part feeds.
    let mut refuted: Vec<String> = refuted_per_table
        .into_iter()
        .filter(|(t, _)| chosen.iter().any(|(c, _)| c == t))
        .flat_map(|(_, r)| r)
        .collect();
    refuted.sort();
    refuted.dedup();
    let tables = chosen
        .into_iter()
        .map(|(table, why)| TableGuess {
            table,
            fields: per_table
                .iter()
                .find(|(t, _)| *t == table)
                .map(|(_, f)| f.clone())
                .unwrap_or_default(),
            why,
        })
        .collect();
    PartGuess { tables, refuted }
}

/// Each field of `table` and its column, by name and shape; a column
/// serves one field of a table.
fn match_table(
    table: Table,
    part: &Part,
    folded: &[String],
    profiles: &[Profile],
    refuted: &mut Vec<String>,
) -> Vec<FieldGuess> {
    let mut taken = vec![false; folded.len()];
    let mut out = Vec::new();
    for field in table.fields() {
        let found = if field.kind == Kind::DateTime {
            datetime_columns(field, part, folded, profiles, &taken, refuted)
        } else {
            let hit = (0..folded.len())
                .find(|&c| !taken[c] && synonyms::is_name_of(field.name, &folded[c]));
            match hit {
                Some(c) if fits(field.kind, &profiles[c]) => Some(vec![c]),
                Some(c) => {
                    refuted.push(format!(
                        "`{}` is named like `{}`, but its sampled values are {}: not mapped",
                        part.header[c],
                        field.name,
                        profiles[c].shape.words()
                    ));
                    None
                }
                None => None,
            }
        };
        if let Some(sources) = found {
            for &c in &sources {
                taken[c] = true;
            }
            out.push(FieldGuess { field, sources });
        }
    }
    out
}

/// The column of a datetime field, or its date and time columns: a date
/// column with a time column of the same stem is a pair; else the best
/// named column holding datetimes or dates.
fn datetime_columns(
    field: &'static Field,
    part: &Part,
    folded: &[String],
    profiles: &[Profile],
    taken: &[bool],
    refuted: &mut Vec<String>,
) -> Option<Vec<usize>> {
    let named: Vec<(usize, &str, Half)> = (0..folded.len())
        .filter(|&c| !taken[c])
        .filter_map(|c| synonyms::datetime_name(field.name, &folded[c]).map(|(s, h)| (c, s, h)))
        .collect();
    // Longest stem first: the closest name.
    let mut wholes: Vec<&(usize, &str, Half)> =
        named.iter().filter(|n| n.2 == Half::Whole).collect();
    wholes.sort_by_key(|n| std::cmp::Reverse(n.1.len()));
    for &&(c, stem, _) in &wholes {
        let p = &profiles[c];
        if !fits(Kind::DateTime, p) {
            refuted.push(format!(
                "`{}` is named like `{}`, but its sampled values are {}: not mapped",
                part.header[c],
                field.name,
                p.shape.words()
            ));
            continue;
        }
        let time = named.iter().find(|&&(t, s, h)| {
            h == Half::Time && s == stem && matches!(profiles[t].shape, Shape::Time | Shape::Empty)
        });
        return Some(match (p.shape, time) {
            (Shape::Date | Shape::Empty, Some(&(t, _, _))) => vec![c, t],
            _ => vec![c],
        });
    }
    None
}

/// Columns of `part` not taken by any table and whose shape would fit
/// `field`: candidates named in a required field's TODO (headers only).
pub fn candidates(
    part: &Part,
    profiles: &[Profile],
    guess: &TableGuess,
    field: &str,
) -> Vec<String> {
    let kind = guess.table.field(field).map_or(Kind::Id, |f| f.kind);
    let wanted = |s: Shape| match kind {
        Kind::DateTime | Kind::Date => matches!(s, Shape::DateTime | Shape::Date),
        _ => s == Shape::Id,
    };
    (0..part.header.len())
        .filter(|c| !guess.fields.iter().any(|g| g.sources.contains(c)))
        .filter(|&c| wanted(profiles[c].shape))
        .map(|c| part.header[c].clone())
        .collect()
}

#[cfg(test)]
mod tests;
