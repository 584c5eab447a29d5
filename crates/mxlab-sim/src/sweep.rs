//! Sweeps over seeds: one scenario run with the seeds `0..N`, and what the
//! runs add up to. These are the numbers `mxlab sweep` prints and the
//! app's Sweep panel shows, computed here once for both.
//!
//! It runs nothing in parallel and knows no thread, terminal or worker:
//! the caller runs the seeds where it likes (the CLI on every core, the
//! app in a web worker) and adds each run's outcome up here.
//!
//! # How to drive it
//!
//! ```
//! use mxlab_sim::sweep::{simulate, SweepReport, SweepRun, Totals};
//! use mxlab_sim::{presets, Budget};
//!
//! let scenario = presets::preset("greylisting").unwrap();
//! let mut totals = Totals::default();
//! for seed in 0..4 {
//!     let sim = simulate(scenario.clone(), seed, None, Budget::DEFAULT);
//!     let run = SweepRun::of(seed, &sim, |_| "raise the budget".to_owned());
//!     println!("{}", run.csv_row()); // one CSV row per run, after CSV_HEADER
//!     totals.add(&run);
//! }
//! let report = SweepReport::of("preset:greylisting", &scenario.name, None, totals);
//! assert_eq!(report.seeds, 4);
//! assert_eq!(report.delivered.total, 4);
//! print!("{}", report.text()); // as `mxlab sweep` prints it
//! ```
//!
//! The report depends only on the runs added, never on their order or on
//! how they were split between threads or shards: every total is a sum, a
//! minimum, a maximum or a count ([`Totals::merge`]), and the latencies,
//! kept in whole microseconds as the simulation measures them, are sorted
//! before the percentiles are read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::budget::{Budget, BudgetStop};
use crate::engine::Sim;
use crate::scenario::Scenario;
use crate::summary::Summary;
use crate::time::SimTime;

/// Most histogram rows; beyond, values are grouped into equal ranges.
pub const MAX_HISTOGRAM_ROWS: u64 = 20;
/// Width of the longest histogram bar in [`SweepReport::text`].
const BAR_WIDTH: usize = 40;

/// Runs `scenario` with `seed` under `budget` until `until` (capped at the
/// horizon), or to quiescence, in one go: one run of a sweep.
pub fn simulate(scenario: Scenario, seed: u64, until: Option<SimTime>, budget: Budget) -> Sim {
    let mut sim = Sim::new(scenario, seed);
    sim.set_budget(budget);
    match until {
        Some(t) => sim.run_until(t),
        None => {
            sim.run_to_quiescence();
        }
    }
    sim
}

/// Whole seconds as `2d 3h`, `1h 30m`, `90s` → `1m 30s`, `0s`.
pub fn format_secs(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "d"),
        (secs / 3_600 % 24, "h"),
        (secs / 60 % 60, "m"),
        (secs % 60, "s"),
    ];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() {
        "0s".to_owned()
    } else {
        text.join(" ")
    }
}

/// A latency in seconds, with minutes and hours spelled out beyond a
/// minute: `0.523 s`, `612.041 s (10m 12s)`.
pub fn format_latency(secs: f64) -> String {
    if secs >= 60.0 {
        // Truncation to whole seconds is what the parenthesis shows.
        let whole = secs.max(0.0).floor() as u64;
        format!("{secs:.3} s ({})", format_secs(whole))
    } else {
        format!("{secs:.3} s")
    }
}

/// `1 run`, `2 runs`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Latency percentiles of delivered recipients, in seconds; `None` when
/// nothing was delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Latency {
    /// How many latencies (delivered recipients).
    pub count: usize,
    /// Smallest.
    pub min: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
}

impl Latency {
    /// The percentiles of `summary.latencies_secs` (sorted), by the
    /// simulation's own [`Summary::latency_percentile`].
    pub fn of(summary: &Summary) -> Self {
        Latency {
            count: summary.latencies_secs.len(),
            min: summary.latency_percentile(0.0),
            p50: summary.latency_percentile(50.0),
            p90: summary.latency_percentile(90.0),
            p99: summary.latency_percentile(99.0),
            max: summary.latency_percentile(100.0),
        }
    }

