//! `mxlab sweep FILE --seeds N`: seeds `0..N` on every core (rayon), a
//! progress bar on a terminal's standard error (indicatif), and the
//! distributions: totals, per-run spread, latency percentiles over every
//! delivered recipient, and a histogram of attempts per run.
//!
//! Each run's summary is added into running totals as it finishes (no
//! list of runs is kept: memory does not grow with N, only with the
//! delivered recipients whose latencies make the percentiles). The output
//! depends only on the scenario and N, never on the number of threads:
//! every total is a sum, a minimum, a maximum or a count, and the
//! latencies are sorted before the percentiles are read.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxlab_sim::{Budget, BudgetStop, SimTime, Summary};
use rayon::prelude::*;
use serde::Serialize;

use crate::duration::format_latency;
use crate::run::{raise_advice, simulate, Latency};
use crate::{plural, source, Outcome};

/// The most seeds one sweep runs.
pub const MAX_SEEDS: u64 = 1_000_000;

/// Most histogram rows; beyond, values are grouped into equal ranges.
const MAX_HISTOGRAM_ROWS: u64 = 20;
/// Width of the longest histogram bar.
const BAR_WIDTH: usize = 40;

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

/// One count over the runs so far: its sum, smallest and largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Column {
    total: u64,
    min: u64,
    max: u64,
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
    fn add(&mut self, v: u64) {
        self.total = self.total.saturating_add(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    fn merge(&mut self, other: Column) {
        self.total = self.total.saturating_add(other.total);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    fn spread(&self, runs: u64) -> Spread {
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

/// What the runs so far add up to.
#[derive(Debug, Clone, Default)]
struct Totals {
    runs: u64,
    all_delivered_runs: u64,
    delivered: Column,
    bounced: Column,
    queued: Column,
    duplicates: Column,
    attempts: Column,
    /// How many runs made each number of attempts.
    attempts_counts: BTreeMap<u64, u64>,
    /// Every delivered recipient's latency, in no particular order.
    latencies: Vec<f64>,
    /// Runs that stopped on their budget.
    stopped_runs: u64,
    /// The stop of the smallest seed that stopped.
    first_stop: Option<(u64, BudgetStop)>,
}

impl Totals {
    fn add(mut self, (seed, s, stop): (u64, Summary, Option<BudgetStop>)) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        self.runs += 1;
        if let Some(stop) = stop {
            self.stopped_runs += 1;
            self.keep_first_stop(seed, stop);
        }
        if s.bounced == 0 && s.queued == 0 {
            self.all_delivered_runs += 1;
        }
        self.delivered.add(n(s.delivered));
        self.bounced.add(n(s.bounced));
        self.queued.add(n(s.queued));
        self.duplicates.add(n(s.duplicates));
        self.attempts.add(n(s.attempts));
        *self.attempts_counts.entry(n(s.attempts)).or_default() += 1;
        self.latencies.extend_from_slice(&s.latencies_secs);
        self
    }

    fn keep_first_stop(&mut self, seed: u64, stop: BudgetStop) {
        if self.first_stop.as_ref().is_none_or(|(s, _)| seed < *s) {
            self.first_stop = Some((seed, stop));
        }
    }

    fn merge(mut self, mut other: Totals) -> Self {
        self.runs += other.runs;
        self.stopped_runs += other.stopped_runs;
        if let Some((seed, stop)) = other.first_stop.take() {
            self.keep_first_stop(seed, stop);
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
        if self.latencies.len() < other.latencies.len() {
            std::mem::swap(&mut self.latencies, &mut other.latencies);
        }
        self.latencies.extend_from_slice(&other.latencies);
        self
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

/// What `mxlab sweep --json` prints. The keys are stable.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// The FILE argument.
    pub scenario: String,
    /// The scenario's title.
    pub title: String,
    /// Seeds `0..seeds` were run.
    pub seeds: u64,
    /// The `--until` time in seconds, if one was given.
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
    /// The report of the runs added up in `totals`.
    fn of(label: &str, title: &str, until: Option<SimTime>, mut totals: Totals) -> Self {
        totals.latencies.sort_by(f64::total_cmp);
        let runs = totals.runs;
        let all = Summary {
            latencies_secs: totals.latencies,
            ..Summary::default()
        };
        SweepReport {
            scenario: label.to_owned(),
            title: title.to_owned(),
            seeds: runs,
            until_secs: until.map(|t| t.as_micros() as f64 / 1e6),
            all_delivered_runs: totals.all_delivered_runs,
            delivered: totals.delivered.spread(runs),
            bounced: totals.bounced.spread(runs),
            queued: totals.queued.spread(runs),
            duplicates: totals.duplicates.spread(runs),
            attempts: totals.attempts.spread(runs),
            latency_secs: Latency::of(&all),
            attempts_histogram: histogram(&totals.attempts_counts),
            budget_stopped_runs: totals.stopped_runs,
            stop_warning: totals.first_stop.map(|(seed, stop)| {
                format!(
                    "{stop} in seed {seed}; {} of {} stopped on the budget: {}",
                    totals.stopped_runs,
                    plural(usize::try_from(runs).unwrap_or(usize::MAX), "run"),
                    raise_advice(&stop)
                )
            }),
        }
    }

    fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
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
            plural(usize::try_from(self.seeds).unwrap_or(usize::MAX), "run"),
            self.all_delivered_runs
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<12} {:>10}   {:>8} {:>10} {:>8}",
            "", "total", "min/run", "mean/run", "max/run"
        )?;
        for (name, s) in [
            ("delivered", &self.delivered),
            ("bounced", &self.bounced),
            ("queued", &self.queued),
            ("duplicates", &self.duplicates),
            ("attempts", &self.attempts),
        ] {
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
            plural(self.latency_secs.count, "recipient")
        )?;
        let l = &self.latency_secs;
        for (name, v) in [
            ("p50", l.p50),
            ("p90", l.p90),
            ("p99", l.p99),
            ("max", l.max),
        ] {
            if let Some(v) = v {
                writeln!(out, "{name:>12} {}", format_latency(v))?;
            }
        }
        if self.budget_stopped_runs > 0 {
            writeln!(
                out,
                "stopped      {} on the budget: their figures are up to the stop",
                plural(
                    usize::try_from(self.budget_stopped_runs).unwrap_or(usize::MAX),
                    "run"
                )
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
            let label = if b.from == b.to {
                b.from.to_string()
            } else {
                format!("{}..={}", b.from, b.to)
            };
            let len = if most == 0 {
                0
            } else {
                usize::try_from(b.runs.saturating_mul(BAR_WIDTH as u64).div_ceil(most))
                    .unwrap_or(BAR_WIDTH)
            };
            writeln!(
                out,
                "{label:>12} {:<BAR_WIDTH$} {}",
                "#".repeat(len),
                b.runs
            )?;
        }
        Ok(())
    }
}

/// How many of `values` fall on each value, or (beyond
/// [`MAX_HISTOGRAM_ROWS`] distinct values) in each of equal ranges from the
/// smallest to the largest. Empty ranges are kept, so gaps show.
fn histogram(counts: &BTreeMap<u64, u64>) -> Vec<Bucket> {
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
    let span = hi - lo + 1;
    let width = span.div_ceil(MAX_HISTOGRAM_ROWS);
    let mut buckets: Vec<Bucket> = (0..span.div_ceil(width))
        .map(|i| Bucket {
            from: lo + i * width,
            to: (lo + (i + 1) * width - 1).min(hi),
            runs: 0,
        })
        .collect();
    for (&v, &runs) in counts {
        let i = usize::try_from((v - lo) / width).unwrap_or(usize::MAX);
        if let Some(b) = buckets.get_mut(i) {
            b.runs += runs;
        }
    }
    buckets
}

/// A bar on standard error when it is a terminal; hidden otherwise.
fn progress_bar(len: u64) -> Result<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return Ok(ProgressBar::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} seeds, eta {eta}")?
            .progress_chars("=> "),
    );
    Ok(bar)
}

pub fn sweep(
    spec: &str,
    seeds: u64,
    until: Option<SimTime>,
    budget: Budget,
    json: bool,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    let bar = progress_bar(seeds)?;
    let totals = (0..seeds)
        .into_par_iter()
        .map(|seed| {
            let sim = simulate(scenario.clone(), seed, until, budget);
            bar.inc(1);
            (seed, sim.summary(), sim.stopped().cloned())
        })
        .fold(Totals::default, Totals::add)
        .reduce(Totals::default, Totals::merge);
    bar.finish_and_clear();
    let report = SweepReport::of(&source.label, &scenario.name, until, totals);
    if json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        report.write_text(out)?;
    }
    Ok(match report.stop_warning {
        Some(warning) => Outcome::Stopped(warning),
        None => Outcome::Success,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: &[u64]) -> Vec<Bucket> {
        let mut counts = BTreeMap::new();
        for v in values {
            *counts.entry(*v).or_default() += 1;
        }
        super::histogram(&counts)
    }

    fn rows(h: &[Bucket]) -> Vec<(u64, u64, u64)> {
        h.iter().map(|b| (b.from, b.to, b.runs)).collect()
    }

    #[test]
    fn few_values_get_a_row_each() {
        assert_eq!(
            rows(&histogram(&[3, 2, 3, 7])),
            [(2, 2, 1), (3, 3, 2), (7, 7, 1)]
        );
        assert!(histogram(&[]).is_empty());
    }

    #[test]
    fn many_values_are_grouped_into_ranges() {
        let values: Vec<u64> = (100..200).collect();
        let h = histogram(&values);
        assert_eq!(h.len(), 20);
        assert_eq!(rows(&h[..1]), [(100, 104, 5)]);
        assert_eq!(h.iter().map(|b| b.runs).sum::<u64>(), 100);
        assert_eq!(h.last().map(|b| b.to), Some(199));
    }

    #[test]
    fn spread_of_counts() {
        let mut c = Column::default();
        for v in [1, 2, 3, 6] {
            c.add(v);
        }
        assert_eq!(
            c.spread(4),
            Spread {
                total: 12,
                min: 1,
                mean: 3.0,
                max: 6
            }
        );
        assert_eq!(Column::default().spread(0).min, 0);
    }

    #[test]
    fn totals_add_up_the_same_in_any_order() {
        let run = |delivered: usize, attempts: usize, latency: f64| Summary {
            delivered,
            attempts,
            latencies_secs: vec![latency],
            ..Summary::default()
        };
        let one = Totals::default()
            .add((0, run(1, 2, 0.5), None))
            .add((1, run(3, 2, 0.1), None));
        let other = Totals::default().add((2, run(2, 5, 9.0), None));
        let a = SweepReport::of("x", "", None, one.clone().merge(other.clone()));
        let b = SweepReport::of("x", "", None, other.merge(one));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!(a.seeds, 3);
        assert_eq!(a.delivered.total, 6);
        assert_eq!(a.latency_secs.max, Some(9.0));
        assert_eq!(rows(&a.attempts_histogram), [(2, 2, 2), (5, 5, 1)]);
    }
}
