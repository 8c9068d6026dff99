//! Calendar dates (a date of birth), read with the field's formats or as
//! an Excel serial, noting a year read from two digits.

use super::datetime::excel_serial;
use super::format::{compile, Compiled};
use super::{trim, FieldError};
use chrono::format::{parse, Item, Numeric, Parsed};
use chrono::Datelike;

/// Parses a calendar date (date of birth) with the formats given; a
/// datetime value gives its date.
pub struct DateParser {
    formats: Vec<Compiled>,
}

impl DateParser {
    pub fn new(formats: &[String]) -> Self {
        DateParser {
            formats: formats.iter().filter_map(|f| compile(f)).collect(),
        }
    }

    /// Days since 1970-01-01.
    pub fn parse_days(&self, text: &str) -> Result<i32, FieldError> {
        self.parse(text).map(|(days, _)| days)
    }

    /// Days since 1970-01-01, and whether the year was read from two digits
    /// (`%y`), which the caller may need to move a century back.
    pub fn parse(&self, text: &str) -> Result<(i32, bool), FieldError> {
        let text = trim(text);
        let (date, two_digits) = self
            .formats
            .iter()
            .find_map(|f| {
                let two_digits = f
                    .items
                    .iter()
                    .any(|i| matches!(i, Item::Numeric(Numeric::YearMod100, _)));
                if let Some(dt) = f.fast.as_ref().and_then(|fast| fast.parse(text)) {
                    return Some((dt.date(), two_digits));
                }
                let mut p = Parsed::new();
                parse(&mut p, text, f.items.iter()).ok()?;
                p.to_naive_date().ok().map(|d| (d, two_digits))
            })
            .or_else(|| excel_serial(text).map(|r| (r.map_or_else(|d| d, |dt| dt.date()), false)))
            .ok_or(FieldError::Unparseable)?;
        if date.year() < 1900 || date.year() > 2100 {
            return Err(FieldError::OutOfRange(date.year()));
        }
        Ok((crate::model::days_from_date(date), two_digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth() {
        let dp = DateParser::new(&["%m/%d/%Y".to_string()]);
        assert_eq!(dp.parse_days("01/02/1970").unwrap(), 1);
        assert!(dp.parse_days("1/2/70x").is_err());
    }
}