    /// The percentiles of latencies in whole microseconds (sorted).
    pub fn of_micros(sorted: &[u64]) -> Self {
        Latency::of(&Summary {
            latencies_secs: sorted.iter().map(|&us| secs_of_micros(us)).collect(),
            ..Summary::default()
        })
    }

    /// `p50 1.234 s   p90 …   p99 …   max …`, or `none delivered`.
    pub fn line(&self) -> String {
        let parts: Vec<String> = [
            ("p50", self.p50),
            ("p90", self.p90),
            ("p99", self.p99),
            ("max", self.max),
        ]
        .iter()
        .filter_map(|(name, v)| v.map(|v| format!("{name} {}", format_latency(v))))
        .collect();
        if parts.is_empty() {
            "none delivered".to_owned()
        } else {
            parts.join("   ")
        }
    }
}

/// Microseconds as the seconds [`Summary::latencies_secs`] holds.
fn secs_of_micros(us: u64) -> f64 {
    us as f64 / 1e6
}

/// The smallest, mean and largest of one count over the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// Summed over every run.
    pub total: u64,
    /// The smallest of one run.
    pub min: u64,
    /// The mean per run.
    pub mean: f64,
    /// The largest of one run.
    pub max: u64,
}

/// One count over the runs so far: its sum, smallest and largest (no
/// run yet: smallest `u64::MAX`, largest 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The sum.
    pub total: u64,
    /// The smallest value.
    pub min: u64,
    /// The largest value.
    pub max: u64,
}

