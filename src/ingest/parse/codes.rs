//! Source codes mapped to the categories of a pipeline's `[codes.*]`
//! tables, and the usual spellings of yes and no for flags.

use crate::model::UNKNOWN;
use polars::prelude::PlHashMap as HashMap;

/// Maps source codes to categories: exact match first, then ignoring case
/// and surrounding spaces; anything else is `unknown`.
pub struct CodeMap {
    exact: HashMap<String, String>,
    folded: HashMap<String, String>,
    /// Bool fields without a codes table read the usual spellings of yes/no.
    bool_defaults: bool,
    /// The `""` code's category.
    empty: Option<String>,
}

impl CodeMap {
    pub fn new(table: Option<&std::collections::BTreeMap<String, String>>, is_bool: bool) -> Self {
        let mut exact = HashMap::default();
        let mut folded = HashMap::default();
        for (code, cat) in table.into_iter().flatten() {
            exact.insert(code.clone(), cat.clone());
            folded.insert(code.trim().to_lowercase(), cat.clone());
        }
        CodeMap {
            bool_defaults: is_bool && exact.keys().all(String::is_empty),
            empty: exact.get("").cloned(),
            exact,
            folded,
        }
    }

    /// The category of an empty (or null-valued) field: the `""` code's,
    /// if the table has one.
    pub fn empty(&self) -> Option<&str> {
        self.empty.as_deref()
    }

    /// The category of a code, and whether it was mapped.
    pub fn map<'a>(&'a self, code: &str) -> (&'a str, bool) {
        if let Some(c) = self.exact.get(code) {
            return (c, true);
        }
        let key = code.trim().to_lowercase();
        if let Some(c) = self.folded.get(&key) {
            return (c, true);
        }
        if self.bool_defaults {
            match key.as_str() {
                "y" | "yes" | "true" | "t" | "1" => return ("true", true),
                "n" | "no" | "false" | "f" | "0" => return ("false", true),
                _ => {}
            }
        }
        (UNKNOWN, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_exactly_then_case_insensitively() {
        let mut t = std::collections::BTreeMap::new();
        t.insert("ICE PICKUP".to_string(), "transfer_ice".to_string());
        let m = CodeMap::new(Some(&t), false);
        assert_eq!(m.map("ICE PICKUP"), ("transfer_ice", true));
        assert_eq!(m.map(" ice pickup "), ("transfer_ice", true));
        assert_eq!(m.map("BAIL"), ("unknown", false));
        let b = CodeMap::new(None, true);
        assert_eq!(b.map("Y"), ("true", true));
        assert_eq!(b.map("maybe"), ("unknown", false));
    }
}
