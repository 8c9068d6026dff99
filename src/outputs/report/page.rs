//! The report's page: the counties' figures turned into the headline, the
//! charts (`svg`), the tables behind them, data quality and the method, and
//! laid out by the template `report.html` (minijinja escapes every value).
//! Totals are sums of the counties' summary rows and class lists, so the
//! page shows the numbers of `summary/` and `class_members.*`.

use super::data::{CountyReport, Month, BIN_48H, LENGTH_BINS};
use super::svg::{BarChart, LineChart, Marker, Series};
use serde::Serialize;
use std::collections::BTreeMap;

const TEMPLATE: &str = include_str!("report.html");

/// A headline figure; `id` names it in the page (the tests read it).
#[derive(Serialize)]
struct Figure {
    id: &'static str,
    label: &'static str,
    value: String,
    note: String,
}

/// A table: its header and rows of text.
#[derive(Serialize, Default)]
struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(head: &[&str]) -> Table {
        Table {
            head: head.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct CountyView {
    slug: String,
    name: String,
    state: String,
    as_of: String,
    line: String,
    chart_flagged: String,
    chart_hours: String,
    table: Table,
}

#[derive(Serialize)]
struct Page {
    version: &'static str,
    period: String,
    pseudonymized: bool,
    headline: Vec<Figure>,
    doubts: Vec<Figure>,
    state_chart: String,
    state_table: Table,
    california: bool,
    counties: Vec<CountyView>,
    lengths_chart: String,
    lengths_table: Table,
    limit_chart: String,
    limit_forms: Vec<String>,
    limit_table: Table,
    baseline_chart: String,
    baseline_table: Table,
    files: Table,
    reasons: Table,
    method_html: String,
    params: Table,
    inputs: Table,
}

/// A whole number with thousands separators.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Hours with one decimal and thousands separators.
fn hours(h: f64) -> String {
    let tenths = (h * 10.0).round() as i64;
    format!("{}.{}", thousands(tenths / 10), (tenths % 10).abs())
}

fn median(sorted: &[i64]) -> Option<f64> {
    crate::outputs::quantile(&sorted.iter().map(|&m| m as f64).collect::<Vec<_>>(), 0.5)
}

/// `(year, month)` keys from the first to the last month of any county.
fn all_months(counties: &[CountyReport]) -> Vec<(i32, u32)> {
    let keys: std::collections::BTreeSet<(i32, u32)> = counties
        .iter()
        .flat_map(|c| c.months.iter().map(|m| (m.year, m.month)))
        .collect();
    keys.into_iter().collect()
}

/// Labels and ticks of a month axis: each January, thinned so that labels
/// do not run into each other.
fn month_axis(keys: &[(i32, u32)], max_labels: usize) -> (Vec<String>, Vec<usize>) {
    let labels: Vec<String> = keys.iter().map(|(y, m)| format!("{y}-{m:02}")).collect();
    let januaries: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].1 == 1).collect();
    let every = januaries.len().div_ceil(max_labels.max(1)).max(1);
    let ticks = januaries.iter().copied().step_by(every).collect();
    let labels = labels
        .iter()
        .zip(keys)
        .map(|(l, (y, m))| if *m == 1 { y.to_string() } else { l.clone() })
        .collect();
    (labels, ticks)
}

/// The dates California's laws came into force (method rule 10), where
/// they fall inside the months shown.
fn regime_markers(keys: &[(i32, u32)]) -> Vec<Marker<'static>> {
    [((2014, 1), "TRUST Act"), ((2018, 1), "Values Act")]
        .into_iter()
        .filter_map(|(k, label)| {
            let at = keys.iter().position(|m| *m == k)?;
            (at > 0).then_some(Marker { at, label })
        })
        .collect()
}

const FORM_CLASSES: [&str; 8] = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];