impl Default for Column {
    fn default() -> Self {
        Column {
            total: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

impl Column {
    /// Counts one run's value.
    pub fn add(&mut self, v: u64) {
        self.total = self.total.saturating_add(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Counts the runs of `other` too.
    pub fn merge(&mut self, other: Column) {
        self.total = self.total.saturating_add(other.total);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The spread over `runs` runs (all zero for none).
    pub fn spread(&self, runs: u64) -> Spread {
        Spread {
            total: self.total,
            min: if runs == 0 { 0 } else { self.min },
            mean: if runs == 0 {
                0.0
            } else {
                self.total as f64 / runs as f64
            },
            max: self.max,
        }
    }
}

/// How a run that stopped on its budget stopped, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStop {
    /// `stopped at … after … events (the budget of …)`.
    pub stop: String,
    /// What to do about it, in the words of whoever ran it (`raise
    /// --max-events or shorten the horizon` on the command line).
    pub advice: String,
}

/// What one run of a sweep achieved: the unit a sweep adds up, and one
/// row of its CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRun {
    /// The seed.
    pub seed: u64,
    /// Recipients delivered (duplicates not counted).
    pub delivered: u64,
    /// Recipients bounced.
    pub bounced: u64,
    /// Recipients still queued at the end.
    pub queued: u64,
    /// RFC 1047 duplicates delivered.
    pub duplicates: u64,
    /// Delivery attempts (connections tried), all hosts.
    pub attempts: u64,
    /// Every delivered recipient's latency in microseconds, sorted.
    pub latencies_micros: Vec<u64>,
    /// Where the run stopped on its budget, if it did.
    pub stop: Option<RunStop>,
}

impl SweepRun {
    /// The outcome of the finished run `sim` of seed `seed`; `advice`
    /// says what to do about a budget stop.
    pub fn of(seed: u64, sim: &Sim, advice: impl FnOnce(&BudgetStop) -> String) -> Self {
        SweepRun::of_summary(seed, &sim.summary(), sim.stopped(), advice)
    }

    /// The outcome of a run of seed `seed` that ended with `summary`.
    pub fn of_summary(
        seed: u64,
        summary: &Summary,
        stop: Option<&BudgetStop>,
        advice: impl FnOnce(&BudgetStop) -> String,
    ) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        let mut latencies_micros: Vec<u64> = summary
            .latencies_secs
            .iter()
            // Latencies are whole microseconds divided by 1e6: this gives
            // the microseconds back exactly.
            .map(|s| (s * 1e6).round() as u64)
            .collect();
        latencies_micros.sort_unstable();
        SweepRun {
            seed,
            delivered: n(summary.delivered),
            bounced: n(summary.bounced),
            queued: n(summary.queued),
            duplicates: n(summary.duplicates),
            attempts: n(summary.attempts),
            latencies_micros,
            stop: stop.map(|s| RunStop {
                stop: s.to_string(),
                advice: advice(s),
            }),
        }
    }

    /// The run's latency percentiles.
    pub fn latency(&self) -> Latency {
        Latency::of_micros(&self.latencies_micros)
    }

    /// The run as a row of [`CSV_HEADER`]'s columns, without a line end:
    /// the counts the sweep's table sums, the run's latency percentiles
    /// in seconds (empty when nothing was delivered) and whether it
    /// stopped on its budget (`true`/`false`). Every field is a number or
    /// a word of letters, so none needs quoting (RFC 4180).
    pub fn csv_row(&self) -> String {
        let l = self.latency();
        let secs = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            self.seed,
            self.delivered,
            self.bounced,
            self.queued,
            self.duplicates,
            self.attempts,
            l.count,
            secs(l.p50),
            secs(l.p90),
            secs(l.p99),
            secs(l.max),
            self.stop.is_some()
        )
    }
}

/// The columns of a sweep's CSV (`mxlab sweep --csv`), in order: one row
/// per run follows ([`SweepRun::csv_row`]), lines ending in LF.
pub const CSV_HEADER: &str = "seed,delivered,bounced,queued,duplicates,attempts,\
latency_count,latency_p50_secs,latency_p90_secs,latency_p99_secs,latency_max_secs,\
stopped_on_budget";

/// Where the smallest seed that stopped on its budget stopped, as the
/// sweep's warning says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstStop {
    /// The seed.
    pub seed: u64,
    /// `stopped at … after … events (the budget of …)`.
    pub stop: String,
    /// What to do about it.
    pub advice: String,
}

/// What the runs so far add up to. Memory grows with the delivered
/// recipients (whose latencies make the percentiles), not with the runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Runs added.
    pub runs: u64,
    /// Runs that ended with every original recipient delivered.
    pub all_delivered_runs: u64,
    /// Recipients delivered per run.
    pub delivered: Column,
    /// Recipients bounced per run.
    pub bounced: Column,
    /// Recipients still queued per run.
    pub queued: Column,
    /// RFC 1047 duplicates per run.
    pub duplicates: Column,
    /// Delivery attempts per run.
    pub attempts: Column,
    /// How many runs made each number of attempts.
    pub attempts_counts: BTreeMap<u64, u64>,
    /// Every delivered recipient's latency in microseconds, in no
    /// particular order.
    pub latencies_micros: Vec<u64>,
    /// Runs that stopped on their budget.
    pub stopped_runs: u64,
    /// The stop of the smallest seed that stopped.
    pub first_stop: Option<FirstStop>,
}

impl Totals {
    /// Adds one run.
    pub fn add(&mut self, run: &SweepRun) {
        self.runs += 1;
        if let Some(stop) = &run.stop {
            self.stopped_runs += 1;
            self.keep_first_stop(FirstStop {
                seed: run.seed,
                stop: stop.stop.clone(),
                advice: stop.advice.clone(),
            });
        }
        if run.bounced == 0 && run.queued == 0 {
            self.all_delivered_runs += 1;
        }
        self.delivered.add(run.delivered);
        self.bounced.add(run.bounced);
        self.queued.add(run.queued);
        self.duplicates.add(run.duplicates);
        self.attempts.add(run.attempts);
        *self.attempts_counts.entry(run.attempts).or_default() += 1;
        self.latencies_micros
            .extend_from_slice(&run.latencies_micros);
    }

    fn keep_first_stop(&mut self, stop: FirstStop) {
        if self.first_stop.as_ref().is_none_or(|s| stop.seed < s.seed) {
            self.first_stop = Some(stop);
        }
    }

