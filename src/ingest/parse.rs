//! Turning one field's text into a canonical value: datetimes with their
//! format lists, date-only readings and time zone, dates, decimals, flags and
//! codes. Pure functions over strings; no file or polars code here.

use crate::model::{DateOnly, Fold, UNKNOWN};
use chrono::format::{parse, Fixed, Item, Numeric, Parsed, StrftimeItems};
use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
};
use chrono_tz::Tz;
use polars::prelude::PlHashMap as HashMap;

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
    /// A local time in the hour skipped when clocks spring forward (method
    /// rule 4).
    NonExistentLocalTime(NaiveDateTime),
    /// A date outside the years this audit can meet (likely a typo).
    OutOfRange(i32),
    /// A time after the export was taken (`as_of`).
    AfterAsOf(NaiveDateTime),
}

struct Compiled {
    items: Vec<Item<'static>>,
    has_time: bool,
    /// The same format as a byte-level matcher, when it uses only fixed-width
    /// fields (see [`Fast`]).
    fast: Option<Fast>,
}

/// One token of a fixed-width format.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Year4,
    /// `%y`: chrono reads 00 to 69 as 2000 to 2069, 70 to 99 as 1970 to 1999.
    Year2,
    Month2,
    Day2,
    Hour2,
    Hour12,
    Minute2,
    Second2,
    AmPm,
    Lit(u8),
}

/// A format such as `%Y-%m-%d %H:%M:%S` or `%m/%d/%Y %I:%M %p` compiled to a
/// byte-level matcher. It accepts a subset of what chrono's parser accepts
/// for the same format (two-digit fields exactly, one space for a space) and
/// gives the same value; anything else falls through to chrono. Statewide
/// runs parse about a hundred million datetimes, where chrono's generic
/// parser was a tenth of the staging time.
#[derive(Debug, Clone)]
struct Fast {
    toks: Vec<Tok>,
    has_time: bool,
}

impl Fast {
    fn compile(fmt: &str) -> Option<Fast> {
        let mut toks = Vec::new();
        let mut bytes = fmt.bytes();
        while let Some(b) = bytes.next() {
            toks.push(match b {
                b'%' => match bytes.next()? {
                    b'Y' => Tok::Year4,
                    b'y' => Tok::Year2,
                    b'm' => Tok::Month2,
                    b'd' => Tok::Day2,
                    b'H' => Tok::Hour2,
                    b'I' => Tok::Hour12,
                    b'M' => Tok::Minute2,
                    b'S' => Tok::Second2,
                    b'p' => Tok::AmPm,
                    _ => return None,
                },
                b if b.is_ascii_alphanumeric() || b.is_ascii_punctuation() || b == b' ' => {
                    Tok::Lit(b)
                }
                _ => return None,
            });
        }
        let has = |t: Tok| toks.contains(&t);
        // Each date field once; a 12-hour clock needs its AM/PM and the
        // other way round; seconds only with minutes, minutes with hours.
        let count = |t: Tok| toks.iter().filter(|&&x| x == t).count();
        let hour = has(Tok::Hour2) || has(Tok::Hour12);
        let ok = count(Tok::Year4) + count(Tok::Year2) == 1
            && count(Tok::Month2) == 1
            && count(Tok::Day2) == 1
            && toks
                .iter()
                .all(|t| matches!(t, Tok::Lit(_)) || count(*t) == 1)
            && has(Tok::Hour12) == has(Tok::AmPm)
            && !(has(Tok::Hour2) && has(Tok::Hour12))
            && (!has(Tok::Minute2) || hour)
            && (!has(Tok::Second2) || has(Tok::Minute2))
            && (!hour || has(Tok::Minute2));
        ok.then_some(Fast {
            has_time: hour,
            toks,
        })
    }

