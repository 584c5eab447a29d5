//! `mxlab sweep --shard K/N` and `mxlab merge FILES…`: one sweep cut into
//! N shards that run anywhere (a job array, GNU parallel), then put back
//! together into exactly what the unsharded sweep prints.
//!
//! Shard K of N runs the seeds `i` of `0..SEEDS` with `i % N == K - 1`
//! (round robin: each shard gets every N-th seed, so shards take about the
//! same time even when later seeds cost more, and a shard's seeds are
//! known from K, N and SEEDS alone). Its partial result holds the sweep's
//! running totals (sums, minima, maxima, counts, and every delivered
//! recipient's latency in whole microseconds, as the simulation measures
//! it, so nothing is rounded), which merge exactly in any order.
//!
//! A partial also names what it is a part of: the scenario's hash (FNV-1a
//! over its canonical JSON), SEEDS, `--until` and the budget. `merge`
//! refuses shards of different sweeps, a shard given twice and a missing
//! shard, with a message saying which.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use mxlab_sim::sweep::{Column, FirstStop, SweepReport, Totals};
use mxlab_sim::{Budget, Scenario, SimTime};
use serde::{Deserialize, Serialize};

use crate::Outcome;

/// What a partial result says it is, in its `format` field.
const FORMAT: &str = "mxlab-sweep-shard/1";

/// The most shards one sweep is cut into.
pub const MAX_SHARDS: u64 = 1_000_000;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u64,
    /// N.
    pub count: u64,
}

impl Shard {
    /// Whether seed `seed` is this shard's: `seed % N == K - 1`.
    pub fn holds(self, seed: u64) -> bool {
        seed % self.count == self.index - 1
    }

    /// How many of the seeds `0..seeds` are this shard's.
    pub fn seed_count(self, seeds: u64) -> u64 {
        let first = self.index - 1;
        if seeds <= first {
            0
        } else {
            (seeds - first).div_ceil(self.count)
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `--shard K/N`: 1 ≤ K ≤ N ≤ 1,000,000.
pub fn parse_shard(text: &str) -> Result<Shard, String> {
    let bad = |why: &str| format!("invalid shard `{text}`: {why}; expected K/N, e.g. 3/8");
    let (k, n) = text.trim().split_once('/').ok_or_else(|| bad("no `/`"))?;
    let number = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| bad("not whole numbers"))
    };
    let (index, count) = (number(k)?, number(n)?);
    if count == 0 || count > MAX_SHARDS {
        return Err(bad(&format!("N must be 1 to {MAX_SHARDS}")));
    }
    if index == 0 || index > count {
        return Err(bad("K must be 1 to N"));
    }
    Ok(Shard { index, count })
}

/// The hash that names a scenario in a partial: FNV-1a (64 bits) over its
/// canonical JSON, 16 hex digits.
pub fn scenario_hash(scenario: &Scenario) -> String {
    format!(
        "{:016x}",
        mxlab_proto::hash::fnv1a64(scenario.to_json().as_bytes())
    )
}

/// The sweep a partial is a part of: shards merge only when all of this
/// is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Sweep {
    /// The scenario's hash ([`scenario_hash`]).
    scenario_hash: String,
    /// Seeds `0..seeds`, all shards together.
    seeds: u64,
    /// `--until`, in microseconds.
    until_micros: Option<u64>,
    /// Each run's `--max-events`.
    max_events: u64,
    /// Each run's `--max-trace-bytes`.
    max_trace_bytes: u64,
}

/// What `mxlab sweep --shard K/N` writes: one shard's totals and the sweep
/// they belong to. The keys are stable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// `mxlab-sweep-shard/1`.
    format: String,
    /// The FILE argument (printed by `merge` as the sweep prints it).
    scenario: String,
    /// The scenario's title.
    title: String,
    #[serde(flatten)]
    sweep: Sweep,
    /// Which shard.
    shard: Shard,
    /// Runs in this shard.
    runs: u64,
    /// Runs with every original recipient delivered.
    all_delivered_runs: u64,
    delivered: Column,
    bounced: Column,
    queued: Column,
    duplicates: Column,
    attempts: Column,
    /// `[attempts, runs]`: how many runs made each number of attempts.
    attempts_counts: Vec<(u64, u64)>,
    /// Every delivered recipient's latency, in microseconds.
    latencies_micros: Vec<u64>,
    /// Runs that stopped on their budget.
    budget_stopped_runs: u64,
    /// Where the smallest seed that stopped did.
    first_stop: Option<FirstStop>,
}

