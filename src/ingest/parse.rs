//! Turning one field's text into a canonical value: datetimes with their
//! format lists, date-only readings and time zone, dates, decimals, flags and
//! codes. Pure functions over strings; no file or polars code here.

use crate::model::{DateOnly, UNKNOWN};
use chrono::format::{parse, Fixed, Item, Numeric, Parsed, StrftimeItems};
use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use std::collections::HashMap;

/// ISO local datetimes accepted after a field's own formats.
const ISO_LOCAL: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

/// Why a field could not be used; becomes the reject reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// Matches none of the formats (and is no Excel serial number).
    Unparseable,
    /// A local time in the hour skipped when clocks spring forward (SPEC 3.3).
    NonExistentLocalTime(NaiveDateTime),
    /// A date outside the years this audit can meet (likely a typo).
    OutOfRange(i32),
    /// A time after the export was taken (`as_of`).
    AfterAsOf(NaiveDateTime),
}

struct Compiled {
    items: Vec<Item<'static>>,
    has_time: bool,
}

fn compile(fmt: &str) -> Option<Compiled> {
    let items = StrftimeItems::new(fmt).parse_to_owned().ok()?;
    let has_time = items.iter().any(|i| {
        matches!(
            i,
            Item::Numeric(Numeric::Hour | Numeric::Hour12 | Numeric::Timestamp, _)
                | Item::Fixed(Fixed::RFC3339 | Fixed::RFC2822)
        )
    });
    Some(Compiled { items, has_time })
}

/// Parses datetimes for one field: formats compiled once, tried in order;
/// a date without a time read per `date_only`; local time turned into a UTC
/// instant in `tz` (ambiguous: earliest; non-existent: an error).
pub struct DateTimeParser {
    formats: Vec<Compiled>,
    /// The date part of each format that has a time (the text before its
    /// first space), for values that carry a date alone.
    date_parts: Vec<Compiled>,
    date_only: DateOnly,
    tz: Tz,
    min_year: i32,
    max_year: i32,
    /// No event can be later than the export (`as_of`, UTC microseconds).
    latest: Option<i64>,
}

impl DateTimeParser {
    pub fn new(formats: &[String], date_only: DateOnly, tz: Tz) -> Self {
        let compiled: Vec<Compiled> = formats.iter().filter_map(|f| compile(f)).collect();
        let mut date_parts = Vec::new();
        for f in formats {
            if let Some((date, _)) = f.split_once(' ') {
                if let Some(c) = compile(date) {
                    if !c.has_time {
                        date_parts.push(c);
                    }
                }
            }
        }
        DateTimeParser {
            formats: compiled,
            date_parts,
            date_only,
            tz,
            min_year: 1980,
            max_year: 2100,
            latest: None,
        }
    }

    /// Rejects times after `as_of` (UTC microseconds).
    pub fn with_latest(mut self, latest: Option<i64>) -> Self {
        self.latest = latest;
        self
    }

    fn check_latest(&self, micros: i64) -> Result<i64, FieldError> {
        match self.latest {
            Some(l) if micros > l => Err(FieldError::AfterAsOf(
                chrono::DateTime::<chrono::Utc>::from_timestamp_micros(micros)
                    .unwrap_or_default()
                    .with_timezone(&self.tz)
                    .naive_local(),
            )),
            _ => Ok(micros),
        }
    }

