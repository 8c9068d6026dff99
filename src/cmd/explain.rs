//! `detainer-audit explain --out DIR BOOKING_ID`: how one hold of a finished
//! run was measured, in plain words, with the source rows that decided it.
//!
//! It reads only the run's outputs (the manifest, `holds/`,
//! `hold_detainers/` and the class list), never the exports, so it explains
//! exactly the figures that were published. It prints the booking id it was
//! given, times, forms, warrants and source rows; never a name, a date of
//! birth, a person id or a detainer id.

use crate::calendar::{self, Clock};
use crate::model::Form;
use crate::rules::interval::MICROS_PER_MINUTE;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use polars::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{}: cannot read the run's outputs: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error(
        "no hold with this booking id in {} (a booking without a detainer lodged before its \
         release has no hold; with --pseudonymize, give the booking id's pseudonym)",
        out.display()
    )]
    NotFound { out: PathBuf },
}

fn read_err(path: &Path) -> impl Fn(PolarsError) -> ExplainError + '_ {
    move |e| ExplainError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One row of `holds/`, as `explain` needs it.
struct HoldRow {
    county: String,
    county_name: String,
    values: DataFrame,
}

impl HoldRow {
    fn text(&self, name: &str) -> Option<String> {
        let c = self.values.column(name).ok()?;
        match c.get(0).ok()? {
            AnyValue::Null => None,
            AnyValue::String(s) => Some(s.to_string()),
            AnyValue::StringOwned(s) => Some(s.to_string()),
            other => Some(other.to_string()),
        }
    }

    /// A timestamp column as UTC microseconds.
    fn time(&self, name: &str) -> Option<i64> {
        micros(self.values.column(name).ok()?)
            .first()
            .copied()
            .flatten()
    }

    fn int(&self, name: &str) -> Option<i64> {
        let c = self.values.column(name).ok()?.cast(&DataType::Int64).ok()?;
        c.i64().ok()?.get(0)
    }

    fn float(&self, name: &str) -> Option<f64> {
        let c = self
            .values
            .column(name)
            .ok()?
            .cast(&DataType::Float64)
            .ok()?;
        c.f64().ok()?.get(0)
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.values.column(name).ok()?.bool().ok()?.get(0)
    }

    fn list(&self, name: &str) -> Vec<String> {
        let Ok(c) = self.values.column(name) else {
            return Vec::new();
        };
        let Ok(list) = c.list() else {
            return Vec::new();
        };
        list.get_as_series(0)
            .and_then(|s| {
                s.str()
                    .ok()
                    .map(|v| v.iter().flatten().map(str::to_string).collect())
            })
            .unwrap_or_default()
    }
}

/// A datetime column's values as UTC microseconds.
fn micros(c: &Column) -> Vec<Option<i64>> {
    let unit_scale = match c.dtype() {
        DataType::Datetime(TimeUnit::Nanoseconds, _) => 1_000,
        DataType::Datetime(TimeUnit::Milliseconds, _) => -1_000,
        _ => 1,
    };
    let Ok(c) = c.to_physical_repr().cast(&DataType::Int64) else {
        return Vec::new();
    };
    let Ok(v) = c.i64() else {
        return Vec::new();
    };
    v.iter()
        .map(|t| {
            t.map(|t| match unit_scale {
                1 => t,
                s if s > 0 => t / s,
                s => t * -s,
            })
        })
        .collect()
}

/// The parameters a county's run used, from the manifest.
struct CountyRun {
    tz: Tz,
    as_of: String,
    since: String,
    until: Option<String>,
    grace: i64,
    per_day: f64,
    cap: f64,
    missing_warrant: String,
}

fn county_run(manifest: &serde_json::Value, slug: &str) -> Option<CountyRun> {
    let p = manifest["pipelines"]
        .as_array()?
        .iter()
        .find(|p| p["slug"] == slug)?;
    let r = &p["rules"];
    Some(CountyRun {
        tz: p["timezone"].as_str()?.parse().ok()?,
        as_of: p["as_of"].as_str()?.to_string(),
        since: r["since"].as_str()?.to_string(),
        until: r["until"].as_str().map(str::to_string),
        grace: r["grace_minutes"].as_i64()?,
        per_day: r["per_day"].as_f64()?,
        cap: r["cap"].as_f64()?,
        missing_warrant: r["missing_warrant"].as_str()?.to_string(),
    })
}

