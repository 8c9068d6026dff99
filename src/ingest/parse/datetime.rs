//! Datetimes: a field's text, in its format list or as ISO text, an RFC 3339
//! instant or an Excel serial, read as a local time and turned into a UTC
//! instant in the pipeline's time zone (method rule 4).

use super::format::{compile, Compiled};
use super::{trim, FieldError};
use crate::model::{DateOnly, Fold};
use chrono::format::{parse, Parsed};
use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
};
use chrono_tz::Tz;

/// ISO local datetimes accepted after a field's own formats.
const ISO_LOCAL: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

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
    /// into a map cost more than finding its slot.
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

/// [`crate::calendar::local_to_utc`], a time in the skipped hour an error
/// of its field.
pub fn local_to_utc_micros(local: NaiveDateTime, tz: &Tz, fold: Fold) -> Result<i64, FieldError> {
    crate::calendar::local_to_utc(local, tz, fold).ok_or(FieldError::NonExistentLocalTime(local))
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
}