    /// The local time a value stands for, before any time zone.
    pub fn parse_local(&self, text: &str) -> Result<NaiveDateTime, FieldError> {
        let text = text.trim();
        for f in &self.formats {
            let mut p = Parsed::new();
            if parse(&mut p, text, f.items.iter()).is_ok() {
                if f.has_time {
                    if let Ok(dt) = p.to_naive_datetime_with_offset(0) {
                        return Ok(dt);
                    }
                } else if let Ok(d) = p.to_naive_date() {
                    return Ok(self.read_date(d));
                }
            }
        }
        for f in &self.date_parts {
            let mut p = Parsed::new();
            if parse(&mut p, text, f.items.iter()).is_ok() {
                if let Ok(d) = p.to_naive_date() {
                    return Ok(self.read_date(d));
                }
            }
        }
        // Workbook cells and Parquet columns arrive as ISO text (see
        // `source`); ISO is unambiguous, so it is accepted for any field.
        for f in ISO_LOCAL.iter() {
            if let Ok(dt) = NaiveDateTime::parse_from_str(text, f) {
                return Ok(dt);
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(self.read_date(d));
        }
        if let Some(dt) = excel_serial(text) {
            return Ok(dt.unwrap_or_else(|d| self.read_date(d)));
        }
        Err(FieldError::Unparseable)
    }

    fn read_date(&self, d: NaiveDate) -> NaiveDateTime {
        match self.date_only {
            DateOnly::StartOfDay => d.and_time(NaiveTime::MIN),
            DateOnly::EndOfDay => d
                .and_hms_opt(23, 59, 59)
                .expect("23:59:59 exists on every date"),
        }
    }

    /// Microseconds since the epoch (UTC) of a local datetime text.
    pub fn parse_utc_micros(&self, text: &str) -> Result<i64, FieldError> {
        // An instant with its offset (RFC 3339, as from a Parquet timestamp
        // with a zone) needs no time zone and has no DST question.
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
            let year = t.year();
            if year < self.min_year || year > self.max_year {
                return Err(FieldError::OutOfRange(year));
            }
            return self.check_latest(t.timestamp_micros());
        }
        let local = self.parse_local(text)?;
        let year = local.year();
        if year < self.min_year || year > self.max_year {
            return Err(FieldError::OutOfRange(year));
        }
        self.check_latest(local_to_utc_micros(local, &self.tz)?)
    }
}

/// SPEC 3.3: an ambiguous local time (the repeated hour in November) takes
/// the earlier instant; a non-existent one (the skipped hour in March) is an
/// error, never shifted.
pub fn local_to_utc_micros(local: NaiveDateTime, tz: &Tz) -> Result<i64, FieldError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => Ok(dt.timestamp_micros()),
        LocalResult::Ambiguous(earliest, _) => Ok(earliest.timestamp_micros()),
        LocalResult::None => Err(FieldError::NonExistentLocalTime(local)),
    }
}

/// An Excel serial day number (1900 date system: day 1 is 1900-01-01, with
/// Excel's phantom 1900-02-29, so serials count from 1899-12-30). `Ok` holds a
/// datetime with a fraction of a day, `Err` a whole day: a date alone.
pub fn excel_serial(text: &str) -> Option<Result<NaiveDateTime, NaiveDate>> {
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') || text.is_empty() {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    // 1980-01-01 .. 2100-12-31, the years an event can fall in.
    if !(29221.0..=73415.0).contains(&v) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = v.trunc() as i64;
    let date = base + Duration::days(days);
    let secs = ((v - v.trunc()) * 86_400.0).round() as i64;
    if secs == 0 && !text.contains('.') {
        Some(Err(date))
    } else {
        Some(Ok(date.and_time(NaiveTime::MIN) + Duration::seconds(secs)))
    }
}

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
        let text = text.trim();
        let date = self
            .formats
            .iter()
            .find_map(|f| {
                let mut p = Parsed::new();
                parse(&mut p, text, f.items.iter()).ok()?;
                p.to_naive_date().ok()
            })
            .or_else(|| excel_serial(text).map(|r| r.map_or_else(|d| d, |dt| dt.date())))
            .ok_or(FieldError::Unparseable)?;
        if date.year() < 1900 || date.year() > 2100 {
            return Err(FieldError::OutOfRange(date.year()));
        }
        Ok(crate::model::days_from_date(date))
    }
}

/// A money amount: `$1,500.00` → 1500.0.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '$' | ',' | ' '))
        .collect();
    let v: f64 = cleaned.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Maps source codes to categories: exact match first, then ignoring case
/// and surrounding spaces; anything else is `unknown` (SPEC 2.1).
pub struct CodeMap {
    exact: HashMap<String, String>,
    folded: HashMap<String, String>,
    /// Bool fields without a codes table read the usual spellings of yes/no.
    bool_defaults: bool,
}

