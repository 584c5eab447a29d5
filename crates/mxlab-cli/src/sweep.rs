//! `mxlab sweep FILE --seeds N`: seeds `0..N` on every core (rayon), a
//! progress bar on a terminal's standard error (indicatif), and the
//! distributions: totals, per-run spread, latency percentiles over every
//! delivered recipient, and a histogram of attempts per run.
//!
//! The output depends only on the scenario and N, never on the number of
//! threads: runs are sorted by seed before anything is added up.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxlab_sim::{SimTime, Summary};
use rayon::prelude::*;
use serde::Serialize;

use crate::duration::format_latency;
use crate::run::{simulate, Latency};
use crate::{plural, source, Outcome};

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

impl Spread {
    fn of(values: &[u64]) -> Self {
        let total: u64 = values.iter().sum();
        Spread {
            total,
            min: values.iter().copied().min().unwrap_or(0),
            mean: if values.is_empty() {
                0.0
            } else {
                total as f64 / values.len() as f64
            },
            max: values.iter().copied().max().unwrap_or(0),
        }
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
}

impl SweepReport {
    /// The report of `runs`, which must be sorted by seed.
    fn of(label: &str, title: &str, until: Option<SimTime>, runs: &[(u64, Summary)]) -> Self {
        let column = |f: fn(&Summary) -> usize| -> Vec<u64> {
            runs.iter()
                .map(|(_, s)| u64::try_from(f(s)).unwrap_or(u64::MAX))
                .collect()
        };
        let mut latencies: Vec<f64> = runs
            .iter()
            .flat_map(|(_, s)| s.latencies_secs.iter().copied())
            .collect();
        latencies.sort_by(f64::total_cmp);
        let all = Summary {
            latencies_secs: latencies,
            ..Summary::default()
        };
        let attempts = column(|s| s.attempts);
        SweepReport {
            scenario: label.to_owned(),
            title: title.to_owned(),
            seeds: runs.len() as u64,
            until_secs: until.map(|t| t.as_micros() as f64 / 1e6),
            all_delivered_runs: runs
                .iter()
                .filter(|(_, s)| s.bounced == 0 && s.queued == 0)
                .count() as u64,
            delivered: Spread::of(&column(|s| s.delivered)),
            bounced: Spread::of(&column(|s| s.bounced)),
            queued: Spread::of(&column(|s| s.queued)),
            duplicates: Spread::of(&column(|s| s.duplicates)),
            latency_secs: Latency::of(&all),
            attempts_histogram: histogram(&attempts),
            attempts: Spread::of(&attempts),
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
fn histogram(values: &[u64]) -> Vec<Bucket> {
    let mut counts: BTreeMap<u64, u64> = BTreeMap::new();
    for v in values {
        *counts.entry(*v).or_default() += 1;
    }
    let (Some(&lo), Some(&hi)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Vec::new();
    };
    if counts.len() as u64 <= MAX_HISTOGRAM_ROWS {
        return counts
            .into_iter()
            .map(|(v, runs)| Bucket {
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
    for (v, runs) in counts {
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
    json: bool,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    let bar = progress_bar(seeds)?;
    let mut runs: Vec<(u64, Summary)> = (0..seeds)
        .into_par_iter()
        .map(|seed| {
            let summary = simulate(scenario.clone(), seed, until).summary();
            bar.inc(1);
            (seed, summary)
        })
        .collect();
    bar.finish_and_clear();
    runs.sort_by_key(|(seed, _)| *seed);
    let report = SweepReport::of(&source.label, &scenario.name, until, &runs);
    if json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        report.write_text(out)?;
    }
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            Spread::of(&[1, 2, 3, 6]),
            Spread {
                total: 12,
                min: 1,
                mean: 3.0,
                max: 6
            }
        );
    }
}