impl Partial {
    /// The partial result of `shard`, whose runs add up to `totals`.
    pub(crate) fn of(
        label: &str,
        scenario: &Scenario,
        seeds: u64,
        until: Option<SimTime>,
        budget: Budget,
        shard: Shard,
        totals: Totals,
    ) -> Self {
        let mut latencies_micros = totals.latencies_micros;
        latencies_micros.sort_unstable();
        Partial {
            format: FORMAT.to_owned(),
            scenario: label.to_owned(),
            title: scenario.name.clone(),
            sweep: Sweep {
                scenario_hash: scenario_hash(scenario),
                seeds,
                until_micros: until.map(SimTime::as_micros),
                max_events: budget.max_events,
                max_trace_bytes: budget.max_trace_bytes,
            },
            shard,
            runs: totals.runs,
            all_delivered_runs: totals.all_delivered_runs,
            delivered: totals.delivered,
            bounced: totals.bounced,
            queued: totals.queued,
            duplicates: totals.duplicates,
            attempts: totals.attempts,
            attempts_counts: totals.attempts_counts.into_iter().collect(),
            latencies_micros,
            budget_stopped_runs: totals.stopped_runs,
            first_stop: totals.first_stop,
        }
    }

    /// The totals it holds.
    fn totals(&self) -> Totals {
        Totals {
            runs: self.runs,
            all_delivered_runs: self.all_delivered_runs,
            delivered: self.delivered,
            bounced: self.bounced,
            queued: self.queued,
            duplicates: self.duplicates,
            attempts: self.attempts,
            attempts_counts: self.attempts_counts.iter().copied().collect(),
            latencies_micros: self.latencies_micros.clone(),
            stopped_runs: self.budget_stopped_runs,
            first_stop: self.first_stop.clone(),
        }
    }

    /// Writes it as JSON to `output`, or to `out` without one; returns the
    /// budget warning of this shard's runs, if any stopped.
    pub(crate) fn write(
        &self,
        output: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<Option<String>> {
        let text = serde_json::to_string(self)?;
        match output {
            Some(path) => std::fs::write(path, format!("{text}\n"))
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => writeln!(out, "{text}")?,
        }
        Ok(self.first_stop.as_ref().map(|first| {
            format!(
                "{} in seed {}; {} of this shard's {} runs stopped on the budget: {}",
                first.stop, first.seed, self.budget_stopped_runs, self.runs, first.advice
            )
        }))
    }
}

/// Reads one partial; the error names the file and what is wrong.
fn read_partial(path: &Path) -> Result<Partial> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a shard's partial result (not JSON)",
            path.display()
        )
    })?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT) {
        bail!(
            "{}: not a shard's partial result (its `format` is {}, expected {FORMAT:?}; \
             `mxlab sweep --shard K/N` writes one)",
            path.display(),
            format.map_or_else(|| "missing".to_owned(), |f| format!("{f:?}"))
        );
    }
    let partial: Partial = serde_json::from_value(value)
        .with_context(|| format!("{}: a damaged shard's partial result", path.display()))?;
    let s = partial.shard;
    if s.count == 0 || s.index == 0 || s.index > s.count {
        bail!("{}: shard {s} does not exist", path.display());
    }
    Ok(partial)
}

/// The output of `mxlab merge`.
#[derive(Debug, Clone, Copy)]
pub enum MergeFormat {
    /// As `mxlab sweep` prints it.
    Text,
    /// As `mxlab sweep --json` prints it.
    Json,
}

