//! The report's charts, as SVG written here: lines over months and grouped
//! bars, with axes, a few labels and marked dates.
//!
//! Why SVG from the server rather than a charting library: the report must
//! show its charts without scripts (a mail client's preview, a printout),
//! byte for byte the same on every run and every machine, and small for
//! any number of counties. A chart library that lays out its own labels
//! needs font metrics (a font library or a font file in the binary), which
//! differ by machine; SVG text is laid out by the reader's browser. The
//! charts are simple, and each has its numbers beside it as a table.
//!
//! Every number is written with a fixed number of decimals, so the output
//! does not depend on float formatting beyond that.

use std::fmt::Write as _;

/// Escapes text for SVG (inside an HTML page).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round step for an axis from 0 to `max` with about `ticks` ticks.
fn nice_step(max: f64, ticks: usize) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    step * mag
}

/// An axis value as short text: whole numbers without decimals.
fn tick_text(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// One series of a line chart.
pub struct Series<'a> {
    pub label: &'a str,
    /// A CSS class naming its colour in the report's style sheet.
    pub class: &'a str,
    pub values: &'a [f64],
}

/// A vertical marker at an x position, with a label (a law coming into
/// force, a limit).
pub struct Marker<'a> {
    pub at: usize,
    pub label: &'a str,
}

/// A line chart of `series` over `x_labels.len()` points; `x_ticks` are the
/// positions labelled on the x axis.
pub struct LineChart<'a> {
    pub title: &'a str,
    pub width: u32,
    pub height: u32,
    pub x_labels: &'a [String],
    pub x_ticks: &'a [usize],
    pub series: &'a [Series<'a>],
    pub markers: &'a [Marker<'a>],
}

const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 22.0;

impl LineChart<'_> {
    pub fn render(&self) -> String {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let n = self.x_labels.len().max(1);
        let max = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0f64, f64::max);
        let step = nice_step(max, 4);
        let top = (max / step).ceil().max(1.0) * step;
        let x = |i: usize| LEFT + (w - LEFT - RIGHT) * i as f64 / (n.max(2) - 1) as f64;
        let y = |v: f64| TOP + (h - TOP - BOTTOM) * (1.0 - v / top);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">"#,
            self.width,
            self.height,
            self.width,
            self.height,
            esc(self.title)
        );
        let _ = write!(s, "<title>{}</title>", esc(self.title));
        // Grid and y labels.
        let mut v = 0.0;
        while v <= top + step / 2.0 {
            let _ = write!(
                s,
                r#"<line class="grid" x1="{LEFT:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                w - RIGHT,
                y(v),
                y(v),
                LEFT - 4.0,
                y(v) + 3.5,
                tick_text(v)
            );
            v += step;
        }
        for &t in self.x_ticks {
            let _ = write!(
                s,
                r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(t),
                h - 6.0,
                esc(&self.x_labels[t.min(n - 1)])
            );
        }
        for m in self.markers {
            let _ = write!(
                s,
                r#"<line class="marker" x1="{0:.1}" x2="{0:.1}" y1="{1:.1}" y2="{2:.1}"/><text class="marker-label" x="{3:.1}" y="{4:.1}">{5}</text>"#,
                x(m.at),
                TOP - 6.0,
                h - BOTTOM,
                x(m.at) + 2.0,
                TOP - 8.0 + 9.0,
                esc(m.label)
            );
        }
        for series in self.series {
            let mut points = String::new();
            for (i, v) in series.values.iter().enumerate() {
                let _ = write!(
                    points,
                    "{}{:.1},{:.1}",
                    if i == 0 { "" } else { " " },
                    x(i),
                    y(*v)
                );
            }
            let _ = write!(
                s,
                r#"<polyline class="line {}" points="{}"><title>{}</title></polyline>"#,
                series.class,
                points,
                esc(series.label)
            );
        }
        s.push_str("</svg>");
        s
    }
}

/// Grouped bars: one group per category on the x axis, one bar per series.
pub struct BarChart<'a> {
    pub title: &'a str,
    pub width: u32,
    pub height: u32,
    pub categories: &'a [&'a str],
    pub series: &'a [Series<'a>],
    /// A dashed line between two categories: after the category at this
    /// position.
    pub after: Option<Marker<'a>>,
}

