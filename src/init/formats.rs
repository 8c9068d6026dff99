//! Datetime formats inferred from a column's values: the usual formats of
//! jail exports (ISO, US month/day, day/month, two-digit years, 12-hour
//! clocks with AM/PM, compact `%Y%m%d %H%M`, `15-MAR-2019`) are each tried
//! on every sampled value, read as the ingest reads them (a format with a
//! time also reads the date alone before its first space, method rule 4;
//! Excel serials and RFC 3339 instants need no format). The formats kept
//! are the fewest that read the values, in the order that reads most.
//!
//! Day and month order is never guessed: when the values a month-first
//! format reads are all read day-first too (no day above 12 in the
//! sample), or when some values read only one way and others only the
//! other, the inference says so and gives no format.

use super::sniff::thousands;
use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::Datelike;
use std::sync::LazyLock;

/// What a column's values are read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A datetime field: the years an event can fall in (1980 to 2100).
    DateTime,
    /// A date of birth (1900 to 2100), read without the date-alone rule.
    Date,
}

impl Target {
    fn years(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Target::DateTime => 1980..=2100,
            Target::Date => 1900..=2100,
        }
    }
}

/// The dates of the candidate formats, ISO first, then month-first, then
/// day-first: a tie between formats goes to the earlier one.
const DATES: &[&str] = &[
    "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y", "%d/%m/%y",
    "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d-%b-%y",
];

/// The times of the candidate formats. `%I` is never without `%p`: a
/// 12-hour clock without AM/PM cannot be read.
pub const TIMES: &[&str] = &[
    "%H:%M:%S",
    "%H:%M",
    "%H%M",
    "%I:%M %p",
    "%I:%M:%S %p",
    "%H:%M:%S%.f",
    "%H%M%S",
];

/// Whether a format puts the month or the day first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    MonthFirst,
    DayFirst,
    Fixed,
}

struct Candidate {
    format: String,
    items: Vec<Item<'static>>,
    has_time: bool,
    /// The date before the format's first space, which the ingest reads a
    /// date alone with.
    date_part: Option<Vec<Item<'static>>>,
    order: Order,
    /// The same format with day and month swapped.
    rival: Option<usize>,
}

fn items(f: &str) -> Vec<Item<'static>> {
    StrftimeItems::new(f)
        .parse_to_owned()
        .expect("candidate formats are valid")
}

static CANDIDATES: LazyLock<Vec<Candidate>> = LazyLock::new(|| {
    let mut formats: Vec<String> = Vec::new();
    for d in DATES {
        for t in TIMES {
            formats.push(format!("{d} {t}"));
        }
        if *d == "%Y-%m-%d" {
            formats.extend(
                [
                    "%Y-%m-%dT%H:%M:%S",
                    "%Y-%m-%dT%H:%M",
                    "%Y-%m-%dT%H:%M:%S%.f",
                ]
                .map(String::from),
            );
        }
        if *d == "%Y%m%d" {
            formats.extend(["%Y%m%d%H%M%S", "%Y%m%d%H%M"].map(String::from));
        }
        formats.push(d.to_string());
    }
    // Year-first and month-name formats have one reading.
    let order = |f: &str| {
        if f.starts_with("%Y") || f.contains("%b") {
            return Order::Fixed;
        }
        match (f.find("%m"), f.find("%d")) {
            (Some(m), Some(d)) if m < d => Order::MonthFirst,
            (Some(_), Some(_)) => Order::DayFirst,
            _ => Order::Fixed,
        }
    };
    let swap = |f: &str| {
        f.replace("%m", "\u{0}")
            .replace("%d", "%m")
            .replace('\u{0}', "%d")
    };
    let mut out: Vec<Candidate> = formats
        .iter()
        .map(|f| {
            let has_time = f.contains("%H") || f.contains("%I");
            Candidate {
                items: items(f),
                has_time,
                date_part: has_time
                    .then(|| f.split_once(' ').map(|(d, _)| items(d)))
                    .flatten(),
                order: order(f),
                rival: None,
                format: f.clone(),
            }
        })
        .collect();
    for i in 0..out.len() {
        if out[i].order != Order::Fixed {
            let s = swap(&out[i].format);
            out[i].rival = out.iter().position(|c| c.format == s);
        }
    }
    out
});

