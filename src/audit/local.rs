//! Local calendar year and month of UTC instants, for the monthly counts
//! and the yearly baseline.
//!
//! What it does: gives the year and month, on the pipeline zone's clock, of
//! a column of UTC microseconds. The zone's offset is looked up once per UTC
//! day of 1900 to 2099 and kept in a table per zone; a day on which the
//! offset changes (a clock change), and any instant outside those years, is
//! looked up in chrono-tz instant by instant. The calendar date is then
//! arithmetic on the day number.
//!
//! Why: polars' zone conversion searches the zone's transitions for every
//! value, and its year and month build a date for every value, for every
//! booking and again for every eligibility; a table lookup per value costs
//! far less (bench/HISTORY.md has the measurement). A day
//! whose offset is the same at its start and at the next day's start is
//! taken as one offset throughout; no zone changes its clock and back
//! within one day.
//!
//! Example: 2019-02-01 04:00 UTC is 2019-01-31 20:00 in Los Angeles (offset
//! -8 hours that whole day): year 2019, month 1.

use chrono::{DateTime, Offset, TimeZone as _};
use chrono_tz::Tz;
use polars::prelude::*;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::datatypes::ArrowDataType;
use polars_arrow::types::NativeType;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Day 0 of the table: 1900-01-01, in days since 1970-01-01.
const FIRST_DAY: i64 = -25_567;
/// 1900-01-01 to 2099-12-31.
const DAYS: usize = 73_049;
/// A day of the table on which the offset changes.
const CHANGES: i32 = i32::MIN;

/// The zone's offset in seconds on each UTC day of the table.
struct DayOffsets {
    tz: Tz,
    offsets: Vec<i32>,
}

impl DayOffsets {
    fn build(tz: Tz) -> Self {
        let at = |day: i64| offset_seconds(&tz, day * MICROS_PER_DAY);
        let mut offsets = Vec::with_capacity(DAYS);
        let mut start = at(FIRST_DAY);
        for day in FIRST_DAY..FIRST_DAY + DAYS as i64 {
            let next = at(day + 1);
            offsets.push(match (start, next) {
                (Some(a), Some(b)) if a == b => a,
                _ => CHANGES,
            });
            start = next;
        }
        DayOffsets { tz, offsets }
    }

    /// The table of `tz`, built once per run.
    fn of(tz: Tz) -> Arc<DayOffsets> {
        static TABLES: OnceLock<Mutex<HashMap<&'static str, Arc<DayOffsets>>>> = OnceLock::new();
        let tables = TABLES.get_or_init(Default::default);
        // A poisoned lock only means another thread panicked while building
        // a table; the map itself is still whole.
        let mut tables = tables.lock().unwrap_or_else(|e| e.into_inner());
        tables
            .entry(tz.name())
            .or_insert_with(|| Arc::new(DayOffsets::build(tz)))
            .clone()
    }

    /// Local microseconds (wall clock as if UTC) of UTC `micros`; `None`
    /// beyond chrono's range.
    fn local(&self, micros: i64) -> Option<i64> {
        let day = micros.div_euclid(MICROS_PER_DAY) - FIRST_DAY;
        let offset = match usize::try_from(day).ok().and_then(|d| self.offsets.get(d)) {
            Some(&o) if o != CHANGES => o,
            _ => offset_seconds(&self.tz, micros)?,
        };
        micros.checked_add(i64::from(offset) * 1_000_000)
    }
}

/// The offset of `tz` from UTC, in seconds, at UTC `micros`.
fn offset_seconds(tz: &Tz, micros: i64) -> Option<i32> {
    let utc = DateTime::from_timestamp_micros(micros)?.naive_utc();
    Some(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
}

/// Year and month (1-12) of a day counted from 1970-01-01 (the proleptic
/// Gregorian calendar; H. Hinnant's `civil_from_days`).
pub(crate) fn year_month_of_day(days: i64) -> (i64, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32)
}