impl BarChart<'_> {
    pub fn render(&self) -> String {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let groups = self.categories.len().max(1);
        let bars = self.series.len().max(1);
        let max = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0f64, f64::max);
        let step = nice_step(max, 4);
        let top = (max / step).ceil().max(1.0) * step;
        let group_w = (w - LEFT - RIGHT) / groups as f64;
        let bar_w = group_w * 0.8 / bars as f64;
        let y = |v: f64| TOP + (h - TOP - BOTTOM) * (1.0 - v / top);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">"#,
            self.width,
            self.height,
            self.width,
            self.height,
            esc(self.title)
        );
        let _ = write!(s, "<title>{}</title>", esc(self.title));
        let mut v = 0.0;
        while v <= top + step / 2.0 {
            let _ = write!(
                s,
                r#"<line class="grid" x1="{LEFT:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                w - RIGHT,
                y(v),
                y(v),
                LEFT - 4.0,
                y(v) + 3.5,
                tick_text(v)
            );
            v += step;
        }
        for (g, label) in self.categories.iter().enumerate() {
            let gx = LEFT + group_w * g as f64;
            let _ = write!(
                s,
                r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                gx + group_w / 2.0,
                h - 6.0,
                esc(label)
            );
            for (b, series) in self.series.iter().enumerate() {
                let v = series.values.get(g).copied().unwrap_or(0.0);
                let _ = write!(
                    s,
                    r#"<rect class="bar {}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}: {}</title></rect>"#,
                    series.class,
                    gx + group_w * 0.1 + bar_w * b as f64,
                    y(v),
                    bar_w,
                    (h - BOTTOM) - y(v),
                    esc(series.label),
                    tick_text(v)
                );
            }
        }
        if let Some(m) = &self.after {
            let mx = LEFT + group_w * (m.at + 1) as f64;
            let _ = write!(
                s,
                r#"<line class="marker" x1="{0:.1}" x2="{0:.1}" y1="{1:.1}" y2="{2:.1}"/><text class="marker-label" x="{3:.1}" y="{4:.1}">{5}</text>"#,
                mx,
                TOP - 6.0,
                h - BOTTOM,
                mx + 2.0,
                TOP + 1.0,
                esc(m.label)
            );
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(37.0, 4), 10.0);
        assert_eq!(nice_step(8.0, 4), 2.0);
        assert_eq!(nice_step(0.3, 4), 0.1);
        assert_eq!(nice_step(0.0, 4), 1.0);
        assert_eq!(tick_text(20.0), "20");
        assert_eq!(tick_text(0.5), "0.5");
    }

    #[test]
    fn a_line_chart_places_its_points_and_escapes_its_text() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let svg = LineChart {
            title: "Holds <by month>",
            width: 144,
            height: 60,
            x_labels: &labels,
            x_ticks: &[0, 2],
            series: &[Series {
                label: "holds",
                class: "s1",
                values: &[0.0, 5.0, 10.0],
            }],
            markers: &[Marker {
                at: 1,
                label: "Values Act",
            }],
        }
        .render();
        // x from 44 to 136 over 3 points; y from 18 (10) to 38 (0).
        assert!(
            svg.contains(r#"points="44.0,38.0 90.0,28.0 136.0,18.0""#),
            "{svg}"
        );
        assert!(svg.contains("Holds &lt;by month&gt;"));
        assert!(svg.contains(r#"x1="90.0" x2="90.0""#), "{svg}");
    }

    #[test]
    fn bars_are_as_tall_as_their_values() {
        let svg = BarChart {
            title: "t",
            width: 144,
            height: 60,
            categories: &["x", "y"],
            series: &[Series {
                label: "n",
                class: "s1",
                values: &[10.0, 5.0],
            }],
            after: None,
        }
        .render();
        // Plot height 20 for a top of 10: heights 20 and 10.
        assert!(svg.contains(r#"height="20.0""#), "{svg}");
        assert!(svg.contains(r#"height="10.0""#), "{svg}");
    }
}
