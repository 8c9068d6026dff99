//! Turning one field's text into a canonical value: datetimes with their
//! format lists, date-only readings and time zone, dates, decimals, flags and
//! codes. Pure functions over strings; no file or polars code here.
//!
//! This module holds what every reader shares ([`FieldError`], [`trim`]) and
//! amounts ([`parse_decimal`]); `format` compiles a datetime format once
//! (chrono's items and a byte-level matcher), `datetime` reads instants,
//! `date` calendar dates, `codes` source codes. Their public names are
//! re-exported here, where the rest of the crate finds them.

mod codes;
mod date;
mod datetime;
mod format;

pub use codes::CodeMap;
pub use date::DateParser;
pub use datetime::{excel_serial, local_to_utc_micros, DateTimeParser};

use chrono::NaiveDateTime;

/// Why a field could not be used; becomes the reject reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// Matches none of the formats (and is no Excel serial number).
    Unparseable,
    /// A local time in the hour skipped when clocks spring forward (method
    /// rule 4).
    NonExistentLocalTime(NaiveDateTime),
    /// A date outside the years this audit can meet (likely a typo).
    OutOfRange(i32),
    /// A time after the export was taken (`as_of`).
    AfterAsOf(NaiveDateTime),
}

/// `str::trim`, with a fast path for the usual field, which has nothing to
/// trim: its first and last bytes are printable ASCII. (`str::trim` decodes
/// characters at both ends, for every field of every row.)
#[inline]
pub fn trim(s: &str) -> &str {
    let plain = |b: u8| b > b' ' && b < 0x80;
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if plain(a) && plain(z) => s,
        _ => s.trim(),
    }
}

/// A money amount: `$1,500.00` → 1500.0.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let strip = |c: char| matches!(c, '$' | ',' | ' ');
    // Most amounts have nothing to strip: no copy for them.
    let v: f64 = if text.contains(strip) {
        text.chars()
            .filter(|&c| !strip(c))
            .collect::<String>()
            .parse()
            .ok()?
    } else {
        text.parse().ok()?
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        use proptest::prelude::*;
        for s in [
            "",
            " ",
            "a",
            " a ",
            "\u{a0}x\u{a0}",
            "x\u{2003}",
            "\u{b}x",
            "é ",
            " é",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
        // Any text, with whitespace, control and non-ASCII characters likely
        // at either end.
        let value = "[ \t\r\n\u{b}\u{c}\u{85}\u{a0}\u{2003}\u{3000}aé1\u{7f}\u{1}]{0,6}";
        proptest::test_runner::TestRunner::default()
            .run(&value, |s| {
                prop_assert_eq!(trim(&s), s.trim());
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("$1,500.50"), Some(1500.5));
        assert_eq!(parse_decimal("abc"), None);
        // With nothing to strip, and with spaces inside and around.
        assert_eq!(parse_decimal("250"), Some(250.0));
        assert_eq!(parse_decimal(" -12.5\t"), Some(-12.5));
        assert_eq!(parse_decimal("1 000"), Some(1000.0));
        assert_eq!(parse_decimal("$"), None);
        assert_eq!(parse_decimal("inf"), None);
        assert_eq!(parse_decimal("NaN"), None);
    }
}