/// How a value was read by a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// By the whole format (for a format without a time, a date alone).
    Whole,
    /// By the date before the format's first space: a date alone.
    DatePart,
}

fn read(c: &Candidate, text: &str, target: Target) -> Option<Read> {
    let years = target.years();
    let mut p = Parsed::new();
    if parse(&mut p, text, c.items.iter()).is_ok() {
        let date = match (target, c.has_time) {
            (Target::DateTime, true) => p.to_naive_datetime_with_offset(0).ok().map(|t| t.date()),
            _ => p.to_naive_date().ok(),
        };
        if date.is_some_and(|d| years.contains(&d.year())) {
            return Some(Read::Whole);
        }
        return None;
    }
    // Dates of birth are read with the formats alone (no date-alone rule).
    let part = c
        .date_part
        .as_ref()
        .filter(|_| target == Target::DateTime)?;
    let mut p = Parsed::new();
    parse(&mut p, text, part.iter()).ok()?;
    p.to_naive_date()
        .ok()
        .filter(|d| years.contains(&d.year()))
        .map(|_| Read::DatePart)
}

/// What the values of a column (or of a date and a time column joined)
/// are read as.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inference {
    /// The formats to write, in the order to try them; empty when none is
    /// needed or none can be chosen (see `ambiguous` and `mixed`).
    pub formats: Vec<String>,
    /// Values read by each format of `formats`.
    pub per_format: Vec<usize>,
    /// Non-empty values looked at.
    pub values: usize,
    /// Of them, values read (by the formats, as serials or as instants).
    pub parsed: usize,
    /// Values with a date and no time.
    pub date_alone: usize,
    /// Excel serial day numbers and RFC 3339 instants, read without a format.
    pub serials: usize,
    pub instants: usize,
    /// Day and month order undecided: the two formats that read the same
    /// values.
    pub ambiguous: Option<(String, String)>,
    /// Some values read only month-first, others only day-first.
    pub mixed: Option<(String, String)>,
}

impl Inference {
    /// A decision only a person can make is left.
    pub fn undecided(&self) -> bool {
        self.ambiguous.is_some() || self.mixed.is_some()
    }

    /// Any value had a time.
    pub fn has_time(&self) -> bool {
        self.parsed > self.date_alone
    }

    /// The evidence, in words: counts and formats, never a value.
    pub fn evidence(&self, column: &str) -> String {
        let n = self.values;
        if n == 0 {
            return format!("`{column}`: no value in the sample, so no format to infer");
        }
        if let Some((a, b)) = &self.ambiguous {
            return format!(
                "`{column}`: day and month order is ambiguous: each of the {} sampled values \
                 that `{a}` reads, `{b}` reads too (no day above 12)",
                thousands(self.per_format.first().copied().unwrap_or(self.parsed))
            );
        }
        if let Some((a, b)) = &self.mixed {
            return format!(
                "`{column}`: some sampled values read only as `{a}` and others only as `{b}`: \
                 day and month order differ within the column"
            );
        }
        let mut parts: Vec<String> = self
            .formats
            .iter()
            .zip(&self.per_format)
            .map(|(f, k)| format!("{} parse as `{f}`", percent(*k, n)))
            .collect();
        if self.serials > 0 {
            parts.push(format!(
                "{} are Excel serial days (read without a format)",
                percent(self.serials, n)
            ));
        }
        if self.instants > 0 {
            parts.push(format!(
                "{} are RFC 3339 instants (read without a format)",
                percent(self.instants, n)
            ));
        }
        let mut text = match parts.as_slice() {
            [] => format!(
                "`{column}`: no format tried reads its {} sampled values",
                thousands(n)
            ),
            // "100% of 5,000 sampled values parse as `F`"
            [one] => {
                let (share, rest) = one.split_once(' ').unwrap_or(("", ""));
                format!(
                    "`{column}`: {share} of {} sampled values {rest}",
                    thousands(n)
                )
            }
            _ => format!(
                "`{column}`: of {} sampled values, {}",
                thousands(n),
                parts.join(", ")
            ),
        };
        if self.date_alone > 0 && self.date_alone < self.parsed {
            text.push_str(&format!(
                "; {} of them a date alone (read per method rule 4)",
                thousands(self.date_alone)
            ));
        }
        if self.parsed < n {
            let left = n - self.parsed;
            text.push_str(&format!(
                "; {} value{} read by no format tried (`check` will reject {} as bad_datetime or \
                 date_out_of_range)",
                thousands(left),
                if left == 1 { " is" } else { "s are" },
                if left == 1 { "its row" } else { "their rows" }
            ));
        }
        text
    }
}

