//! A datetime format compiled once per field: chrono's parsing items, and,
//! for a format of fixed-width fields only, a byte-level matcher that gives
//! chrono's answer without chrono's generic parser.

use chrono::format::{Fixed, Item, Numeric, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime};

pub(super) struct Compiled {
    pub(super) items: Vec<Item<'static>>,
    pub(super) has_time: bool,
    /// The same format as a byte-level matcher, when it uses only fixed-width
    /// fields (see [`Fast`]).
    pub(super) fast: Option<Fast>,
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
/// gives the same value; anything else falls through to chrono. Nearly
/// every row holds datetimes, and chrono's generic parser interprets the
/// format item by item for each one, where this compares bytes.
#[derive(Debug, Clone)]
pub(super) struct Fast {
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
    pub(super) fn parse(&self, text: &str) -> Option<NaiveDateTime> {
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

pub(super) fn compile(fmt: &str) -> Option<Compiled> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::format::{parse, Parsed};
    use chrono::NaiveTime;

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
}