impl CodeMap {
    pub fn new(table: Option<&std::collections::BTreeMap<String, String>>, is_bool: bool) -> Self {
        let mut exact = HashMap::new();
        let mut folded = HashMap::new();
        for (code, cat) in table.into_iter().flatten() {
            exact.insert(code.clone(), cat.clone());
            folded.insert(code.trim().to_lowercase(), cat.clone());
        }
        CodeMap {
            bool_defaults: is_bool && exact.is_empty(),
            exact,
            folded,
        }
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
    use chrono::{TimeZone, Utc};
    use chrono_tz::America::Los_Angeles as LA;

    fn p(formats: &[&str], date_only: DateOnly) -> DateTimeParser {
        let f: Vec<String> = formats.iter().map(|s| s.to_string()).collect();
        DateTimeParser::new(&f, date_only, LA)
    }

    fn utc(s: &str) -> i64 {
        Utc.from_utc_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
            .timestamp_micros()
    }

    #[test]
    fn formats_are_tried_in_order_with_ampm_and_two_digit_years() {
        let parser = p(
            &["%m/%d/%Y %H%M", "%m/%d/%y %I:%M %p"],
            DateOnly::StartOfDay,
        );
        assert_eq!(
            parser.parse_utc_micros("03/15/2019 1432").unwrap(),
            utc("2019-03-15 21:32:00")
        );
        assert_eq!(
            parser.parse_utc_micros("03/15/19 2:32 PM").unwrap(),
            utc("2019-03-15 21:32:00")
        );
        assert_eq!(
            parser.parse_utc_micros(" 3/5/19 02:32 am ").unwrap(),
            utc("2019-03-05 10:32:00")
        );
        assert_eq!(
            parser.parse_utc_micros("2019-13-01"),
            Err(FieldError::Unparseable)
        );
    }

    #[test]
    fn date_alone_reads_per_rule() {
        let end = p(&["%m/%d/%Y %H%M"], DateOnly::EndOfDay);
        assert_eq!(
            end.parse_local("03/15/2019").unwrap().to_string(),
            "2019-03-15 23:59:59"
        );
        let start = p(&["%Y-%m-%d"], DateOnly::StartOfDay);
        assert_eq!(
            start.parse_local("2019-03-15").unwrap().to_string(),
            "2019-03-15 00:00:00"
        );
    }

    #[test]
    fn dst_gap_is_an_error_and_overlap_takes_the_earlier_instant() {
        let parser = p(&["%Y-%m-%d %H:%M"], DateOnly::StartOfDay);
        assert!(matches!(
            parser.parse_utc_micros("2019-03-10 02:30"),
            Err(FieldError::NonExistentLocalTime(_))
        ));
        // 01:30 on 2019-11-03 happens twice; PDT (UTC-7) comes first.
        assert_eq!(
            parser.parse_utc_micros("2019-11-03 01:30").unwrap(),
            utc("2019-11-03 08:30:00")
        );
    }

    #[test]
    fn iso_text_and_rfc3339_instants_are_always_read() {
        let parser = p(&["%m/%d/%Y %H%M"], DateOnly::StartOfDay);
        assert_eq!(
            parser.parse_utc_micros("2019-03-15 14:32:00").unwrap(),
            utc("2019-03-15 21:32:00")
        );
        // The second 01:30 of 2019-11-03, given as an instant, stays itself.
        assert_eq!(
            parser.parse_utc_micros("2019-11-03T09:30:00Z").unwrap(),
            utc("2019-11-03 09:30:00")
        );
    }

    #[test]
    fn out_of_range_years_are_errors() {
        let parser = p(&["%Y-%m-%d"], DateOnly::StartOfDay);
        assert_eq!(
            parser.parse_utc_micros("1900-01-01"),
            Err(FieldError::OutOfRange(1900))
        );
        assert_eq!(
            parser.parse_utc_micros("2190-01-01"),
            Err(FieldError::OutOfRange(2190))
        );
    }

    #[test]
    fn excel_serials_are_read_when_no_format_matches() {
        let parser = p(&["%Y-%m-%d %H:%M"], DateOnly::StartOfDay);
        // 43539.5 = 2019-03-15 12:00 in the 1900 date system.
        assert_eq!(
            parser.parse_local("43539.5").unwrap().to_string(),
            "2019-03-15 12:00:00"
        );
        assert_eq!(
            parser.parse_local("43539").unwrap().to_string(),
            "2019-03-15 00:00:00"
        );
    }

    #[test]
    fn dates_of_birth() {
        let dp = DateParser::new(&["%m/%d/%Y".to_string()]);
        assert_eq!(dp.parse_days("01/02/1970").unwrap(), 1);
        assert!(dp.parse_days("1/2/70x").is_err());
    }

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

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("$1,500.50"), Some(1500.5));
        assert_eq!(parse_decimal("abc"), None);
    }
}