    /// The local datetime (or the date, at midnight, when the format has no
    /// time), or `None` to let chrono decide.
    fn parse(&self, text: &str) -> Option<NaiveDateTime> {
        let b = text.as_bytes();
        let mut i = 0;
        let two = |i: usize| -> Option<u32> {
            let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
            (x.is_ascii_digit() && y.is_ascii_digit())
                .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
        };
        let (mut year, mut month, mut day) = (0i32, 0u32, 0u32);
        let (mut hour, mut minute, mut second) = (0u32, 0u32, 0u32);
        let mut pm: Option<bool> = None;
        for t in &self.toks {
            match t {
                Tok::Year4 => {
                    let (a, c) = (two(i)?, two(i + 2)?);
                    year = (a * 100 + c) as i32;
                    i += 4;
                }
                Tok::Year2 => {
                    let y = two(i)? as i32;
                    year = y + if y < 70 { 2000 } else { 1900 };
                    i += 2;
                }
                Tok::Month2 => {
                    month = two(i)?;
                    i += 2;
                }
                Tok::Day2 => {
                    day = two(i)?;
                    i += 2;
                }
                Tok::Hour2 | Tok::Hour12 => {
                    hour = two(i)?;
                    i += 2;
                }
                Tok::Minute2 => {
                    minute = two(i)?;
                    i += 2;
                }
                Tok::Second2 => {
                    second = two(i)?;
                    i += 2;
                }
                Tok::AmPm => {
                    pm = Some(match b.get(i..i + 2)? {
                        b"AM" | b"am" => false,
                        b"PM" | b"pm" => true,
                        _ => return None,
                    });
                    i += 2;
                }
                Tok::Lit(c) => {
                    if *b.get(i)? != *c {
                        return None;
                    }
                    i += 1;
                }
            }
        }
        if i != b.len() || second > 59 {
            return None;
        }
        if let Some(pm) = pm {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)
    }
}

/// `str::trim`, with a fast path for the usual field, which has nothing to
/// trim: its first and last bytes are printable ASCII. (`str::trim` decodes
/// characters at both ends; it was 1.5% of a run.)
#[inline]
pub fn trim(s: &str) -> &str {
    let plain = |b: u8| b > b' ' && b < 0x80;
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if plain(a) && plain(z) => s,
        _ => s.trim(),
    }
}

fn compile(fmt: &str) -> Option<Compiled> {
    let fast = Fast::compile(fmt);
    let items = StrftimeItems::new(fmt).parse_to_owned().ok()?;
    let has_time = items.iter().any(|i| {
        matches!(
            i,
            Item::Numeric(Numeric::Hour | Numeric::Hour12 | Numeric::Timestamp, _)
                | Item::Fixed(Fixed::RFC3339 | Fixed::RFC2822)
        )
    });
    // The matcher must agree with chrono on whether there is a time.
    let fast = fast.filter(|f| f.has_time == has_time);
    Some(Compiled {
        items,
        has_time,
        fast,
    })
}

/// Parses datetimes for one field: formats compiled once, tried in order;
/// a date without a time read per `date_only`; local time turned into a UTC
/// instant in `tz` (ambiguous: per `fold`; non-existent: an error).
pub struct DateTimeParser {
    formats: Vec<Compiled>,
    /// The date part of each format that has a time (the text before its
    /// first space), for values that carry a date alone.
    date_parts: Vec<Compiled>,
    date_only: DateOnly,
    tz: Tz,
    fold: Fold,
    min_year: i32,
    max_year: i32,
    /// No event can be later than the export (`as_of`, UTC microseconds).
    latest: Option<i64>,
    /// UTC offset (seconds) of recent local days without a clock change,
    /// `None` for a day with one (asked of chrono-tz each time): a cache of
    /// `DAY_SLOTS` entries, day `d` (days since the epoch) in slot
    /// `d % DAY_SLOTS` beside its day number. Looking up the zone's rules
    /// per value cost more than the parsing itself, and hashing the day
    /// into a map was half of what was left.
    day_offsets: std::cell::RefCell<Vec<(i32, Option<i32>)>>,
}

/// Slots of [`DateTimeParser`]'s day cache: nearly three years of
/// consecutive days.
const DAY_SLOTS: usize = 1024;
/// A day number no slot's day can have (a year far out of range).
const NO_DAY: i32 = i32::MIN;

