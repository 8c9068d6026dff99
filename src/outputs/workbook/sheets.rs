//! What each sheet of the workbook shows: its columns, and its rows built
//! from a county's audit, class list and rejects, with the privacy choice
//! of the run applied; the Method sheet lists the parameters of each county
//! and the rules as docs/METHOD.md states them.

use chrono::Datelike;

use super::book::{cols, Cell};
use super::CountyPart;

fn local(micros: i64, tz: &chrono_tz::Tz) -> Cell {
    crate::calendar::local_datetime(micros, tz).map_or(Cell::Empty, Cell::DateTime)
}

fn opt_text(s: &Option<String>) -> Cell {
    s.as_ref().map_or(Cell::Empty, |s| Cell::Text(s.clone()))
}

fn days_to_date(days: Option<i32>) -> Cell {
    days.map_or(Cell::Empty, |d| Cell::Date(crate::model::date_from_days(d)))
}

/// The Summary sheet's columns, in the order of [`SummaryYears::rows`]' cells.
pub(super) fn summary_columns() -> Vec<(String, f64)> {
    cols(&[
        ("County", 16.0),
        ("Year", 7.0),
        ("Bookings", 10.0),
        ("Holds", 8.0),
        ("Flagged holds", 9.0),
        ("Flagged persons", 9.0),
        ("Over 48-hour limit", 9.0),
        ("Warrant unknown", 9.0),
        ("Flagged hold hours", 11.0),
    ])
}

#[derive(Default)]
struct Year {
    bookings: u64,
    holds: u64,
    flagged: u64,
    over_limit: u64,
    warrant_unknown: u64,
    hours: f64,
}

/// A county's rows of the Summary sheet: per local year, bookings from the
/// monthly counts and holds from the holds table (by the year of
/// hold_start), gathered a hold at a time.
#[derive(Default)]
pub struct SummaryYears {
    years: std::collections::BTreeMap<i32, Year>,
}

impl SummaryYears {
    pub fn add(&mut self, p: &crate::config::Pipeline, h: &crate::audit::Hold) {
        let y = self.years.entry(h.year).or_default();
        y.holds += 1;
        y.over_limit += u64::from(h.over_limit == Some(true));
        y.warrant_unknown += u64::from(
            h.warrant_status == crate::model::Warrant::Unknown
                && h.unwarranted_minutes
                    .is_some_and(|u| u > p.rules.grace_minutes),
        );
        if h.flagged {
            y.flagged += 1;
            y.hours += h.hold_minutes.unwrap_or(0) as f64 / 60.0;
        }
    }

    /// The rows, with the bookings of the audit's monthly counts and the
    /// distinct persons flagged.
    pub fn rows(
        self,
        p: &crate::config::Pipeline,
        a: &crate::audit::Audit,
        flagged: &crate::outputs::summary::FlaggedCounts,
    ) -> Vec<Vec<Cell>> {
        let mut years = self.years;
        for ((y, _), m) in &a.months {
            years.entry(*y).or_default().bookings += m.bookings;
        }
        summary_cells(p, years, flagged)
    }
}

fn summary_cells(
    p: &crate::config::Pipeline,
    years: std::collections::BTreeMap<i32, Year>,
    flagged: &crate::outputs::summary::FlaggedCounts,
) -> Vec<Vec<Cell>> {
    years
        .range(p.rules.since.year()..)
        .map(|(year, y)| {
            vec![
                Cell::Text(p.county.clone()),
                Cell::Number(f64::from(*year)),
                Cell::Number(y.bookings as f64),
                Cell::Number(y.holds as f64),
                Cell::Number(y.flagged as f64),
                Cell::Number(flagged.years.get(year).copied().unwrap_or(0) as f64),
                Cell::Number(y.over_limit as f64),
                Cell::Number(y.warrant_unknown as f64),
                Cell::Number((y.hours * 100.0).round() / 100.0),
            ]
        })
        .collect()
}

/// The Class members sheet's columns, in the order of [`member_row`]'s
/// cells: one column per subclass after the fixed ones.
pub fn member_columns(subclasses: &[String]) -> Vec<(String, f64)> {
    let mut member_columns = cols(&[
        ("County", 16.0),
        ("Person key", 28.0),
        ("Person id", 12.0),
        ("Last name", 18.0),
        ("First name", 16.0),
        ("Date of birth", 12.0),
        ("Flagged holds", 9.0),
        ("First hold start", 17.0),
        ("Last hold start", 17.0),
        ("Hold hours", 10.0),
        ("Days held", 8.0),
        ("Damages estimate", 12.0),
        ("Booking ids", 24.0),
        ("Match basis", 11.0),
    ]);
    member_columns.extend(subclasses.iter().map(|n| (n.clone(), 12.0)));
    member_columns
}

/// A member's row of the Class members sheet.
pub fn member_row(
    m: &crate::outputs::class::Member,
    subclasses: &[String],
    tz: &chrono_tz::Tz,
    privacy: &crate::outputs::privacy::Privacy,
) -> Vec<Cell> {
    let mut row = vec![
        Cell::Text(m.county_name.clone()),
        Cell::Text(privacy.value("person_key", &m.person_key)),
        opt_text(&privacy.opt("person_id", m.person_id.as_deref())),
        opt_text(&privacy.opt("name", m.last_name.as_deref())),
        opt_text(&privacy.opt("name", m.first_name.as_deref())),
        if privacy.is_on() {
            opt_text(&privacy.dob_text(m.dob))
        } else {
            days_to_date(m.dob)
        },
        Cell::Number(m.flagged_holds as f64),
        local(m.first_hold_start, tz),
        local(m.last_hold_start, tz),
        Cell::Number((m.hold_hours_total * 100.0).round() / 100.0),
        Cell::Number(m.days_held as f64),
        Cell::Number(m.damages_estimate),
        Cell::Text(privacy.list("booking_id", &m.booking_ids)),
        Cell::Text(m.match_basis.clone()),
    ];
    row.extend(
        subclasses
            .iter()
            .map(|n| crate::outputs::class::subclass_value(m, n).map_or(Cell::Empty, Cell::Bool)),
    );
    row
}

