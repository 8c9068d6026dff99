//! Person keys: which bookings belong to one person, for `flagged_persons`
//! and the class list (docs/METHOD.md, "People and the class list").
//!
//! What it does: keys a booking by the export's `person_id` where there is
//! one; else by normalized name and date of birth; else by the booking
//! itself. `match_basis` records which. The name key is the set of name
//! words of last and first name, sorted: case, accents, punctuation, spaces,
//! hyphenated or double surnames written either way, and first and last name
//! swapped all give one key. Names that agree on the date of birth and are
//! close but not equal are never merged: [`possible_duplicates`] lists them.
//!
//! Why: one person must neither be split into two class members nor merged
//! with another; a jail's own person number is the strongest evidence, exact
//! name and birth date the next; anything weaker is for a person to judge.
//!
//! Example: `Peña-Ruiz, José` and `JOSE, PENA RUIZ` born the same day get the
//! same key `name:JOSE PENA RUIZ|1980-02-03`.

use crate::model::MatchBasis;
use chrono::NaiveDate;

/// Upper case, Latin accents removed, punctuation and runs of spaces made one
/// space.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().map(fold_accent) {
        if c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// The Latin letter under a Latin-1 accented one (`ñ` → `n`, `É` → `E`),
/// so that a name keyed with and without accents matches.
pub fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ç' => 'c',
        'Ç' => 'C',
        c => c,
    }
}

/// The name words of a last and a first name, normalized and sorted.
pub fn name_key(last: &str, first: &str) -> String {
    let mut words: Vec<String> = normalize_name(last)
        .split(' ')
        .chain(normalize_name(first).split(' '))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    words.sort();
    words.join(" ")
}

/// Two person keys that may be one person: same date of birth, names close
/// (Jaro-Winkler at least the threshold) but keyed apart.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PossibleDuplicate {
    pub person_key_a: String,
    pub person_key_b: String,
    pub name_a: String,
    pub name_b: String,
    /// Days since 1970-01-01.
    pub dob: i32,
    pub score: f64,
}

/// One person as seen in the holds: key, the name as written, date of birth.
pub struct Seen<'a> {
    pub person_key: &'a str,
    pub last_name: &'a str,
    pub first_name: &'a str,
    pub dob: i32,
}

/// Pairs of different person keys with one date of birth whose names score
/// at least `threshold`. Exact name matches under two person ids (a jail
/// that numbered one person twice) score 1.
pub fn possible_duplicates(seen: &[Seen], threshold: f64) -> Vec<PossibleDuplicate> {
    let mut persons = Persons::default();
    for s in seen {
        persons.add(s);
    }
    persons.possible_duplicates(threshold)
}

/// The persons seen so far, for [`possible_duplicates`] a person at a time:
/// per birth date, (person key, name key) -> the name as shown (the last
/// seen).
#[derive(Default)]
pub struct Persons {
    by_dob: std::collections::BTreeMap<i32, std::collections::BTreeMap<(String, String), String>>,
}

impl Persons {
    pub fn add(&mut self, s: &Seen) {
        let shown = shown_name(s.last_name, s.first_name);
        self.by_dob.entry(s.dob).or_default().insert(
            (
                s.person_key.to_string(),
                name_key(s.last_name, s.first_name),
            ),
            shown,
        );
    }

    /// See [`possible_duplicates`].
    pub fn possible_duplicates(&self, threshold: f64) -> Vec<PossibleDuplicate> {
        let mut out = Vec::new();
        for (&dob, people) in &self.by_dob {
            let people: Vec<(&(String, String), &String)> = people.iter().collect();
            pairs_of_one_birth_date(dob, &people, threshold, &mut out);
        }
        sort_pairs(&mut out);
        out
    }
}

/// The shown name of a person seen, as [`Persons`] keeps it.
pub fn shown_name(last_name: &str, first_name: &str) -> String {
    format!(
        "{}, {}",
        normalize_name(last_name),
        normalize_name(first_name)
    )
}

/// The pairs among the persons seen with birth date `dob`, each as
/// ((person key, name key), shown name), in that order: added to `out`.
pub fn pairs_of_one_birth_date(
    dob: i32,
    people: &[(&(String, String), &String)],
    threshold: f64,
    out: &mut Vec<PossibleDuplicate>,
) {
    use super::similarity::{could_reach, jaro_winkler, Letters};
    let letters: Vec<Letters> = people
        .iter()
        .map(|((_, name), _)| Letters::of(name))
        .collect();
    for (i, ((key_a, name_a), shown_a)) in people.iter().enumerate() {
        for (j, ((key_b, name_b), shown_b)) in people.iter().enumerate().skip(i + 1) {
            if key_a == key_b || !could_reach(&letters[i], &letters[j], threshold) {
                continue;
            }
            let score = jaro_winkler(name_a, name_b);
            if score >= threshold {
                // Each pair once, its keys in sorted order.
                let ((ka, na), (kb, nb)) = if key_a <= key_b {
                    ((key_a, shown_a), (key_b, shown_b))
                } else {
                    ((key_b, shown_b), (key_a, shown_a))
                };
                out.push(PossibleDuplicate {
                    person_key_a: ka.to_string(),
                    person_key_b: kb.to_string(),
                    name_a: (*na).clone(),
                    name_b: (*nb).clone(),
                    dob,
                    score: (score * 1000.0).round() / 1000.0,
                });
            }
        }
    }
}