/// `k` of `n` as a percentage, never rounded up to 100%.
pub fn percent(k: usize, n: usize) -> String {
    if k == n {
        return "100%".to_string();
    }
    let tenths = (k as u128 * 1000 / n.max(1) as u128) as f64 / 10.0;
    format!("{tenths:.1}%")
}

/// Values spread over the sample that pick the candidates worth trying on
/// every value: trying all of them on thousands of values would take a
/// noticeable time per column. Values that no probed format reads get
/// every other candidate afterwards, so a format the probe missed is found.
const PROBE: usize = 64;

/// Infers the formats of non-empty `values`.
pub fn infer(values: &[&str], target: Target) -> Inference {
    let mut inf = Inference {
        values: values.len(),
        ..Inference::default()
    };
    // Values the ingest reads without any format.
    let mut open: Vec<&str> = Vec::new();
    for v in values {
        if target == Target::DateTime && chrono::DateTime::parse_from_rfc3339(v).is_ok() {
            inf.instants += 1;
        } else if let Some(s) = crate::ingest::parse::excel_serial(v) {
            inf.serials += 1;
            inf.date_alone += usize::from(s.is_err());
        } else {
            open.push(v);
        }
    }
    inf.parsed = inf.instants + inf.serials;
    if open.is_empty() {
        return inf;
    }
    let step = (open.len() / PROBE).max(1);
    let probe: Vec<&str> = open.iter().step_by(step).copied().collect();
    // Each candidate's reading of the probe: (candidate, read, read whole).
    let probed: Vec<(usize, usize, usize)> = (0..CANDIDATES.len())
        .map(|c| {
            let r: Vec<Option<Read>> = probe
                .iter()
                .map(|v| read(&CANDIDATES[c], v, target))
                .collect();
            let whole = r.iter().filter(|x| **x == Some(Read::Whole)).count();
            (c, r.iter().flatten().count(), whole)
        })
        .filter(|&(_, k, _)| k > 0)
        .collect();
    // The usual column: one format reads every value with its time (or
    // every date, for a format without one). No other format can read
    // more, and a tie goes to the earlier one, which the probe found
    // first; only its day/month rival is left to try.
    let best = probed
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then(b.0.cmp(&a.0)));
    if let Some(&(c, _, _)) = best.filter(|b| b.1 == probe.len() && b.2 == probe.len()) {
        let all = open
            .iter()
            .all(|v| read(&CANDIDATES[c], v, target) == Some(Read::Whole));
        if all {
            let timeless = !CANDIDATES[c].has_time;
            inf.parsed += open.len();
            inf.date_alone += if timeless { open.len() } else { 0 };
            inf.per_format.push(open.len());
            let rival = CANDIDATES[c].rival;
            if let Some(r) = rival.filter(|&r| {
                open.iter()
                    .all(|v| read(&CANDIDATES[r], v, target).is_some())
            }) {
                inf.ambiguous = Some((CANDIDATES[c].format.clone(), CANDIDATES[r].format.clone()));
            } else {
                inf.formats.push(CANDIDATES[c].format.clone());
            }
            return inf;
        }
    }
    let tried: Vec<usize> = probed.iter().map(|&(c, _, _)| c).collect();
    let reading = |c: usize| -> (usize, Vec<Option<Read>>) {
        (
            c,
            open.iter()
                .map(|v| read(&CANDIDATES[c], v, target))
                .collect(),
        )
    };
    // Each candidate's reading of every value.
    let mut reads: Vec<(usize, Vec<Option<Read>>)> = tried.iter().map(|&c| reading(c)).collect();
    let count = |r: &Vec<Option<Read>>, left: &[bool]| {
        r.iter()
            .zip(left)
            .filter(|(x, l)| **l && x.is_some())
            .count()
    };
    let whole = |r: &Vec<Option<Read>>| r.iter().filter(|x| **x == Some(Read::Whole)).count();
    let mut left = vec![true; open.len()];
    let mut chosen: Vec<usize> = Vec::new();
    // A second format needs more than a stray value on a large sample.
    let least = if open.len() >= 1000 { 2 } else { 1 };
    let mut second_look = false;
    loop {
        while chosen.len() < 3 {
            let best = reads
                .iter()
                .enumerate()
                .filter(|(_, (c, _))| !chosen.contains(c))
                .map(|(i, (_, r))| (i, count(r, &left), whole(r)))
                .filter(|&(_, k, _)| k >= if chosen.is_empty() { 1 } else { least })
                // Most new values, then most with their time, then list order.
                .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then(b.0.cmp(&a.0)));
            let Some((i, k, _)) = best else { break };
            let (c, r) = &reads[i];
            let timeless = !CANDIDATES[*c].has_time;
            for (l, x) in left.iter_mut().zip(r) {
                if *l && x.is_some() {
                    *l = false;
                    inf.date_alone += usize::from(timeless || *x == Some(Read::DatePart));
                }
            }
            chosen.push(*c);
            inf.per_format.push(k);
            inf.parsed += k;
            if !left.contains(&true) {
                break;
            }
        }
        // Values no probed format reads may have a format of their own
        // that the probe missed: every other candidate is tried on them.
        if second_look || chosen.len() == 3 || !left.contains(&true) {
            break;
        }
        second_look = true;
        let unread: Vec<&str> = open
            .iter()
            .zip(&left)
            .filter(|(_, l)| **l)
            .map(|(v, _)| *v)
            .collect();
        let extra: Vec<usize> = (0..CANDIDATES.len())
            .filter(|c| !tried.contains(c))
            .filter(|&c| {
                unread
                    .iter()
                    .any(|v| read(&CANDIDATES[c], v, target).is_some())
            })
            .collect();
        if extra.is_empty() {
            break;
        }
        reads.extend(extra.into_iter().map(reading));
    }
    let Some(&first) = chosen.first() else {
        return inf;
    };
    let fmt = |c: usize| CANDIDATES[c].format.clone();
    // The first format's rival reads every value it reads: nothing in the
    // sample says which order the county writes.
    if let Some(rival) = CANDIDATES[first].rival {
        let mine = &reads.iter().find(|(c, _)| *c == first).expect("chosen").1;
        let theirs = reads.iter().find(|(c, _)| *c == rival).map(|(_, r)| r);
        if theirs.is_some_and(|t| mine.iter().zip(t).all(|(m, t)| m.is_none() || t.is_some())) {
            inf.ambiguous = Some((fmt(first), fmt(rival)));
        }
    }
    let orders: Vec<Order> = chosen.iter().map(|&c| CANDIDATES[c].order).collect();
    if let (Some(m), Some(d)) = (
        chosen
            .iter()
            .zip(&orders)
            .find(|(_, o)| **o == Order::MonthFirst),
        chosen
            .iter()
            .zip(&orders)
            .find(|(_, o)| **o == Order::DayFirst),
    ) {
        inf.mixed = Some((fmt(*m.0), fmt(*d.0)));
    }
    if !inf.undecided() {
        inf.formats = chosen.iter().map(|&c| fmt(c)).collect();
    }
    inf
}

/// Share of `values` that are a time of day alone (`1432`, `14:32`,
/// `2:32 PM`): the time column of a date and a time column.
pub fn time_share(values: &[&str]) -> f64 {
    static TIME_ITEMS: LazyLock<Vec<Vec<Item<'static>>>> =
        LazyLock::new(|| TIMES.iter().map(|t| items(t)).collect());
    if values.is_empty() {
        return 0.0;
    }
    let is_time = |v: &str| {
        TIME_ITEMS.iter().any(|its| {
            let mut p = Parsed::new();
            parse(&mut p, v, its.iter()).is_ok() && p.to_naive_time().is_ok()
        })
    };
    values.iter().filter(|v| is_time(v)).count() as f64 / values.len() as f64
}

#[cfg(test)]
mod tests;