/// The Flagged holds sheet's columns, in the order of [`flagged_rows`]'
/// cells.
pub fn flagged_columns() -> Vec<(String, f64)> {
    cols(&[
        ("County", 16.0),
        ("Booking id", 14.0),
        ("Person key", 28.0),
        ("Last name", 18.0),
        ("First name", 16.0),
        ("Eligible at", 17.0),
        ("Hold start", 17.0),
        ("Hold end", 17.0),
        ("Hold minutes", 10.0),
        ("Unwarranted minutes", 12.0),
        ("Status", 10.0),
        ("Form", 8.0),
        ("Warrant", 14.0),
        ("Over limit", 9.0),
        ("Limit hours counted", 10.0),
        ("Regime", 11.0),
        ("Source file", 30.0),
        ("Source row", 9.0),
    ])
}

/// A county's rows of the Flagged holds sheet.
pub fn flagged_rows<'a>(
    p: &'a crate::config::Pipeline,
    holds: &'a [crate::audit::Hold],
    privacy: &'a crate::outputs::privacy::Privacy,
) -> impl Iterator<Item = Vec<Cell>> + 'a {
    holds.iter().filter(|h| h.flagged).map(move |h| {
        vec![
            Cell::Text(p.county.clone()),
            Cell::Text(privacy.value("booking_id", &h.booking_id)),
            Cell::Text(privacy.value("person_key", &h.person_key)),
            opt_text(&privacy.opt("name", h.last_name.as_deref())),
            opt_text(&privacy.opt("name", h.first_name.as_deref())),
            h.eligible_at.map_or(Cell::Empty, |t| local(t, &p.tz)),
            h.hold_start.map_or(Cell::Empty, |t| local(t, &p.tz)),
            h.hold_end.map_or(Cell::Empty, |t| local(t, &p.tz)),
            h.hold_minutes
                .map_or(Cell::Empty, |m| Cell::Number(m as f64)),
            h.unwarranted_minutes
                .map_or(Cell::Empty, |m| Cell::Number(m as f64)),
            Cell::Text(h.status.to_string()),
            Cell::Text(h.form.map_or(String::new(), |f| f.to_string())),
            Cell::Text(h.warrant_status.to_string()),
            h.over_limit.map_or(Cell::Empty, Cell::Bool),
            h.limit_hours_counted.map_or(Cell::Empty, Cell::Number),
            Cell::Text(h.regime.to_string()),
            Cell::Text(h.source_file.clone()),
            Cell::Number(h.source_row as f64),
        ]
    })
}

/// The Rejects sheet's columns, in the order of the rows [`small_rows`]
/// makes for it.
pub(super) fn rejects_columns() -> Vec<(String, f64)> {
    cols(&[
        ("County", 16.0),
        ("Table", 10.0),
        ("File", 36.0),
        ("Reason", 24.0),
        ("Rows", 8.0),
    ])
}

/// The small sheets' rows (Summary, Rejects, Method) of the counties.
pub(super) fn small_rows(
    parts: &[CountyPart],
    privacy: &crate::outputs::privacy::Privacy,
) -> [Vec<Vec<Cell>>; 3] {
    let mut summary = Vec::new();
    let mut rejects = Vec::new();
    let mut method = vec![vec![
        Cell::Text("tool".into()),
        Cell::Text(format!("detainer-audit {}", env!("CARGO_PKG_VERSION"))),
    ]];
    for part in parts {
        let p = part.pipeline;
        summary.extend(part.summary.iter().cloned());
        for (table, file, reason, n) in &part.rejects {
            rejects.push(vec![
                Cell::Text(p.county.clone()),
                Cell::Text(table.clone()),
                Cell::Text(file.clone()),
                Cell::Text(reason.clone()),
                Cell::Number(*n as f64),
            ]);
        }
        let r = &p.rules;
        let mut param = |k: &str, v: String| {
            method.push(vec![
                Cell::Text(format!("{}: {k}", p.county)),
                Cell::Text(v),
            ])
        };
        param("pipeline file", p.file.display().to_string());
        param("time zone", p.tz.name().to_string());
        param("as_of", crate::outputs::local_text(part.as_of, &p.tz));
        param("since", r.since.to_string());
        param("until", r.until.map_or("none".into(), |u| u.to_string()));
        param("grace_minutes", r.grace_minutes.to_string());
        param(
            "damages",
            format!("{} per day, capped at {}", r.per_day, r.cap),
        );
        param("missing warrant read as", r.missing_warrant.clone());
        param("max_reject_rate", r.max_reject_rate.to_string());
        param(
            "names, dates of birth and ids",
            if privacy.is_on() {
                "replaced by keyed pseudonyms (--pseudonymize)".into()
            } else {
                "as in the export".into()
            },
        );
    }
    // The rules, as docs/METHOD.md states them.
    for (section, text) in crate::outputs::method::blocks() {
        method.push(vec![
            Cell::Text(format!("method: {section}")),
            Cell::Text(text),
        ]);
    }
    [summary, rejects, method]
}
