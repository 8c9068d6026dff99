//! Progress on stderr (indicatif) for the long commands, `run` and
//! `generate`: one line per county at work with its rows so far, and an
//! overall bar with elapsed time and rate. Nothing is drawn when stderr is not
//! a terminal or with `--quiet`, so logs and pipes stay clean.
//!
//! `DETAINER_AUDIT_TIMINGS=1` also prints how long each phase took and
//! where the peak memory rose, for benchmarks and profiling; it is off by
//! default.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a worker reports rows read: often enough for a lively display,
/// rarely enough to cost nothing per row.
pub const REPORT_EVERY: u64 = 16 * 1024;

static STEPS: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());
static COUNTS: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());
/// Per step, the KiB by which it raised the process's peak resident memory
/// (summed; with two workers a step is charged for whatever ran beside it,
/// so read it as where the peak was reached, not as what a step holds).
static PEAKS: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

/// The process's peak resident memory so far, in KiB (Linux's `VmHWM`;
/// 0 where /proc is not there).
pub fn peak_kib() -> u64 {
    crate::memory::status_kib("VmHWM").unwrap_or(0)
}

fn timings_on() -> bool {
    std::env::var_os("DETAINER_AUDIT_TIMINGS").is_some_and(|v| v != "0")
}

/// Runs `f`, adding its time to the step `name` (summed over workers and
/// counties, printed at the end with `DETAINER_AUDIT_TIMINGS`).
pub fn step<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    if !timings_on() {
        return f();
    }
    let before = peak_kib();
    let t = Instant::now();
    let out = f();
    let d = t.elapsed();
    let raised = peak_kib().saturating_sub(before);
    if raised > 0 {
        if let Ok(mut peaks) = PEAKS.lock() {
            match peaks.iter_mut().find(|(n, _)| *n == name) {
                Some((_, total)) => *total += raised,
                None => peaks.push((name, raised)),
            }
        }
    }
    if let Ok(mut steps) = STEPS.lock() {
        match steps.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += d,
            None => steps.push((name, d)),
        }
    }
    out
}

/// Adds one to the count `name` (printed at the end with
/// `DETAINER_AUDIT_TIMINGS`, like the steps).
pub fn count(name: &'static str) {
    if !timings_on() {
        return;
    }
    if let Ok(mut counts) = COUNTS.lock() {
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += 1,
            None => counts.push((name, 1)),
        }
    }
}

/// The progress display of one command.
pub struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
    started: Instant,
    timings: bool,
    phase: Mutex<Option<(String, Instant)>>,
}