pub fn render(counties: &[CountyReport], pseudonymized: bool) -> Result<String, minijinja::Error> {
    let sum = |f: &dyn Fn(&Month) -> i64| -> i64 {
        counties.iter().flat_map(|c| c.months.iter()).map(f).sum()
    };
    let sum_f = |f: &dyn Fn(&Month) -> f64| -> f64 {
        counties.iter().flat_map(|c| c.months.iter()).map(f).sum()
    };
    let rejected: u64 = counties.iter().map(|c| c.rejected).sum();
    let rows_in: u64 = counties
        .iter()
        .flat_map(|c| c.files.iter())
        .map(|f| f.rows_in)
        .sum();
    let first = counties.iter().map(|c| c.since).min();
    let last = counties.iter().map(|c| {
        let as_of = c.as_of.get(..10).unwrap_or("").to_string();
        match c.until {
            Some(u) if u.to_string() < as_of => u.to_string(),
            _ => as_of,
        }
    });
    let last = last.max().unwrap_or_default();
    let period = match first {
        Some(f) => format!("{f} to {last}"),
        None => "no county".to_string(),
    };
    let fig = |id, label, value: String, note: String| Figure {
        id,
        label,
        value,
        note,
    };
    let flagged = sum(&|m| m.flagged);
    let headline = vec![
        fig(
            "counties",
            "Counties",
            thousands(counties.len() as i64),
            String::new(),
        ),
        fig(
            "bookings",
            "Bookings",
            thousands(sum(&|m| m.bookings)),
            "booked in the period".into(),
        ),
        fig(
            "holds",
            "Holds",
            thousands(sum(&|m| m.holds)),
            "bookings held on a detainer lodged before release".into(),
        ),
        fig(
            "flagged",
            "Flagged holds",
            thousands(flagged),
            "held past release with no judge's warrant (method rule 7)".into(),
        ),
        fig(
            "people",
            "People with a flagged hold",
            thousands(counties.iter().map(|c| c.flagged_people as i64).sum()),
            format!(
                "{} on the class list",
                thousands(counties.iter().map(|c| c.members as i64).sum())
            ),
        ),
        fig(
            "hours",
            "Unwarranted hours",
            hours(sum_f(&|m| m.flagged_unwarranted_hours)),
            "of the flagged holds, before any judge's warrant".into(),
        ),
        fig(
            "over_limit",
            "Over the 48-hour limit",
            thousands(sum(&|m| m.over_limit)),
            "holds longer than their form allows (method rule 8)".into(),
        ),
        fig(
            "damages",
            "Estimated damages",
            format!(
                "${}",
                thousands(counties.iter().map(|c| c.damages.round() as i64).sum())
            ),
            format!(
                "{} days held, per each pipeline's damages (per day, capped per person)",
                thousands(counties.iter().map(|c| c.days_held).sum())
            ),
        ),
    ];
    let doubts = vec![
        fig("warrant_unknown", "Unknown warrant", thousands(sum(&|m| m.warrant_unknown)), "past release, warrant not known: never flagged; each would add to the flagged holds if its warrant was not a judge's".into()),
        fig("eligibility_unknown", "Eligibility unknown", thousands(sum(&|m| m.eligibility_unknown)), "holds not measured: no time the local case let the person go; each could add hours and flags".into()),
        fig("release_unknown", "Release unknown", thousands(sum(&|m| m.release_unknown)), "holds not measured: a release row could not be read; each could add hours and flags".into()),
        fig("open", "Still held", thousands(sum(&|m| m.open_holds)), "measured to when the export was taken: they may be longer".into()),
        fig("rejected", "Rows rejected", thousands(rejected as i64), format!("of {} rows read: each is listed in rejects/ with its reason, and could hide a hold", thousands(rows_in as i64))),
    ];

    // All counties, by month.
    let keys = all_months(counties);
    let mut flagged_by: BTreeMap<(i32, u32), (i64, f64, i64)> = BTreeMap::new();
    for c in counties {
        for m in &c.months {
            let e = flagged_by.entry((m.year, m.month)).or_default();
            e.0 += m.flagged;
            e.1 += m.flagged_unwarranted_hours;
            e.2 += m.holds;
        }
    }
    let (labels, ticks) = month_axis(&keys, 10);
    let california = counties.iter().any(|c| c.state == "CA");
    let markers = if california {
        regime_markers(&keys)
    } else {
        Vec::new()
    };
    let flagged_series: Vec<f64> = keys.iter().map(|k| flagged_by[k].0 as f64).collect();
    let holds_series: Vec<f64> = keys.iter().map(|k| flagged_by[k].2 as f64).collect();
    let state_chart = LineChart {
        title: "Holds and flagged holds per month, all counties",
        width: 860,
        height: 220,
        x_labels: &labels,
        x_ticks: &ticks,
        series: &[
            Series {
                label: "holds",
                class: "s2",
                values: &holds_series,
            },
            Series {
                label: "flagged holds",
                class: "s1",
                values: &flagged_series,
            },
        ],
        markers: &markers,
    }
    .render();
    let mut state_table = Table::new(&["month", "holds", "flagged holds", "unwarranted hours"]);
    for k in &keys {
        let (f, h, n) = flagged_by[k];
        state_table.rows.push(vec![
            format!("{}-{:02}", k.0, k.1),
            thousands(n),
            thousands(f),
            hours(h),
        ]);
    }

    // Each county, small multiples.
    let views = counties
        .iter()
        .map(|c| county_view(c, california))
        .collect();

    // Hold lengths by form.
    let mut forms: BTreeMap<String, [u64; LENGTH_BINS.len()]> = BTreeMap::new();
    for c in counties {
        for (form, bins) in &c.lengths {
            let e = forms
                .entry(form.clone().unwrap_or_else(|| "no form in force".into()))
                .or_insert([0; LENGTH_BINS.len()]);
            for (a, b) in e.iter_mut().zip(bins) {
                *a += b;
            }
        }
    }
    let categories: Vec<&str> = LENGTH_BINS.iter().map(|(_, l)| *l).collect();
    let form_values: Vec<(String, Vec<f64>)> = forms
        .iter()
        .map(|(f, bins)| (f.clone(), bins.iter().map(|&n| n as f64).collect()))
        .collect();
    let series: Vec<Series> = form_values
        .iter()
        .enumerate()
        .map(|(i, (f, v))| Series {
            label: f,
            class: FORM_CLASSES[i % FORM_CLASSES.len()],
            values: v,
        })
        .collect();
    let lengths_chart = BarChart {
        title: "Measured holds by length and form",
        width: 860,
        height: 240,
        categories: &categories,
        series: &series,
        after: Some(Marker {
            at: BIN_48H,
            label: "48 hours",
        }),
    }
    .render();
    let mut head = vec!["length"];
    head.extend(forms.keys().map(String::as_str));
    let mut lengths_table = Table::new(&head);
    for (b, (_, label)) in LENGTH_BINS.iter().enumerate() {
        let mut row = vec![label.to_string()];
        row.extend(forms.values().map(|bins| thousands(bins[b] as i64)));
        lengths_table.rows.push(row);
    }

    // The share over the limit, by form and year.
    let mut limits: BTreeMap<(String, i32), (u64, u64)> = BTreeMap::new();
    for c in counties {
        for (k, (over, n)) in &c.limits {
            let e = limits.entry(k.clone()).or_default();
            e.0 += over;
            e.1 += n;
        }
    }
    let years: Vec<i32> = limits
        .keys()
        .map(|(_, y)| *y)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let limit_forms: Vec<String> = limits
        .keys()
        .map(|(f, _)| f.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let year_labels: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    let year_refs: Vec<&str> = year_labels.iter().map(String::as_str).collect();
    let share_values: Vec<Vec<f64>> = limit_forms
        .iter()
        .map(|f| {
            years
                .iter()
                .map(|y| match limits.get(&(f.clone(), *y)) {
                    Some((over, n)) if *n > 0 => 100.0 * *over as f64 / *n as f64,
                    _ => 0.0,
                })
                .collect()
        })
        .collect();
    let series: Vec<Series> = limit_forms
        .iter()
        .zip(&share_values)
        .enumerate()
        .map(|(i, (f, v))| Series {
            label: f,
            class: FORM_CLASSES[i % FORM_CLASSES.len()],
            values: v,
        })
        .collect();
    let limit_chart = BarChart {
        title: "Share of measured holds over their form's limit, percent, by year",
        width: 860,
        height: 220,
        categories: &year_refs,
        series: &series,
        after: None,
    }
    .render();
    let mut limit_table =
        Table::new(&["year", "form", "measured holds", "over the limit", "share"]);
    for ((form, year), (over, n)) in &limits {
        limit_table.rows.push(vec![
            year.to_string(),
            form.clone(),
            thousands(*n as i64),
            thousands(*over as i64),
            format!("{:.1}%", 100.0 * *over as f64 / (*n).max(1) as f64),
        ]);
    }
    limit_table.rows.sort();

    // Hold lengths against the jail's usual release time.
    let mut by_year: BTreeMap<i32, (Vec<i64>, Vec<f64>)> = BTreeMap::new();
    let mut baseline_table = Table::new(&[
        "county",
        "year",
        "bookings without a detainer",
        "their median release, minutes",
        "measured holds",
        "median hold, minutes",
    ]);
    for c in counties {
        let years: std::collections::BTreeSet<i32> = c
            .baseline
            .keys()
            .chain(c.hold_minutes.keys())
            .copied()
            .collect();
        for y in years {
            let holds = c.hold_minutes.get(&y).map(Vec::as_slice).unwrap_or(&[]);
            let base = c.baseline.get(&y);
            let e = by_year.entry(y).or_default();
            e.0.extend_from_slice(holds);
            if let Some((m, _)) = base {
                e.1.push(*m);
            }
            baseline_table.rows.push(vec![
                c.name.clone(),
                y.to_string(),
                base.map_or("0".into(), |b| thousands(b.1 as i64)),
                base.map_or(String::new(), |b| format!("{:.1}", b.0)),
                thousands(holds.len() as i64),
                median(holds).map_or(String::new(), |m| format!("{m:.1}")),
            ]);
        }
    }
    let base_years: Vec<String> = by_year.keys().map(|y| y.to_string()).collect();
    let base_refs: Vec<&str> = base_years.iter().map(String::as_str).collect();
    let mut hold_med = Vec::new();
    let mut base_med = Vec::new();
    for (holds, bases) in by_year.values_mut() {
        holds.sort_unstable();
        hold_med.push(median(holds).unwrap_or(0.0) / 60.0);
        bases.sort_by(f64::total_cmp);
        base_med.push(crate::outputs::quantile(bases, 0.5).unwrap_or(0.0) / 60.0);
    }
    let baseline_chart = BarChart {
        title: "Median hold against the usual release time, hours, by year",
        width: 860,
        height: 220,
        categories: &base_refs,
        series: &[
            Series {
                label: "median hold on a detainer (all counties)",
                class: "s1",
                values: &hold_med,
            },
            Series {
                label: "median release time of bookings without a detainer (the median county)",
                class: "s2",
                values: &base_med,
            },
        ],
        after: None,
    }
    .render();

    // Data quality.
    let mut files = Table::new(&[
        "county",
        "input",
        "table",
        "file",
        "rows read",
        "used",
        "rejected",
        "rejected by reason",
        "unmapped codes",
    ]);
    let mut reasons_seen: BTreeMap<String, u64> = BTreeMap::new();
    for c in counties {
        for f in &c.files {
            for (r, n) in &f.rejected_by_reason {
                *reasons_seen.entry(r.clone()).or_default() += n;
            }
            files.rows.push(vec![
                c.name.clone(),
                f.input.to_string(),
                f.table.clone(),
                f.path.clone(),
                thousands(f.rows_in as i64),
                thousands(f.rows_used as i64),
                thousands(f.rows_rejected as i64),
                f.rejected_by_reason
                    .iter()
                    .map(|(r, n)| format!("{r} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                f.unmapped
                    .iter()
                    .map(|(field, code, n)| format!("{field} \"{code}\" {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
    }
    let mut reasons = Table::new(&["reason", "rows", "what", "effect on the figures"]);
    let glossary = reason_glossary();
    for (r, n) in &reasons_seen {
        let (what, effect) = glossary.get(r.as_str()).cloned().unwrap_or_default();
        reasons
            .rows
            .push(vec![r.clone(), thousands(*n as i64), what, effect]);
    }

    // Method and provenance.
    let mut params = Table::new(&["county", "pipeline file", "as_of", "parameter", "value"]);
    let mut inputs = Table::new(&["county", "table", "file", "rows", "SHA-256"]);
    for c in counties {
        for (k, v) in &c.params {
            params.rows.push(vec![
                c.name.clone(),
                c.pipeline_file.clone(),
                format!("{} ({})", c.as_of, c.as_of_source),
                k.clone(),
                v.clone(),
            ]);
        }
        for f in &c.files {
            inputs.rows.push(vec![
                c.name.clone(),
                f.table.clone(),
                f.path.clone(),
                thousands(f.rows_in as i64),
                f.sha256.clone(),
            ]);
        }
    }

    let page = Page {
        version: env!("CARGO_PKG_VERSION"),
        period,
        pseudonymized,
        headline,
        doubts,
        state_chart,
        state_table,
        california,
        counties: views,
        lengths_chart,
        lengths_table,
        limit_chart,
        limit_forms,
        limit_table,
        baseline_chart,
        baseline_table,
        files,
        reasons,
        // The section has its own heading: the document's title goes.
        method_html: crate::outputs::method::html().replacen("<h1>Method</h1>", "", 1),
        params,
        inputs,
    };
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?
        .render(minijinja::Value::from(minijinja::value::Serde(&page)))
}

/// One county's small multiples and its monthly table.
fn county_view(c: &CountyReport, california: bool) -> CountyView {
    let keys: Vec<(i32, u32)> = c.months.iter().map(|m| (m.year, m.month)).collect();
    let (labels, ticks) = month_axis(&keys, 4);
    let markers = if california && c.state == "CA" {
        regime_markers(&keys)
    } else {
        Vec::new()
    };
    let flagged: Vec<f64> = c.months.iter().map(|m| m.flagged as f64).collect();
    let hours_held: Vec<f64> = c.months.iter().map(|m| m.hold_hours).collect();
    let unwarranted: Vec<f64> = c
        .months
        .iter()
        .map(|m| m.flagged_unwarranted_hours)
        .collect();
    let chart_flagged = LineChart {
        title: &format!("{}: flagged holds per month", c.name),
        width: 420,
        height: 140,
        x_labels: &labels,
        x_ticks: &ticks,
        series: &[Series {
            label: "flagged holds",
            class: "s1",
            values: &flagged,
        }],
        markers: &markers,
    }
    .render();
    let chart_hours = LineChart {
        title: &format!("{}: hours held per month", c.name),
        width: 420,
        height: 140,
        x_labels: &labels,
        x_ticks: &ticks,
        series: &[
            Series {
                label: "hours held",
                class: "s2",
                values: &hours_held,
            },
            Series {
                label: "unwarranted hours of flagged holds",
                class: "s1",
                values: &unwarranted,
            },
        ],
        markers: &markers,
    }
    .render();
    let mut table = Table::new(&[
        "month",
        "bookings",
        "holds",
        "flagged",
        "over limit",
        "hours held",
        "unwarranted hours (flagged)",
    ]);
    for m in &c.months {
        table.rows.push(vec![
            format!("{}-{:02}", m.year, m.month),
            thousands(m.bookings),
            thousands(m.holds),
            thousands(m.flagged),
            thousands(m.over_limit),
            hours(m.hold_hours),
            hours(m.flagged_unwarranted_hours),
        ]);
    }
    let total = |f: &dyn Fn(&Month) -> i64| -> i64 { c.months.iter().map(f).sum() };
    CountyView {
        slug: c.slug.clone(),
        name: c.name.clone(),
        state: c.state.clone(),
        as_of: c.as_of.clone(),
        line: format!(
            "{} holds, {} flagged, {} people on the class list, ${} estimated",
            thousands(total(&|m| m.holds)),
            thousands(total(&|m| m.flagged)),
            thousands(c.members as i64),
            thousands(c.damages.round() as i64)
        ),
        chart_flagged,
        chart_hours,
        table,
    }
}

/// What each reject reason means and what it does to the figures, from
/// docs/METHOD.md's table of rejected rows (its one text).
fn reason_glossary() -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for (section, text) in crate::outputs::method::blocks() {
        if section != "Rejected rows" {
            continue;
        }
        let cells: Vec<&str> = text.split(" | ").collect();
        if let [reason, what, effect] = cells[..] {
            if reason != "reason" {
                out.insert(reason.to_string(), (what.to_string(), effect.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(hours(1234.56), "1,234.6");
        assert_eq!(hours(0.04), "0.0");
    }

    #[test]
    fn every_reject_reason_is_explained_by_the_method() {
        let g = reason_glossary();
        for reason in [
            "wrong_field_count",
            "invalid_utf8",
            "missing_required",
            "bad_datetime",
            "bad_number",
            "nonexistent_local_time",
            "date_out_of_range",
            "duplicate_row",
            "conflicting_duplicate",
            "release_before_booking",
            "implausible_stay",
            "no_booking",
            "no_booking_for_person",
        ] {
            assert!(
                g.contains_key(reason),
                "{reason} is not in docs/METHOD.md's table"
            );
        }
    }
}