/// The pairs of all birth dates by their keys, each pair of keys once.
pub fn sort_pairs(out: &mut Vec<PossibleDuplicate>) {
    out.sort_by(|a, b| (&a.person_key_a, &a.person_key_b).cmp(&(&b.person_key_a, &b.person_key_b)));
    out.dedup_by(|a, b| a.person_key_a == b.person_key_a && a.person_key_b == b.person_key_b);
}

/// `(person_key, match_basis)` of a booking.
pub fn person_key(
    person_id: Option<&str>,
    last_name: Option<&str>,
    first_name: Option<&str>,
    dob: Option<NaiveDate>,
    booking_id: &str,
) -> (String, MatchBasis) {
    if let Some(id) = person_id.filter(|s| !s.trim().is_empty()) {
        return (format!("id:{}", id.trim()), MatchBasis::PersonId);
    }
    if let (Some(l), Some(f), Some(d)) = (last_name, first_name, dob) {
        if !normalize_name(l).is_empty() && !normalize_name(f).is_empty() {
            return (format!("name:{}|{d}", name_key(l, f)), MatchBasis::NameDob);
        }
    }
    (format!("booking:{booking_id}"), MatchBasis::BookingId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_with_one_birth_date_are_listed_not_merged() {
        let seen = |person_key, last_name, first_name, dob| Seen {
            person_key,
            last_name,
            first_name,
            dob,
        };
        let seen = [
            seen("name:GARCIA MARIA|1990-01-01", "Garcia", "Maria", 7305),
            seen("name:GARCIA MARIAH|1990-01-01", "Garcia", "Mariah", 7305),
            // Same name, another birth date: two people, not a pair.
            seen("name:GARCIA MARIA|1991-01-01", "Garcia", "Maria", 7670),
            // A far name with the same birth date: not a pair.
            seen("name:NGUYEN TAN|1990-01-01", "Nguyen", "Tan", 7305),
            // One person under two jail ids: exact name, same birth date.
            seen("id:P1", "Ortiz", "Luis", 100),
            seen("id:P2", "ORTIZ", "LUIS", 100),
        ];
        let pairs = possible_duplicates(&seen, 0.9);
        let keys: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.person_key_a.as_str(), p.person_key_b.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("id:P1", "id:P2"),
                (
                    "name:GARCIA MARIAH|1990-01-01",
                    "name:GARCIA MARIA|1990-01-01"
                )
            ]
        );
        assert_eq!(pairs[0].score, 1.0);
        assert!(pairs[1].score >= 0.9 && pairs[1].score < 1.0);
    }

    #[test]
    fn names_normalize_across_accents_case_and_punctuation() {
        assert_eq!(normalize_name("Peña-Ruiz"), "PENA RUIZ");
        assert_eq!(normalize_name("  PENA   RUIZ "), "PENA RUIZ");
        assert_eq!(normalize_name("o'brien"), "O BRIEN");
    }

    #[test]
    fn keys_prefer_person_id_then_name_and_dob() {
        let dob = NaiveDate::from_ymd_opt(1980, 2, 3);
        assert_eq!(
            person_key(Some("P1"), Some("X"), Some("Y"), dob, "B1"),
            ("id:P1".to_string(), MatchBasis::PersonId)
        );
        let a = person_key(None, Some("Peña-Ruiz"), Some("José"), dob, "B1");
        let b = person_key(None, Some("PENA RUIZ"), Some("JOSE"), dob, "B2");
        assert_eq!(a, b);
        assert_eq!(a.1, MatchBasis::NameDob);
        assert_eq!(a.0, "name:JOSE PENA RUIZ|1980-02-03");
        // First and last name swapped, double surname written the other way.
        let swapped = person_key(None, Some("José"), Some("Ruiz Peña"), dob, "B4");
        assert_eq!(a.0, swapped.0);
        // Two people with one common name and different birth dates.
        let other_dob = person_key(
            None,
            Some("Peña-Ruiz"),
            Some("José"),
            NaiveDate::from_ymd_opt(1981, 2, 3),
            "B3",
        );
        assert_ne!(a.0, other_dob.0);
        assert_eq!(
            person_key(None, None, Some("Y"), dob, "B9"),
            ("booking:B9".to_string(), MatchBasis::BookingId)
        );
    }
}