impl Progress {
    /// A display whose overall bar counts to `total` in `unit`s ("bytes" are
    /// shown as MiB and MiB/s). Hidden unless stderr is a terminal and
    /// `quiet` is off.
    pub fn new(quiet: bool, total: u64, unit: Unit) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        Self::with_visibility(visible, total, unit)
    }

    /// A display drawn or hidden as asked, whatever stderr is (for tests).
    pub fn with_visibility(visible: bool, total: u64, unit: Unit) -> Progress {
        let target = if visible {
            ProgressDrawTarget::stderr_with_hz(8)
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let template = match unit {
            Unit::Bytes => {
                "{msg:<24} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} \
                 {binary_bytes_per_sec} eta {eta}"
            }
            Unit::Rows => {
                "{msg:<24} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows \
                 {rate} eta {eta}"
            }
        };
        let overall = multi.add(ProgressBar::new(total));
        overall.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                // Whole rows per second (indicatif's own shows decimals).
                .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", s.per_sec());
                }),
        );
        Progress {
            multi,
            overall,
            started: Instant::now(),
            timings: timings_on(),
            phase: Mutex::new(None),
        }
    }

    /// Names what the command is doing now (shown left of the overall bar).
    /// With `DETAINER_AUDIT_TIMINGS`, also prints how long the previous
    /// phase took.
    pub fn phase(&self, name: &str) {
        self.end_phase();
        self.overall.set_message(name.to_string());
        if let Ok(mut p) = self.phase.lock() {
            *p = Some((name.to_string(), Instant::now()));
        }
    }

    fn end_phase(&self) {
        let Ok(mut p) = self.phase.lock() else { return };
        if let Some((name, t)) = p.take() {
            if self.timings {
                self.println(&format!(
                    "timing: {name}: {:.2} s",
                    t.elapsed().as_secs_f64()
                ));
            }
        }
    }

    /// Advances the overall bar.
    pub fn inc(&self, n: u64) {
        self.overall.inc(n);
    }

    /// A counter that advances the overall bar, for workers.
    pub fn bytes_counter(&self) -> std::sync::Arc<dyn Fn(u64) + Send + Sync> {
        let bar = self.overall.clone();
        std::sync::Arc::new(move |n| bar.inc(n))
    }

    /// Resets the overall bar for a new phase that counts to `total`.
    pub fn restart(&self, total: u64) {
        self.overall.set_length(total);
        self.overall.set_position(0);
        self.overall.reset_eta();
    }

    /// A line for one county (or file) at work, showing `rows` so far.
    pub fn task(&self, name: &str) -> Task {
        let bar = self
            .multi
            .insert_before(&self.overall, ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("  {prefix:<22} {spinner} {human_pos} rows {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(name.to_string());
        Task {
            bar,
            pending: AtomicU64::new(0),
        }
    }

    /// Prints a line above the bars (or plainly when they are hidden).
    pub fn println(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }

    /// Clears the display; with `DETAINER_AUDIT_TIMINGS`, prints the last
    /// phase and the total.
    pub fn finish(&self) {
        self.end_phase();
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
        if self.timings {
            if let Ok(steps) = STEPS.lock() {
                for (name, d) in steps.iter() {
                    eprintln!(
                        "timing: step {name} (summed over workers): {:.2} s",
                        d.as_secs_f64()
                    );
                }
            }
            if let Ok(counts) = COUNTS.lock() {
                for (name, n) in counts.iter() {
                    eprintln!("timing: count {name}: {n}");
                }
            }
            if let Ok(peaks) = PEAKS.lock() {
                for (name, kib) in peaks.iter() {
                    eprintln!("timing: peak raised during step {name}: {} MiB", kib >> 10);
                }
            }
            eprintln!("timing: peak resident: {} MiB", peak_kib() >> 10);
            eprintln!(
                "timing: total: {:.2} s",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// What the overall bar counts.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    Bytes,
    Rows,
}

/// One line of the display: a county or file at work.
pub struct Task {
    bar: ProgressBar,
    pending: AtomicU64,
}

impl Task {
    /// Counts one row; the display is updated every [`REPORT_EVERY`] rows.
    pub fn row(&self) {
        let n = self.pending.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= REPORT_EVERY {
            self.pending.fetch_sub(n, Ordering::Relaxed);
            self.bar.inc(n);
        }
    }

    /// Counts `n` rows at once.
    pub fn rows(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn message(&self, msg: &str) {
        self.bar.set_message(msg.to_string());
    }

    /// Removes the line.
    pub fn done(&self) {
        let n = self.pending.swap(0, Ordering::Relaxed);
        self.bar.inc(n);
        self.bar.finish_and_clear();
    }

    pub fn position(&self) -> u64 {
        self.bar.position() + self.pending.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_progress_still_counts_rows() {
        let p = Progress::with_visibility(false, 100, Unit::Rows);
        let t = p.task("alameda");
        for _ in 0..(REPORT_EVERY + 5) {
            t.row();
        }
        assert_eq!(t.position(), REPORT_EVERY + 5);
        t.done();
        assert_eq!(t.position(), REPORT_EVERY + 5);
        p.inc(40);
        assert_eq!(p.overall.position(), 40);
        p.restart(10);
        assert_eq!(p.overall.position(), 0);
        assert_eq!(p.overall.length(), Some(10));
        p.finish();
    }
}