impl DateTimeParser {
    pub fn new(formats: &[String], date_only: DateOnly, tz: Tz, fold: Fold) -> Self {
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
            fold,
            min_year: 1980,
            max_year: 2100,
            latest: None,
            day_offsets: std::cell::RefCell::new(vec![(NO_DAY, None); DAY_SLOTS]),
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
        let text = trim(text);
        for f in &self.formats {
            if let Some(fast) = &f.fast {
                if let Some(dt) = fast.parse(text) {
                    return Ok(if f.has_time {
                        dt
                    } else {
                        self.read_date(dt.date())
                    });
                }
            }
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
        // The common case first: a value in the first format of the field.
        if let Some(Some(fast)) = self.formats.first().map(|f| f.has_time.then_some(&f.fast)) {
            if let Some(local) = fast.as_ref().and_then(|f| f.parse(trim(text))) {
                let year = local.year();
                if year < self.min_year || year > self.max_year {
                    return Err(FieldError::OutOfRange(year));
                }
                return self.check_latest(self.to_utc(local)?);
            }
        }
        // An instant with its offset (RFC 3339, as from a Parquet timestamp
        // with a zone) needs no time zone and has no DST question.
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(trim(text)) {
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
        self.check_latest(self.to_utc(local)?)
    }

    /// [`local_to_utc_micros`], with the day's offset cached.
    fn to_utc(&self, local: NaiveDateTime) -> Result<i64, FieldError> {
        let day = crate::model::days_from_date(local.date());
        let slot = day.rem_euclid(DAY_SLOTS as i32) as usize;
        let cached = self.day_offsets.borrow()[slot];
        let offset = match cached {
            (d, o) if d == day => o,
            _ => {
                let at = |t: NaiveTime| match self.tz.from_local_datetime(&local.date().and_time(t))
                {
                    LocalResult::Single(dt) => Some(dt.offset().fix().local_minus_utc()),
                    _ => None,
                };
                let first = at(NaiveTime::MIN);
                let last = NaiveTime::from_hms_opt(23, 59, 59).and_then(at);
                let o = match (first, last) {
                    (Some(a), Some(b)) if a == b => Some(a),
                    _ => None,
                };
                self.day_offsets.borrow_mut()[slot] = (day, o);
                o
            }
        };
        match offset {
            Some(o) => Ok((local.and_utc().timestamp() - i64::from(o)) * 1_000_000
                + i64::from(local.and_utc().timestamp_subsec_micros())),
            None => local_to_utc_micros(local, &self.tz, self.fold),
        }
    }
}

/// Method rule 4: an ambiguous local time (the repeated hour in November) takes
/// the instant `fold` says; a non-existent one (the skipped hour in March) is
/// an error, never shifted.
pub fn local_to_utc_micros(local: NaiveDateTime, tz: &Tz, fold: Fold) -> Result<i64, FieldError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => Ok(dt.timestamp_micros()),
        LocalResult::Ambiguous(earliest, latest) => Ok(match fold {
            Fold::Earlier => earliest.timestamp_micros(),
            Fold::Later => latest.timestamp_micros(),
        }),
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
    use chrono::{TimeZone, Utc};
    use chrono_tz::America::Los_Angeles as LA;

    fn p(formats: &[&str], date_only: DateOnly) -> DateTimeParser {
        let f: Vec<String> = formats.iter().map(|s| s.to_string()).collect();
        DateTimeParser::new(&f, date_only, LA, Fold::Earlier)
    }

    fn utc(s: &str) -> i64 {
        Utc.from_utc_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
            .timestamp_micros()
    }

    /// chrono's own reading of `text` in one format, as `parse_local` would
    /// without the fast matcher.
    fn chrono_reading(fmt: &str, text: &str) -> Option<NaiveDateTime> {
        let c = compile(fmt)?;
        let mut parsed = Parsed::new();
        parse(&mut parsed, text, c.items.iter()).ok()?;
        if c.has_time {
            parsed.to_naive_datetime_with_offset(0).ok()
        } else {
            parsed
                .to_naive_date()
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        }
    }

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
    fn fast_matcher_never_disagrees_with_chrono() {
        use proptest::prelude::*;
        let formats = [
            "%Y-%m-%d %H:%M:%S",
            "%m/%d/%Y %I:%M %p",
            "%d.%m.%Y %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d",
            "%m/%d/%Y",
            "%m/%d/%y %I:%M %p",
            "%y%m%d",
        ];
        for f in formats {
            assert!(
                compile(f).unwrap().fast.is_some(),
                "{f} has no fast matcher"
            );
        }
        // Neither formats with fields it does not know nor odd mixes.
        for f in [
            "%y-%m-%d %Y",
            "%Y-%m-%d %H",
            "%Y-%b-%d",
            "%Y-%m-%d %I:%M",
            "%Y-%m-%d %H:%M:%S%.f",
        ] {
            assert!(
                compile(f).unwrap().fast.is_none(),
                "{f} should go to chrono"
            );
        }
        let mut runner = proptest::test_runner::TestRunner::default();
        // Values written in the format, then damaged: the matcher gives
        // chrono's answer or steps aside.
        let value = (
            0usize..formats.len(),
            0i64..4_102_444_800,
            any::<u8>(),
            0usize..24,
            any::<u8>(),
        );
        runner
            .run(&value, |(fi, secs, edit, at, byte)| {
                let f = formats[fi];
                let t = chrono::DateTime::from_timestamp(secs, 0)
                    .unwrap()
                    .naive_utc();
                let mut text = t.format(f).to_string().into_bytes();
                match edit % 4 {
                    0 => {}
                    1 if at < text.len() => text[at] = b"0123456789 :/-APMapm"[byte as usize % 20],
                    2 if at < text.len() => {
                        text.remove(at);
                    }
                    _ => text.insert(at.min(text.len()), byte % 128),
                }
                let Ok(text) = String::from_utf8(text) else {
                    return Ok(());
                };
                let fast = compile(f).unwrap().fast.unwrap().parse(&text);
                if let Some(v) = fast {
                    prop_assert_eq!(Some(v), chrono_reading(f, &text), "{} in {}", text, f);
                }
                if edit % 4 == 0 {
                    prop_assert!(fast.is_some(), "{} in {} not read", text, f);
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn cached_day_offsets_give_the_zones_own_answer() {
        // Zones with clock changes at 02:00, at 00:00 (Sao Paulo's former
        // rule), by 30 minutes (Lord Howe), and none.
        for tz in [
            chrono_tz::America::Los_Angeles,
            chrono_tz::America::Sao_Paulo,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::America::St_Johns,
            chrono_tz::Asia::Kolkata,
        ] {
            let parser = DateTimeParser::new(&[], DateOnly::StartOfDay, tz, Fold::Earlier);
            let start = NaiveDate::from_ymd_opt(2011, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN);
            // Every 10 minutes of 2011-2019 (with cache hits from day two).
            let mut t = start;
            while t.year() < 2020 {
                let want = local_to_utc_micros(t, &tz, Fold::Earlier);
                assert_eq!(parser.to_utc(t), want, "{t} in {tz}");
                t += Duration::minutes(10);
            }
        }
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
    fn dst_gap_is_an_error_and_overlap_takes_the_fields_instant() {
        let parser = p(&["%Y-%m-%d %H:%M"], DateOnly::StartOfDay);
        assert!(matches!(
            parser.parse_utc_micros("2019-03-10 02:30"),
            Err(FieldError::NonExistentLocalTime(_))
        ));
        // 01:30 on 2019-11-03 happens twice: PDT (UTC-7) first, then PST
        // (UTC-8). A time that ends a hold reads the first, one that starts
        // it the second.
        assert_eq!(
            parser.parse_utc_micros("2019-11-03 01:30").unwrap(),
            utc("2019-11-03 08:30:00")
        );
        let later = DateTimeParser::new(
            &["%Y-%m-%d %H:%M".to_string()],
            DateOnly::StartOfDay,
            LA,
            Fold::Later,
        );
        assert_eq!(
            later.parse_utc_micros("2019-11-03 01:30").unwrap(),
            utc("2019-11-03 09:30:00")
        );
        // Either way an hour before and after is one instant.
        assert_eq!(
            later.parse_utc_micros("2019-11-03 00:30").unwrap(),
            utc("2019-11-03 07:30:00")
        );
        assert_eq!(
            later.parse_utc_micros("2019-11-03 02:30").unwrap(),
            utc("2019-11-03 10:30:00")
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
        // With nothing to strip, and with spaces inside and around.
        assert_eq!(parse_decimal("250"), Some(250.0));
        assert_eq!(parse_decimal(" -12.5\t"), Some(-12.5));
        assert_eq!(parse_decimal("1 000"), Some(1000.0));
        assert_eq!(parse_decimal("$"), None);
        assert_eq!(parse_decimal("inf"), None);
        assert_eq!(parse_decimal("NaN"), None);
    }
}