fn scan(path: &Path) -> Result<LazyFrame, ExplainError> {
    let p = PlRefPath::try_from_path(path).map_err(read_err(path))?;
    LazyFrame::scan_parquet(p, ScanArgsParquet::default()).map_err(read_err(path))
}

/// The county folders of one output table (`holds`, ...), in name order.
fn county_files(out: &Path, table: &str) -> Result<Vec<(String, PathBuf)>, ExplainError> {
    let dir = out.join(table);
    let entries = std::fs::read_dir(&dir).map_err(|e| ExplainError::Read {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let mut files: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let slug = name.strip_prefix("county=")?.to_string();
            let file = e.path().join("part-0.parquet");
            file.is_file().then_some((slug, file))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The explanation of every hold of `booking_id` under `out` (one per
/// county whose export has that booking id).
pub fn explain(out: &Path, booking_id: &str) -> Result<String, ExplainError> {
    let manifest_path = out.join("manifest.json");
    let manifest: serde_json::Value = std::fs::read_to_string(&manifest_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|message| ExplainError::Read {
            path: manifest_path.clone(),
            message: format!("{message} (is this a detainer-audit --out folder?)"),
        })?;
    let mut text = String::new();
    for (slug, file) in county_files(out, "holds")? {
        let values = scan(&file)?
            .filter(col("booking_id").eq(lit(booking_id)))
            .collect()
            .map_err(read_err(&file))?;
        if values.height() == 0 {
            continue;
        }
        let Some(run) = county_run(&manifest, &slug) else {
            return Err(ExplainError::Read {
                path: manifest_path,
                message: format!("no pipeline with slug `{slug}`"),
            });
        };
        let hold = HoldRow {
            county_name: values
                .column("county_name")
                .ok()
                .and_then(|c| c.str().ok()?.get(0).map(str::to_string))
                .unwrap_or_else(|| slug.clone()),
            county: slug.clone(),
            values,
        };
        let detainers_file = out
            .join("hold_detainers")
            .join(format!("county={slug}"))
            .join("part-0.parquet");
        let detainers = scan(&detainers_file)?
            .filter(col("booking_id").eq(lit(booking_id)))
            .collect()
            .map_err(read_err(&detainers_file))?;
        let member = class_member(out, &hold)?;
        if !text.is_empty() {
            text.push('\n');
        }
        describe(
            &mut text,
            booking_id,
            &hold,
            &detainers,
            &run,
            member.as_ref(),
        );
    }
    if text.is_empty() {
        return Err(ExplainError::NotFound {
            out: out.to_path_buf(),
        });
    }
    Ok(text)
}

/// The class-list row of the hold's person, when the hold is flagged:
/// (flagged holds, days held, damages estimate).
fn class_member(out: &Path, hold: &HoldRow) -> Result<Option<(i64, i64, f64)>, ExplainError> {
    if hold.flag("flagged") != Some(true) {
        return Ok(None);
    }
    let Some(key) = hold.text("person_key") else {
        return Ok(None);
    };
    let path = out.join("class_members.parquet");
    if !path.is_file() {
        return Ok(None);
    }
    let df = scan(&path)?
        .filter(
            col("county")
                .eq(lit(hold.county.as_str()))
                .and(col("person_key").eq(lit(key.as_str()))),
        )
        .select([
            col("flagged_holds"),
            col("days_held"),
            col("damages_estimate"),
        ])
        .collect()
        .map_err(read_err(&path))?;
    if df.height() == 0 {
        return Ok(None);
    }
    let row = HoldRow {
        county: String::new(),
        county_name: String::new(),
        values: df,
    };
    Ok(Some((
        row.int("flagged_holds").unwrap_or(0),
        row.int("days_held").unwrap_or(0),
        row.float("damages_estimate").unwrap_or(0.0),
    )))
}

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

fn minutes_text(m: i64) -> String {
    let (d, h, min) = (m / 1440, m % 1440 / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{m} minutes"),
        (0, _) => format!("{m} minutes ({h} h {min} min)"),
        _ => format!("{m} minutes ({d} d {h} h {min} min)"),
    }
}

fn describe(
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