/// The local year and month in `tz` of UTC `micros`.
fn local_year_month_of(table: &DayOffsets, micros: i64) -> Option<(i64, u32)> {
    let local = table.local(micros)?;
    Some(year_month_of_day(local.div_euclid(MICROS_PER_DAY)))
}

/// `f` applied to every value of an Int64 column; null stays null, and so
/// does a value `f` has no answer for.
fn map_i64<T: NativeType>(
    c: &Column,
    dtype: ArrowDataType,
    f: impl Fn(i64) -> Option<T>,
) -> PolarsResult<Vec<PrimitiveArray<T>>> {
    let ca = c.cast(&DataType::Int64)?;
    let ca = ca.i64()?;
    Ok(ca
        .downcast_iter()
        .map(|arr| {
            let mut values = Vec::with_capacity(arr.len());
            let mut missing = Vec::new();
            for (i, &t) in arr.values().iter().enumerate() {
                // A null's slot holds some value; it is converted and then
                // masked by the validity below.
                match f(t) {
                    Some(v) => values.push(v),
                    None => {
                        values.push(T::default());
                        missing.push(i);
                    }
                }
            }
            let mut validity = arr.validity().cloned();
            if !missing.is_empty() {
                let mut bits: polars_arrow::bitmap::MutableBitmap = match validity {
                    Some(v) => v.iter().collect(),
                    None => polars_arrow::bitmap::MutableBitmap::from_len_set(arr.len()),
                };
                for i in missing {
                    bits.set(i, false);
                }
                validity = Some(bits.into());
            }
            PrimitiveArray::new(dtype.clone(), values.into(), validity)
        })
        .collect())
}

/// The local year (Int32, as `alias`) of a UTC-microsecond column.
pub(crate) fn local_year(name: &str, tz: Tz, alias: &str) -> Expr {
    local_i32(name, tz, alias, |year, _| Some(year))
}

/// The local month of a UTC-microsecond column as one Int32 (as `alias`):
/// `year * 12 + month - 1`, read back with [`month_of_index`]. One integer
/// key makes the monthly group-by a single-column one.
pub(crate) fn local_month_index(name: &str, tz: Tz, alias: &str) -> Expr {
    local_i32(name, tz, alias, |year, month| {
        year.checked_mul(12)?.checked_add(month as i32 - 1)
    })
}

