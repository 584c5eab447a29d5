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
use serde::{Deserialize, Serialize};

use crate::duration::format_latency;
use crate::run::{raise_advice, simulate, Latency};
use crate::shard::{Partial, Shard};
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

/// One count over the runs so far: its sum, smallest and largest (no
/// run yet: smallest `u64::MAX`, largest 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Column {
    pub(crate) total: u64,
    pub(crate) min: u64,
    pub(crate) max: u64,
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
pub(crate) struct Totals {
    pub(crate) runs: u64,
    pub(crate) all_delivered_runs: u64,
    pub(crate) delivered: Column,
    pub(crate) bounced: Column,
    pub(crate) queued: Column,
    pub(crate) duplicates: Column,
    pub(crate) attempts: Column,
    /// How many runs made each number of attempts.
    pub(crate) attempts_counts: BTreeMap<u64, u64>,
    /// Every delivered recipient's latency, in no particular order.
    pub(crate) latencies: Vec<f64>,
    /// Runs that stopped on their budget.
    pub(crate) stopped_runs: u64,
    /// The stop of the smallest seed that stopped.
    pub(crate) first_stop: Option<FirstStop>,
}

/// Where the smallest seed that stopped on its budget stopped, as the
/// sweep's warning says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FirstStop {
    /// The seed.
    pub(crate) seed: u64,
    /// `stopped at … after … events (the budget of …)`.
    pub(crate) stop: String,
    /// `raise --max-events or shorten the horizon`.
    pub(crate) advice: String,
}

impl Totals {
    fn add(mut self, (seed, s, stop): (u64, Summary, Option<BudgetStop>)) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        self.runs += 1;
        if let Some(stop) = stop {
            self.stopped_runs += 1;
            self.keep_first_stop(FirstStop {
                seed,
                stop: stop.to_string(),
                advice: raise_advice(&stop),
            });
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

    fn keep_first_stop(&mut self, stop: FirstStop) {
        if self.first_stop.as_ref().is_none_or(|s| stop.seed < s.seed) {
            self.first_stop = Some(stop);
        }
    }

    pub(crate) fn merge(mut self, mut other: Totals) -> Self {
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
    pub(crate) fn of(label: &str, title: &str, until: Option<SimTime>, mut totals: Totals) -> Self {
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
            stop_warning: totals.first_stop.map(|first| {
                format!(
                    "{} in seed {}; {} of {} stopped on the budget: {}",
                    first.stop,
                    first.seed,
                    totals.stopped_runs,
                    plural(usize::try_from(runs).unwrap_or(usize::MAX), "run"),
                    first.advice
                )
            }),
        }
    }

    pub(crate) fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
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

/// What `mxlab sweep` prints.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    /// The distributions as a table.
    Text,
    /// The distributions as JSON ([`SweepReport`]).
    Json,
    /// One CSV row per seed ([`write_csv`]).
    Csv,
    /// Only this shard's seeds, as a partial result for `mxlab merge`,
    /// to standard output or a file.
    Shard(Shard, Option<&'a std::path::Path>),
}

/// One run: its seed, summary and budget stop.
type RunResult = (u64, Summary, Option<BudgetStop>);

pub fn sweep(
    spec: &str,
    seeds: u64,
    until: Option<SimTime>,
    budget: Budget,
    mode: Mode<'_>,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    let shard = match mode {
        Mode::Shard(shard, _) => Some(shard),
        _ => None,
    };
    let mine = move |seed: &u64| shard.is_none_or(|s| s.holds(*seed));
    let bar = progress_bar(shard.map_or(seeds, |s| s.seed_count(seeds)))?;
    let one = |seed: u64| -> RunResult {
        let sim = simulate(scenario.clone(), seed, until, budget);
        bar.inc(1);
        (seed, sim.summary(), sim.stopped().cloned())
    };
    let totals = if let Mode::Csv = mode {
        // Rows in seed order (rayon keeps the order of a collect).
        let runs: Vec<RunResult> = (0..seeds).into_par_iter().map(one).collect();
        bar.finish_and_clear();
        write_csv(&runs, out)?;
        runs.into_iter().fold(Totals::default(), Totals::add)
    } else {
        let totals = (0..seeds)
            .into_par_iter()
            .filter(mine)
            .map(one)
            .fold(Totals::default, Totals::add)
            .reduce(Totals::default, Totals::merge);
        bar.finish_and_clear();
        totals
    };
    let warning = match mode {
        Mode::Csv => SweepReport::of(&source.label, &scenario.name, until, totals).stop_warning,
        Mode::Shard(shard, output) => {
            let partial = Partial::of(
                &source.label,
                &scenario,
                seeds,
                until,
                budget,
                shard,
                totals,
            );
            partial.write(output, out)?
        }
        Mode::Text | Mode::Json => {
            let report = SweepReport::of(&source.label, &scenario.name, until, totals);
            if let Mode::Json = mode {
                serde_json::to_writer_pretty(&mut *out, &report)?;
                writeln!(out)?;
            } else {
                report.write_text(out)?;
            }
            report.stop_warning
        }
    };
    Ok(match warning {
        Some(warning) => Outcome::Stopped(warning),
        None => Outcome::Success,
    })
}

/// The columns of `mxlab sweep --csv`, in order.
pub const CSV_HEADER: &str = "seed,delivered,bounced,queued,duplicates,attempts,\
latency_count,latency_p50_secs,latency_p90_secs,latency_p99_secs,latency_max_secs,\
stopped_on_budget";

/// One CSV row per run, in the order given, after [`CSV_HEADER`]: the
/// counts the sweep's table sums, the run's latency percentiles in
/// seconds (empty when nothing was delivered) and whether it stopped on
/// its budget (`true`/`false`). Every field is a number or a word of
/// letters, so none needs quoting (RFC 4180); lines end in LF.
pub fn write_csv(runs: &[RunResult], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    for (seed, s, stop) in runs {
        let l = Latency::of(s);
        let secs = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        writeln!(
            out,
            "{seed},{},{},{},{},{},{},{},{},{},{},{}",
            s.delivered,
            s.bounced,
            s.queued,
            s.duplicates,
            s.attempts,
            l.count,
            secs(l.p50),
            secs(l.p90),
            secs(l.p99),
            secs(l.max),
            stop.is_some()
        )?;
    }
    Ok(())
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
