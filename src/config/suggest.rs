//! "Did you mean": the allowed name closest to a misspelled key, field or
//! category, by edit distance, so a message can point at the fix.

/// The closest allowed name to a misspelled one, if any is close.
pub fn suggest<'k>(wrong: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed
        .iter()
        .map(|a| (edit_distance(&wrong.to_lowercase(), &a.to_lowercase()), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// The ` (did you mean `x`?)` a message carries when `suggest` finds a name,
/// else nothing.
pub(super) fn did_you_mean(wrong: &str, allowed: &[&str]) -> String {
    suggest(wrong, allowed)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance in characters: insertions, deletions and
/// substitutions each count one.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_only_for_close_names() {
        assert_eq!(
            suggest("bookd_at", &["booked_at", "facility"]),
            Some("booked_at")
        );
        assert_eq!(suggest("zzz", &["booked_at", "facility"]), None);
    }
}
