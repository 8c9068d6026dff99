//! Person keys: which bookings belong to one person, for `flagged_persons`
//! and the class list (SPEC 6).
//!
//! What it does: keys a booking by the export's `person_id` where there is
//! one; else by normalized last name, first name and date of birth; else by
//! the booking itself. `match_basis` records which.
//!
//! Why: one person must neither be split into two class members nor merged
//! with another; a jail's own person number is the strongest evidence, exact
//! name and birth date the next.
//!
//! Example: `Peña-Ruiz, José` born 1980-02-03 and `PENA RUIZ, JOSE` born the
//! same day get the same key `name:PENA RUIZ|JOSE|1980-02-03`.

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

/// `(person_key, match_basis)` of a booking.
pub fn person_key(
    person_id: Option<&str>,
    last_name: Option<&str>,
    first_name: Option<&str>,
    dob: Option<NaiveDate>,
    booking_id: &str,
) -> (String, &'static str) {
    if let Some(id) = person_id.filter(|s| !s.trim().is_empty()) {
        return (format!("id:{}", id.trim()), "person_id");
    }
    if let (Some(l), Some(f), Some(d)) = (last_name, first_name, dob) {
        let (l, f) = (normalize_name(l), normalize_name(f));
        if !l.is_empty() && !f.is_empty() {
            return (format!("name:{l}|{f}|{d}"), "name_dob");
        }
    }
    (format!("booking:{booking_id}"), "booking_id")
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("id:P1".to_string(), "person_id")
        );
        let a = person_key(None, Some("Peña-Ruiz"), Some("José"), dob, "B1");
        let b = person_key(None, Some("PENA RUIZ"), Some("JOSE"), dob, "B2");
        assert_eq!(a, b);
        assert_eq!(a.1, "name_dob");
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
            ("booking:B9".to_string(), "booking_id")
        );
    }
}
