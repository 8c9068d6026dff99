//! The plain words `explain` prints for one hold: the times used, the
//! detainers in force, and how each rule of docs/METHOD.md read them.

use super::read::{micros, CountyRun, HoldRow};
use crate::calendar::{self, Clock};
use crate::model::Form;
use crate::rules::interval::MICROS_PER_MINUTE;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use polars::prelude::*;
use std::fmt::Write as _;

/// A local time to the minute (`none` when there is none).
fn local(t: Option<i64>, tz: &Tz) -> String {
    t.map_or_else(
        || "none".to_string(),
        |t| {
            crate::calendar::local_datetime(t, tz).map_or_else(
                || "?".to_string(),
                |d| d.format("%Y-%m-%d %H:%M").to_string(),
            )
        },
    )
}

/// Minutes, with days, hours and minutes when there are an hour or more.
fn minutes_text(m: i64) -> String {
    let (d, h, min) = (m / 1440, m % 1440 / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{m} minutes"),
        (0, _) => format!("{m} minutes ({h} h {min} min)"),
        _ => format!("{m} minutes ({d} d {h} h {min} min)"),
    }
}

/// Appends the plain-words explanation of one hold to `text`.
pub(super) fn describe(
    text: &mut String,
    booking_id: &str,
    h: &HoldRow,
    detainers: &DataFrame,
    run: &CountyRun,
    member: Option<&(i64, i64, f64)>,
) {
    let tz = &run.tz;
    let status = h.text("status").unwrap_or_default();
    let _ = writeln!(
        text,
        "Booking {booking_id}, {} ({}): bookings row {} of {}. Times are local, {}.",
        h.county_name,
        h.county,
        h.int("source_row").unwrap_or(0),
        h.text("source_file").unwrap_or_default(),
        tz.name()
    );
    let _ = writeln!(text);
    let _ = writeln!(text, "Times used");
    let _ = writeln!(text, "  booked     {}", local(h.time("booked_at"), tz));
    let eligibility_from = h.list("eligibility_from");
    let source = h.text("eligibility_source").unwrap_or_default();
    let eligible_note = match source.as_str() {
        "releases" => format!("from the releases table: {}", eligibility_from.join(", ")),
        "charges" => format!(
            "from the charges: the latest disposition of the booking's criminal charges ({})",
            eligibility_from.join(", ")
        ),
        _ => "unknown: the releases table gives none, and the charges cannot give one (none \
              given, one still open, or a charge row rejected)"
            .to_string(),
    };
    let _ = writeln!(
        text,
        "  eligible   {}  {eligible_note}",
        local(h.time("eligible_at"), tz)
    );
    let release_note = match h.text("release_source").as_deref() {
        Some("releases") => format!(
            "from the releases table: {} (reason {})",
            h.text("release_from").unwrap_or_default(),
            h.text("release_reason")
                .unwrap_or_else(|| "not given".into())
        ),
        Some("ice_custody") => format!(
            "no release time in the export: the handover to ICE, {}",
            h.text("release_from").unwrap_or_default()
        ),
        Some("rejected") => "unknown: a release row of this booking was rejected (see rejects/); \
                             the hold is not measured"
            .to_string(),
        _ => format!(
            "none: still held when the export was taken (as_of {})",
            run.as_of
        ),
    };
    let _ = writeln!(
        text,
        "  released   {}  {release_note}",
        local(h.time("released_at"), tz)
    );

    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Detainers lodged before the release, in lodging order"
    );
    let files = crate::audit::frame::strs(detainers, "source_file").unwrap_or_default();
    let rows = crate::audit::frame::i64s(detainers, "source_row").unwrap_or_default();
    let forms = crate::audit::frame::strs(detainers, "form").unwrap_or_default();
    let warrants = crate::audit::frame::strs(detainers, "warrant").unwrap_or_default();
    let in_force = crate::audit::frame::bools(detainers, "in_force").unwrap_or_default();
    let col_micros = |name: &str| detainers.column(name).map(micros).unwrap_or_default();
    let (lodged, lifted, ice) = (
        col_micros("lodged_at"),
        col_micros("lifted_at"),
        col_micros("ice_custody_at"),
    );
    let (from, to) = (col_micros("in_force_from"), col_micros("in_force_to"));
    let mut pieces: Vec<(i64, i64)> = Vec::new();
    for i in 0..detainers.height() {
        let get = |v: &Vec<Option<i64>>| v.get(i).copied().flatten();
        let _ = write!(
            text,
            "  {}. {} row {}: lodged {}, {}; form {}, warrant {}",
            i + 1,
            files.get(i).cloned().flatten().unwrap_or_default(),
            rows.get(i).copied().flatten().unwrap_or(0),
            local(get(&lodged), tz),
            get(&lifted).map_or("never lifted".to_string(), |t| format!(
                "lifted {}",
                local(Some(t), tz)
            )),
            forms
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| "not given".into()),
            warrants.get(i).cloned().flatten().unwrap_or_default(),
        );
        if let Some(t) = get(&ice) {
            let _ = write!(text, "; ICE custody {}", local(Some(t), tz));
        }
        let _ = writeln!(text);
        match (get(&from), get(&to)) {
            (Some(a), Some(b)) => {
                pieces.push((a, b));
                let _ = writeln!(
                    text,
                    "     in force during the hold from {} to {}",
                    local(Some(a), tz),
                    local(Some(b), tz)
                );
            }
            _ if in_force.get(i).copied().flatten() == Some(true) => {
                let _ = writeln!(text, "     on file for this hold");
            }
            _ => {
                let _ = writeln!(
                    text,
                    "     plays no part: not in force at any time after eligibility and before \
                     the release"
                );
            }
        }
    }
    pieces.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (a, b) in pieces {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }

    let _ = writeln!(text);
    let _ = writeln!(text, "The hold (method rule 3)");
    let minutes = h.int("hold_minutes");
    match status.as_str() {
        "eligibility_unknown" => {
            let _ = writeln!(
                text,
                "  not measured (eligibility_unknown): without the time the person became \
                 eligible for release, no part of the stay can be called a hold"
            );
        }
        "release_unknown" => {
            let _ = writeln!(
                text,
                "  not measured (release_unknown): the release row could not be used, and \
                 measuring to as_of could overstate the hold"
            );
        }
        _ => {
            let _ = writeln!(
                text,
                "  from {} to {}: {}{}",
                local(h.time("hold_start"), tz),
                local(h.time("hold_end"), tz),
                minutes_text(minutes.unwrap_or(0)),
                if status == "open" {
                    ", still held at as_of (open: measured to as_of)"
                } else {
                    ""
                }
            );
            if merged.len() > 1 {
                let _ = writeln!(
                    text,
                    "  counted only while a detainer was in force, in {} pieces:",
                    merged.len()
                );
                for (a, b) in &merged {
                    let _ = writeln!(
                        text,
                        "    {} to {} ({})",
                        local(Some(*a), tz),
                        local(Some(*b), tz),
                        minutes_text((b - a) / MICROS_PER_MINUTE)
                    );
                }
            } else if merged.is_empty() {
                let _ = writeln!(
                    text,
                    "  no detainer was in force after eligibility: a hold of no length"
                );
            }
            let _ = writeln!(
                text,
                "  past release (rule 5): {} > grace {} minutes: {}",
                minutes.unwrap_or(0),
                run.grace,
                if h.flag("past_release") == Some(true) {
                    "yes"
                } else {
                    "no"
                }
            );
        }
    }

    let _ = writeln!(text);
    let _ = writeln!(text, "Warrant (rule 6)");
    let warrant = h.text("warrant_status").unwrap_or_default();
    let unwarranted = h.int("unwarranted_minutes");
    let reading = match warrant.as_str() {
        "judicial" => "a judge's warrant was in force from the start of the hold: it was lawful",
        "unknown" => {
            "a detainer in force before any judge's warrant has an unknown warrant: \
                      never flagged, counted as warrant_unknown"
        }
        "administrative" => "only ICE's own warrants (I-200/I-205) were in force: no judge signed",
        _ => "no warrant at all was in force",
    };
    let _ = writeln!(text, "  warrant status {warrant}: {reading}");
    if let (Some(u), Some(m)) = (unwarranted, minutes) {
        let _ = writeln!(
            text,
            "  unwarranted: {} of the hold's {} minutes{}",
            minutes_text(u),
            m,
            if u < m {
                " (the rest came after a judge's warrant was in force)"
            } else {
                ""
            }
        );
    }
    if run.missing_warrant != "unknown" {
        let _ = writeln!(
            text,
            "  an empty warrant field is read as `{}` (rules.missing_warrant)",
            run.missing_warrant
        );
    }

    let _ = writeln!(text);
    let _ = writeln!(text, "Flag (rule 7)");
    let flagged = h.flag("flagged") == Some(true);
    let until = run
        .until
        .as_ref()
        .map_or(String::new(), |u| format!(" and on or before {u}"));
    let start_day = h
        .time("hold_start")
        .map(|t| crate::calendar::local_date(t, tz).to_string());
    let _ = writeln!(
        text,
        "  {}: unwarranted minutes > grace {} ({}), warrant none or administrative ({warrant}), \
         hold started on or after {}{until} ({})",
        if flagged { "flagged" } else { "not flagged" },
        run.grace,
        unwarranted.map_or("not measured".to_string(), |u| u.to_string()),
        run.since,
        start_day.unwrap_or_else(|| "no start".into())
    );

    let _ = writeln!(text);
    let _ = writeln!(text, "48-hour limit (rule 8)");
    let form = h.text("form");
    match form
        .as_deref()
        .and_then(Form::parse)
        .and_then(Clock::for_form)
    {
        None => {
            let _ = writeln!(
                text,
                "  form {}: no clock, over_limit left empty",
                form.as_deref().unwrap_or("none (no detainer in force)")
            );
        }
        Some(clock) => {
            let f = form.unwrap_or_default();
            let how = match clock {
                Clock::BusinessHours => {
                    "48 hours excluding Saturdays, Sundays and federal \
                                         holidays (8 CFR 287.7(d))"
                }
                Clock::CalendarHours => "48 hours of calendar time",
                Clock::NoDetention => "no detention at all (a request for notice only)",
            };
            let _ = writeln!(
                text,
                "  form {f} (of the detainer in force at the start of the hold): {how}"
            );
            if let Some(hours) = h.float("limit_hours_counted") {
                let _ = writeln!(
                    text,
                    "  {hours:.2} hours counted, limit {}: {}",
                    clock.limit_hours(),
                    if h.flag("over_limit") == Some(true) {
                        "over the limit"
                    } else {
                        "within the limit"
                    }
                );
            }
            if clock == Clock::BusinessHours {
                let excluded = excluded_days(&merged, tz);
                if !excluded.is_empty() {
                    let _ = writeln!(text, "  local days not counted:");
                    for (day, why) in excluded {
                        let _ = writeln!(text, "    {day} {why}");
                    }
                }
            }
        }
    }
    let _ = writeln!(
        text,
        "  regime (rule 10): {}",
        h.text("regime").unwrap_or_default()
    );

    let _ = writeln!(text);
    let _ = writeln!(text, "Damages (class list)");
    if flagged {
        let days = (unwarranted.unwrap_or(0) + 1439) / 1440;
        let _ = writeln!(
            text,
            "  this hold counts {days} day(s): each started 24 hours of its unwarranted minutes"
        );
        if let Some((holds, days, damages)) = member {
            let _ = writeln!(
                text,
                "  the person's class-list row: {holds} flagged hold(s), {days} day(s), damages \
                 estimate {damages} ({} per day, capped at {})",
                run.per_day, run.cap
            );
        }
    } else {
        let _ = writeln!(text, "  none: the hold is not flagged");
    }
}

/// The local days of a hold that the business clock skips, with the reason.
fn excluded_days(pieces: &[(i64, i64)], tz: &Tz) -> Vec<(NaiveDate, String)> {
    let mut out: Vec<(NaiveDate, String)> = Vec::new();
    for &(a, b) in pieces {
        let mut day = crate::calendar::local_date(a, tz);
        let last = crate::calendar::local_date(b - 1, tz);
        while day <= last {
            if calendar::is_excluded_day(day) && out.last().map(|l| l.0) != Some(day) {
                // New Year's Day may be observed on the last day of the year
                // before.
                let holiday = [day.year(), day.year() + 1]
                    .into_iter()
                    .flat_map(calendar::federal_holidays)
                    .find(|h| h.observed == day)
                    .map(|h| h.name);
                let why = match (day.weekday(), holiday) {
                    (_, Some(name)) => format!("{} ({name})", day.weekday()),
                    (w, None) => w.to_string(),
                };
                out.push((day, why));
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }
    out
}