    /// Adds the runs of `other` (another thread's, another shard's).
    pub fn merge(&mut self, mut other: Totals) {
        self.runs += other.runs;
        self.stopped_runs += other.stopped_runs;
        if let Some(stop) = other.first_stop.take() {
            self.keep_first_stop(stop);
        }
        self.all_delivered_runs += other.all_delivered_runs;
        self.delivered.merge(other.delivered);
        self.bounced.merge(other.bounced);
        self.queued.merge(other.queued);
        self.duplicates.merge(other.duplicates);
        self.attempts.merge(other.attempts);
        for (v, runs) in other.attempts_counts {
            *self.attempts_counts.entry(v).or_default() += runs;
        }
        if self.latencies_micros.len() < other.latencies_micros.len() {
            std::mem::swap(&mut self.latencies_micros, &mut other.latencies_micros);
        }
        self.latencies_micros
            .extend_from_slice(&other.latencies_micros);
    }
}

/// One histogram row: how many runs made `from..=to` attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Smallest value in the row.
    pub from: u64,
    /// Largest value in the row.
    pub to: u64,
    /// How many runs.
    pub runs: u64,
}

/// How many runs fall on each value of `counts` (value → runs), or
/// (beyond [`MAX_HISTOGRAM_ROWS`] distinct values) in each of equal ranges
/// from the smallest to the largest. Empty ranges are kept, so gaps show.
pub fn histogram(counts: &BTreeMap<u64, u64>) -> Vec<Bucket> {
    let (Some(&lo), Some(&hi)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Vec::new();
    };
    if counts.len() as u64 <= MAX_HISTOGRAM_ROWS {
        return counts
            .iter()
            .map(|(&v, &runs)| Bucket {
                from: v,
                to: v,
                runs,
            })
            .collect();
    }
    let span = (hi - lo).saturating_add(1);
    let width = span.div_ceil(MAX_HISTOGRAM_ROWS);
    let mut buckets: Vec<Bucket> = (0..span.div_ceil(width))
        .map(|i| Bucket {
            from: lo.saturating_add(i.saturating_mul(width)),
            to: lo.saturating_add((i + 1).saturating_mul(width) - 1).min(hi),
            runs: 0,
        })
        .collect();
    // The last range ends at the largest value (when the span itself
    // is past u64, the ranges above fall one short).
    if let Some(last) = buckets.last_mut() {
        last.to = hi;
    }
    let last = buckets.len().saturating_sub(1);
    for (&v, &runs) in counts {
        let i = usize::try_from((v - lo) / width).unwrap_or(usize::MAX);
        if let Some(b) = buckets.get_mut(i.min(last)) {
            b.runs += runs;
        }
    }
    buckets
}

/// A sweep's distributions: what `mxlab sweep --json` prints (the keys
/// are stable) and the app's Sweep panel shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepReport {
    /// What the scenario was read from (the CLI's FILE argument).
    pub scenario: String,
    /// The scenario's title.
    pub title: String,
    /// Seeds `0..seeds` were run.
    pub seeds: u64,
    /// The time each run stopped at, in seconds, if not at quiescence.
    pub until_secs: Option<f64>,
    /// Runs that ended with every original recipient delivered.
    pub all_delivered_runs: u64,
    /// Recipients delivered per run.
    pub delivered: Spread,
    /// Recipients bounced per run.
    pub bounced: Spread,
    /// Recipients still queued per run.
    pub queued: Spread,
    /// RFC 1047 duplicates per run.
    pub duplicates: Spread,
    /// Delivery attempts per run.
    pub attempts: Spread,
    /// Latency percentiles over every delivered recipient of every run.
    pub latency_secs: Latency,
    /// Histogram of attempts per run.
    pub attempts_histogram: Vec<Bucket>,
    /// Runs that stopped on their budget (their figures are up to the
    /// stop).
    pub budget_stopped_runs: u64,
    /// The warning about them, if any: how many, and where the smallest
    /// seed among them stopped.
    #[serde(skip)]
    pub stop_warning: Option<String>,
}

