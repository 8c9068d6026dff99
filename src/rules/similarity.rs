//! Jaro-Winkler similarity of two names, for `possible_duplicates`.
//!
//! What it does: scores two strings from 0 (nothing alike) to 1 (equal),
//! giving extra weight to a shared beginning (up to 4 characters).
//!
//! Why: two bookings with one birth date and names a typo apart ("MARTHA" and
//! "MARHTA") may be one person, or two; the class list must neither split nor
//! merge people on a guess, so such pairs are listed for a person to review.
//!
//! Example: `jaro_winkler("MARTHA", "MARHTA")` is 0.961.

pub fn jaro(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = vec![false; a.len()];
    let mut b_match = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == *ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_seq = a.iter().zip(&a_match).filter(|(_, m)| **m).map(|(c, _)| c);
    let b_seq = b.iter().zip(&b_match).filter(|(_, m)| **m).map(|(c, _)| c);
    let transpositions = a_seq.zip(b_seq).filter(|(x, y)| x != y).count() / 2;
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0
}

pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let j = jaro(a, b);
    let prefix = a
        .chars()
        .zip(b.chars())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

/// A name's characters counted, for [`could_reach`]: how many characters
/// it has, and how many of each, by the character's code modulo 64.
pub struct Letters {
    len: usize,
    counts: [u16; 64],
    /// A slot held more than `u16::MAX` characters: its count is short.
    saturated: bool,
}

impl Letters {
    pub fn of(s: &str) -> Letters {
        let mut counts = [0u16; 64];
        let mut len = 0;
        let mut saturated = false;
        for c in s.chars() {
            let slot = &mut counts[(c as u32 % 64) as usize];
            match slot.checked_add(1) {
                Some(n) => *slot = n,
                None => saturated = true,
            }
            len += 1;
        }
        Letters {
            len,
            counts,
            saturated,
        }
    }
}

/// False only when `jaro_winkler` of the two names is certainly below
/// `threshold`, from their counted characters alone; a few operations
/// where `jaro_winkler` walks both names. Persons who share a birth date
/// are compared two by two, and an export that gives many people one
/// placeholder date (`1900-01-01` for an unknown one) would otherwise
/// spend its time there.
///
/// Why it never rules out a pair that reaches the threshold: each
/// matching character pairs a character of one name with an equal one of
/// the other, so the matches are at most `c`, the characters the two have
/// in common counted with their repeats (counting characters that share a
/// slot together only raises `c`; a saturated count would lower it, so a
/// name with one is never ruled out). Then `jaro` is at most
/// `(c / len_a + c / len_b + 1) / 3`, and the Winkler boost of at most
/// four shared leading characters gives at most `0.4 + 0.6 * jaro`. A
/// margin far above rounding keeps a pair at the bound.
pub fn could_reach(a: &Letters, b: &Letters, threshold: f64) -> bool {
    if a.len == 0 || b.len == 0 || a.saturated || b.saturated {
        return true;
    }
    let common: u32 = a
        .counts
        .iter()
        .zip(&b.counts)
        .map(|(x, y)| u32::from(*x.min(y)))
        .sum();
    let c = f64::from(common);
    let jaro_at_most = (c / a.len as f64 + c / b.len as f64 + 1.0) / 3.0;
    0.4 + 0.6 * jaro_at_most >= threshold - 1e-9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_never_below_the_score() {
        use proptest::prelude::*;
        // Short names over a small alphabet share many characters: the
        // cases where the bound is close to the score.
        let name = "[ABEMNORT ]{0,12}";
        proptest!(ProptestConfig::with_cases(20_000), |(a in name, b in name)| {
            let score = jaro_winkler(&a, &b);
            for threshold in [0.5, 0.8, 0.9, 0.95, 1.0] {
                if score >= threshold {
                    prop_assert!(
                        could_reach(&Letters::of(&a), &Letters::of(&b), threshold),
                        "{a:?} {b:?} score {score} ruled out at {threshold}"
                    );
                }
            }
        });
    }

    #[test]
    fn a_name_too_long_to_count_is_never_ruled_out() {
        let long = "A".repeat(usize::from(u16::MAX) + 1);
        assert!(Letters::of(&long).saturated);
        assert!(!Letters::of(&"A".repeat(usize::from(u16::MAX))).saturated);
        assert!(could_reach(&Letters::of(&long), &Letters::of("ZZZZ"), 0.9));
    }

    #[test]
    fn names_with_little_in_common_are_ruled_out() {
        let (a, b) = (Letters::of("GARCIA MARIA"), Letters::of("NGUYEN TUAN"));
        assert!(jaro_winkler("GARCIA MARIA", "NGUYEN TUAN") < 0.9);
        assert!(!could_reach(&a, &b, 0.9));
        // A typo apart: kept for the full score.
        assert!(could_reach(
            &Letters::of("MARTHA"),
            &Letters::of("MARHTA"),
            0.9
        ));
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 0.001
    }

    #[test]
    fn textbook_values() {
        assert!(close(jaro_winkler("MARTHA", "MARHTA"), 0.961));
        assert!(close(jaro_winkler("DIXON", "DICKSONX"), 0.813));
        assert!(close(jaro_winkler("JELLYFISH", "SMELLYFISH"), 0.896));
        assert!(close(jaro_winkler("SAME", "SAME"), 1.0));
        assert!(close(jaro_winkler("ABC", "XYZ"), 0.0));
    }
}