/// The year and month (1-12) of a [`local_month_index`].
pub(crate) fn month_of_index(index: i32) -> (i32, u32) {
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

/// `part` of the local year and month of a UTC-microsecond column.
fn local_i32(
    name: &str,
    tz: Tz,
    alias: &str,
    part: impl Fn(i32, u32) -> Option<i32> + Send + Sync + 'static,
) -> Expr {
    let table = DayOffsets::of(tz);
    col(name)
        .map(
            move |c| {
                let chunks = map_i64(&c, ArrowDataType::Int32, |t| {
                    let (year, month) = local_year_month_of(&table, t)?;
                    part(i32::try_from(year).ok()?, month)
                })?;
                Ok(Int32Chunked::from_chunk_iter(c.name().clone(), chunks).into_column())
            },
            |_, f| Ok(Field::new(f.name().clone(), DataType::Int32)),
        )
        .alias(alias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::frame::i64s;
    use crate::calendar::local_date;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn days_give_the_calendar_month() {
        // Every day from 1600 to 2400 against chrono's calendar.
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let from = NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2400, 12, 31).unwrap();
        let mut d = from;
        while d <= to {
            let days = (d - epoch).num_days();
            assert_eq!(
                year_month_of_day(days),
                (i64::from(d.year()), d.month()),
                "{d}"
            );
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn month_indexes_read_back() {
        for (year, month) in [(2019, 1), (2019, 12), (0, 1), (-1, 12), (-44, 3)] {
            let index = year * 12 + month as i32 - 1;
            assert_eq!(month_of_index(index), (year, month));
        }
    }

    #[test]
    fn a_day_with_a_clock_change_is_looked_up_instant_by_instant() {
        let la = chrono_tz::America::Los_Angeles;
        let table = DayOffsets::of(la);
        // 2019-03-10, UTC: Los Angeles springs forward at 10:00 UTC.
        let day = (NaiveDate::from_ymd_opt(2019, 3, 10).unwrap()
            - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days();
        assert_eq!(table.offsets[(day - FIRST_DAY) as usize], CHANGES);
        assert_eq!(table.offsets[(day - 1 - FIRST_DAY) as usize], -8 * 3600);
        assert_eq!(table.offsets[(day + 1 - FIRST_DAY) as usize], -7 * 3600);
        let before = day * MICROS_PER_DAY + 9 * 3_600_000_000;
        let after = day * MICROS_PER_DAY + 11 * 3_600_000_000;
        assert_eq!(table.local(before), Some(before - 8 * 3_600_000_000));
        assert_eq!(table.local(after), Some(after - 7 * 3_600_000_000));
    }

    #[test]
    fn out_of_range_instants_are_null_not_a_panic() {
        let table = DayOffsets::of(chrono_tz::UTC);
        assert_eq!(local_year_month_of(&table, i64::MAX), None);
        assert_eq!(local_year_month_of(&table, i64::MIN), None);
        // Before the table: looked up in chrono-tz.
        assert_eq!(
            local_year_month_of(&table, -4_102_444_800_000_000), // 1840-01-01
            Some((1840, 1))
        );
    }

    #[test]
    fn months_are_local_not_utc() {
        // 2019-02-01 04:00 UTC is 2019-01-31 20:00 in Los Angeles.
        let df =
            DataFrame::new(1, vec![Column::new("t".into(), [1_548_993_600_000_000i64])]).unwrap();
        let la = chrono_tz::America::Los_Angeles;
        let out = df
            .lazy()
            .select([
                local_year("t", la, "year"),
                local_month_index("t", la, "month"),
            ])
            .collect()
            .unwrap();
        assert_eq!(i64s(&out, "year").unwrap(), [Some(2019)]);
        assert_eq!(i64s(&out, "month").unwrap(), [Some(2019 * 12)]);
        assert_eq!(
            local_date(1_548_993_600_000_000, &chrono_tz::America::Los_Angeles).to_string(),
            "2019-01-31"
        );
    }

    #[test]
    fn local_months_agree_with_the_zone_at_every_clock_change() {
        // Every 37 minutes of 1966 to 1975 and of 2011 to 2020 (each clock
        // change and month end passes by), and a null, against chrono-tz's
        // own local date, in zones west and east of UTC, with half-hour and
        // 45-minute offsets, and with southern summers.
        let starts = [
            -126_230_400_000_000i64,  // 1966-01-01 00:00 UTC
            1_293_840_000_000_000i64, // 2011-01-01 00:00 UTC
        ];
        let times: Vec<Option<i64>> = starts
            .iter()
            .flat_map(|s| (0..142_000i64).map(move |i| Some(s + i * 37 * 60_000_000)))
            .chain([None])
            .collect();
        let df = DataFrame::new(times.len(), vec![Column::new("t".into(), times.clone())]).unwrap();
        for zone in [
            chrono_tz::America::Los_Angeles,
            chrono_tz::America::St_Johns,
            chrono_tz::Europe::London,
            chrono_tz::Australia::Adelaide,
            chrono_tz::Pacific::Chatham,
            chrono_tz::UTC,
        ] {
            let out = df
                .clone()
                .lazy()
                .select([
                    local_year("t", zone, "year"),
                    local_month_index("t", zone, "month"),
                ])
                .collect()
                .unwrap();
            let years = i64s(&out, "year").unwrap();
            let months = i64s(&out, "month").unwrap();
            for (i, t) in times.iter().enumerate() {
                let want = t.map(|t| {
                    let d = local_date(t, &zone);
                    (d.year(), d.month())
                });
                let got = months[i].map(|m| month_of_index(m as i32));
                assert_eq!(got, want, "{zone} at {t:?}");
                assert_eq!(years[i], want.map(|w| i64::from(w.0)), "{zone} at {t:?}");
            }
        }
    }
}