impl SweepReport {
    /// The report of the runs added up in `totals`, of the scenario
    /// titled `title` read from `label`, each run until `until` (or to
    /// quiescence).
    pub fn of(label: &str, title: &str, until: Option<SimTime>, mut totals: Totals) -> Self {
        totals.latencies_micros.sort_unstable();
        let runs = totals.runs;
        SweepReport {
            scenario: label.to_owned(),
            title: title.to_owned(),
            seeds: runs,
            until_secs: until.map(|t| secs_of_micros(t.as_micros())),
            all_delivered_runs: totals.all_delivered_runs,
            delivered: totals.delivered.spread(runs),
            bounced: totals.bounced.spread(runs),
            queued: totals.queued.spread(runs),
            duplicates: totals.duplicates.spread(runs),
            attempts: totals.attempts.spread(runs),
            latency_secs: Latency::of_micros(&totals.latencies_micros),
            attempts_histogram: histogram(&totals.attempts_counts),
            budget_stopped_runs: totals.stopped_runs,
            stop_warning: totals.first_stop.map(|first| {
                format!(
                    "{} in seed {}; {} of {} stopped on the budget: {}",
                    first.stop,
                    first.seed,
                    totals.stopped_runs,
                    plural(runs, "run"),
                    first.advice
                )
            }),
        }
    }

    /// The report as JSON, as `mxlab sweep --json` prints it (pretty,
    /// with a final line end).
    pub fn json(&self) -> String {
        // A report is numbers and strings: it always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The report as the table `mxlab sweep` prints.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        let title = if self.title.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.title)
        };
        writeln!(out, "scenario     {}{title}", self.scenario)?;
        let stop = match self.until_secs {
            Some(u) => format!("until {}", format_latency(u)),
            None => "to quiescence".to_owned(),
        };
        writeln!(
            out,
            "seeds        0..{} ({}, each {stop}); {} with every recipient delivered",
            self.seeds,
            plural(self.seeds, "run"),
            self.all_delivered_runs
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<12} {:>10}   {:>8} {:>10} {:>8}",
            "", "total", "min/run", "mean/run", "max/run"
        )?;
        for (name, s) in self.spreads() {
            writeln!(
                out,
                "{name:<12} {:>10}   {:>8} {:>10.2} {:>8}",
                s.total, s.min, s.mean, s.max
            )?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "latency over {} delivered",
            plural(self.latency_secs.count as u64, "recipient")
        )?;
        for (name, v) in self.percentiles() {
            if let Some(v) = v {
                writeln!(out, "{name:>12} {}", format_latency(v))?;
            }
        }
        if self.budget_stopped_runs > 0 {
            writeln!(
                out,
                "stopped      {} on the budget: their figures are up to the stop",
                plural(self.budget_stopped_runs, "run")
            )?;
        }
        writeln!(out)?;
        writeln!(out, "attempts per run")?;
        let most = self
            .attempts_histogram
            .iter()
            .map(|b| b.runs)
            .max()
            .unwrap_or(0);
        for b in &self.attempts_histogram {
            let len = if most == 0 {
                0
            } else {
                usize::try_from(b.runs.saturating_mul(BAR_WIDTH as u64).div_ceil(most))
                    .unwrap_or(BAR_WIDTH)
            };
            writeln!(
                out,
                "{:>12} {:<BAR_WIDTH$} {}",
                b.label(),
                "#".repeat(len),
                b.runs
            )?;
        }
        Ok(())
    }

    /// The counts' spreads with their names, in the table's order.
    pub fn spreads(&self) -> [(&'static str, &Spread); 5] {
        [
            ("delivered", &self.delivered),
            ("bounced", &self.bounced),
            ("queued", &self.queued),
            ("duplicates", &self.duplicates),
            ("attempts", &self.attempts),
        ]
    }

    /// The latency percentiles shown, with their names: p50, p90, p99
    /// and the largest.
    pub fn percentiles(&self) -> [(&'static str, Option<f64>); 4] {
        let l = &self.latency_secs;
        [
            ("p50", l.p50),
            ("p90", l.p90),
            ("p99", l.p99),
            ("max", l.max),
        ]
    }
}

impl Bucket {
    /// `3`, or `10..=14` for a range.
    pub fn label(&self) -> String {
        if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{}..={}", self.from, self.to)
        }
    }
}

#[cfg(test)]
mod tests;