/// `mxlab merge FILES…`: the shards' partial results put together, printed
/// exactly as the unsharded sweep prints them; an error unless the files
/// are every shard of one sweep, once each.
pub fn merge(
    files: &[std::path::PathBuf],
    format: MergeFormat,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let mut shards: BTreeMap<u64, (&Path, Partial)> = BTreeMap::new();
    let mut first: Option<(&Path, Sweep, u64)> = None;
    for path in files {
        let p = read_partial(path)?;
        match &first {
            None => first = Some((path, p.sweep.clone(), p.shard.count)),
            Some((first_path, sweep, count)) => {
                let differ = |what: &str, a: String, b: String| {
                    anyhow::anyhow!(
                        "{} and {} are shards of different sweeps: {what} {a} and {b}",
                        first_path.display(),
                        path.display()
                    )
                };
                if sweep.scenario_hash != p.sweep.scenario_hash {
                    return Err(differ(
                        "scenario hash",
                        sweep.scenario_hash.clone(),
                        p.sweep.scenario_hash,
                    ));
                }
                if sweep.seeds != p.sweep.seeds {
                    return Err(differ(
                        "seeds",
                        format!("0..{}", sweep.seeds),
                        format!("0..{}", p.sweep.seeds),
                    ));
                }
                if sweep.until_micros != p.sweep.until_micros {
                    let until = |u: Option<u64>| {
                        u.map_or_else(
                            || "to quiescence".to_owned(),
                            |us| format!("until {}", SimTime::from_micros(us)),
                        )
                    };
                    return Err(differ(
                        "runs",
                        until(sweep.until_micros),
                        until(p.sweep.until_micros),
                    ));
                }
                if sweep != &p.sweep {
                    return Err(differ(
                        "budgets",
                        format!(
                            "{} events/{} octets",
                            sweep.max_events, sweep.max_trace_bytes
                        ),
                        format!(
                            "{} events/{} octets",
                            p.sweep.max_events, p.sweep.max_trace_bytes
                        ),
                    ));
                }
                if *count != p.shard.count {
                    return Err(differ(
                        "cut into",
                        format!("{count} shards"),
                        format!("{} shards", p.shard.count),
                    ));
                }
            }
        }
        if let Some((other, _)) = shards.get(&p.shard.index) {
            bail!(
                "shard {} is given twice: {} and {}",
                p.shard,
                other.display(),
                path.display()
            );
        }
        shards.insert(p.shard.index, (path, p));
    }
    let Some((_, sweep, count)) = first else {
        bail!("no shards to merge");
    };
    let missing: Vec<String> = (1..=count)
        .filter(|k| !shards.contains_key(k))
        .take(10)
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        let left = (count - shards.len() as u64).saturating_sub(missing.len() as u64);
        bail!(
            "{} of {count} shards missing: {}{}",
            count - shards.len() as u64,
            missing.join(", "),
            if left > 0 {
                format!(" and {left} more")
            } else {
                String::new()
            }
        );
    }
    // Every shard ran its share of the seeds, no more, no fewer.
    for (path, p) in shards.values() {
        let expected = p.shard.seed_count(sweep.seeds);
        if p.runs != expected {
            bail!(
                "{}: shard {} holds {} runs, but its share of seeds 0..{} is {expected}",
                path.display(),
                p.shard,
                p.runs,
                sweep.seeds
            );
        }
    }
    let (label, title) = shards
        .values()
        .next()
        .map(|(_, p)| (p.scenario.clone(), p.title.clone()))
        .unwrap_or_default();
    let mut totals = Totals::default();
    for (_, p) in shards.values() {
        totals.merge(p.totals());
    }
    let until = sweep.until_micros.map(SimTime::from_micros);
    let report = SweepReport::of(&label, &title, until, totals);
    match format {
        MergeFormat::Json => out.write_all(report.json().as_bytes())?,
        MergeFormat::Text => out.write_all(report.text().as_bytes())?,
    }
    Ok(match report.stop_warning {
        Some(warning) => Outcome::Stopped(warning),
        None => Outcome::Success,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_k_of_n() {
        assert_eq!(parse_shard("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(parse_shard(" 4/4 "), Ok(Shard { index: 4, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "4", "a/b", "-1/4", "1/1000001"] {
            let e = parse_shard(bad);
            assert!(matches!(&e, Err(m) if m.contains("K/N")), "{bad}: {e:?}");
        }
    }

    #[test]
    fn shards_split_the_seeds_once_each() {
        for seeds in [0, 1, 3, 4, 10, 101] {
            for count in 1..=6 {
                let mut seen = vec![0; seeds as usize];
                for index in 1..=count {
                    let s = Shard { index, count };
                    let mine: Vec<u64> = (0..seeds).filter(|&i| s.holds(i)).collect();
                    assert_eq!(mine.len() as u64, s.seed_count(seeds), "{s} of {seeds}");
                    for i in mine {
                        seen[i as usize] += 1;
                    }
                }
                assert!(
                    seen.iter().all(|&n| n == 1),
                    "{seeds} seeds, {count} shards"
                );
            }
        }
    }
}
