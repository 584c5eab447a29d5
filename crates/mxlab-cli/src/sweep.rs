//! `mxlab sweep FILE --seeds N`: seeds `0..N` on every core (rayon), a
//! progress bar on a terminal's standard error (indicatif), and the
//! distributions: totals, per-run spread, latency percentiles over every
//! delivered recipient, and a histogram of attempts per run.
//!
//! Each run's outcome is added into running totals as it finishes (no
//! list of runs is kept: memory does not grow with N, only with the
//! delivered recipients whose latencies make the percentiles). The totals,
//! the report and the CSV rows are `mxlab_sim::sweep`'s, the same the
//! app's Sweep panel computes. The output depends only on the scenario
//! and N, never on the number of threads: every total is a sum, a
//! minimum, a maximum or a count, and the latencies are sorted before the
//! percentiles are read.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxlab_sim::sweep::{simulate, SweepReport, SweepRun, Totals, CSV_HEADER};
use mxlab_sim::{Budget, SimTime};
use rayon::prelude::*;

use crate::run::raise_advice;
use crate::shard::{Partial, Shard};
use crate::{source, Outcome};

/// The most seeds one sweep runs.
pub const MAX_SEEDS: u64 = 1_000_000;

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

/// Adds a run into totals, as a fold.
fn added(mut totals: Totals, run: SweepRun) -> Totals {
    totals.add(&run);
    totals
}

/// Puts two threads' totals together, as a reduce.
fn merged(mut totals: Totals, other: Totals) -> Totals {
    totals.merge(other);
    totals
}

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
    let one = |seed: u64| -> SweepRun {
        let sim = simulate(scenario.clone(), seed, until, budget);
        bar.inc(1);
        SweepRun::of(seed, &sim, raise_advice)
    };
    let totals = if let Mode::Csv = mode {
        // Rows in seed order (rayon keeps the order of a collect).
        let runs: Vec<SweepRun> = (0..seeds).into_par_iter().map(one).collect();
        bar.finish_and_clear();
        write_csv(&runs, out)?;
        runs.into_iter().fold(Totals::default(), added)
    } else {
        let totals = (0..seeds)
            .into_par_iter()
            .filter(mine)
            .map(one)
            .fold(Totals::default, added)
            .reduce(Totals::default, merged);
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
                out.write_all(report.json().as_bytes())?;
            } else {
                out.write_all(report.text().as_bytes())?;
            }
            report.stop_warning
        }
    };
    Ok(match warning {
        Some(warning) => Outcome::Stopped(warning),
        None => Outcome::Success,
    })
}

/// One CSV row per run, in the order given, after [`CSV_HEADER`]
/// ([`SweepRun::csv_row`]); lines end in LF.
pub fn write_csv(runs: &[SweepRun], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    for run in runs {
        writeln!(out, "{}", run.csv_row())?;
    }
    Ok(())
}
