//! The pipeline file as written (docs/PIPELINE_FILES.md): serde types that
//! mirror the TOML exactly. Nothing here is checked beyond its TOML type;
//! validation turns these into a [`super::Pipeline`].
//!
//! Each struct is also the one list of the keys its table allows: `allowed`
//! reads them from the struct's derived `Deserialize`, for reporting every
//! unknown key of a file.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub county: String,
    pub state: String,
    pub timezone: String,
    pub as_of: Option<String>,
    #[serde(default)]
    pub rules: RawRules,
    #[serde(default)]
    pub inputs: Vec<RawInput>,
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub class: RawClass,
}

/// `[class]`: who is in the class list, and its subclasses.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub from: Option<String>,
    pub to: Option<String>,
    pub min_hold_minutes: Option<i64>,
    pub exclude_final_order: Option<bool>,
    #[serde(default)]
    pub subclasses: Vec<RawSubclass>,
}

/// A named subclass: the flagged holds whose `field` equals `equals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubclass {
    pub name: String,
    pub field: String,
    pub equals: toml::Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    pub since: Option<String>,
    pub until: Option<String>,
    pub grace_minutes: Option<i64>,
    #[serde(default)]
    pub date_only: BTreeMap<String, String>,
    pub damages: Option<RawDamages>,
    pub max_reject_rate: Option<f64>,
    /// Warrant status of a detainer whose warrant column is absent or empty:
    /// `unknown` (default, never flagged), `none` or `administrative`.
    pub missing_warrant: Option<String>,
    /// Jaro-Winkler score from which two names with one birth date are
    /// listed in `possible_duplicates` (never merged).
    pub name_similarity: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDamages {
    pub per_day: Option<f64>,
    pub cap: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    pub table: String,
    pub path: String,
    pub format: Option<String>,
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    pub sheet: Option<String>,
    pub skip_rows: Option<usize>,
    pub null_values: Option<Vec<String>>,
    #[serde(default)]
    pub columns: BTreeMap<String, RawColumn>,
    #[serde(default)]
    pub formats: BTreeMap<String, RawFormats>,
}

/// A source header, or a date header and a time header.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawColumn {
    One(String),
    Many(Vec<String>),
}

/// One format string or a list tried in order.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawFormats {
    One(String),
    Many(Vec<String>),
}

/// The keys a fixed-shape table of the file accepts, in the order its
/// struct declares them: the serde field names of `T`, so a key added to a
/// struct is allowed at once and messages list it where it was declared.
/// Checking every key against these lists reports all unknown keys of a file
/// at once, where serde stops at the first.
pub fn allowed<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    // The derived `Deserialize` hands its field names to `deserialize_struct`
    // before it reads anything; the error that follows is expected.
    let _ = T::deserialize(FieldNames(&mut fields));
    fields.expect("allowed keys are asked only of structs that derive Deserialize")
}

/// A deserializer that reads nothing: it only keeps the field names a
/// derived `Deserialize` passes to `deserialize_struct`.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only a struct's field names are read"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("field names kept"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists are the structs' fields, in declaration order: that order is
    /// the one messages show ("allowed here: ...") and docs/PIPELINE_FILES.md
    /// quotes.
    #[test]
    fn allowed_keys_are_the_fields_of_each_struct_in_order() {
        assert_eq!(
            allowed::<RawPipeline>(),
            ["county", "state", "timezone", "as_of", "rules", "inputs", "codes", "class"]
        );
        assert_eq!(
            allowed::<RawRules>(),
            [
                "since",
                "until",
                "grace_minutes",
                "date_only",
                "damages",
                "max_reject_rate",
                "missing_warrant",
                "name_similarity",
            ]
        );
        assert_eq!(allowed::<RawDamages>(), ["per_day", "cap"]);
        assert_eq!(
            allowed::<RawClass>(),
            [
                "from",
                "to",
                "min_hold_minutes",
                "exclude_final_order",
                "subclasses"
            ]
        );
        assert_eq!(allowed::<RawSubclass>(), ["name", "field", "equals"]);
        assert_eq!(
            allowed::<RawInput>(),
            [
                "table",
                "path",
                "format",
                "delimiter",
                "encoding",
                "sheet",
                "skip_rows",
                "null_values",
                "columns",
                "formats",
            ]
        );
    }
}
