//! `mxlab run FILE`: one seed, and what it achieved, as a table or JSON.
//!
//! Every run has a budget ([`Budget`]: `--max-events`,
//! `--max-trace-bytes`); a run that spends it stops at that instant, and
//! what it computed up to there is reported with a warning saying where it
//! stopped and which flag to raise (exit code 3). On a terminal, a run
//! longer than a second shows a progress bar in simulated time.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxlab_sim::budget::Limit;
pub use mxlab_sim::sweep::Latency;
use mxlab_sim::sweep::{format_latency, format_secs};
use mxlab_sim::{Budget, BudgetStop, Scenario, Sim, SimTime};
use serde::Serialize;

use crate::{source, Outcome};

/// The options of `mxlab run`.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// World seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    /// Stop here instead of at quiescence.
    pub until: Option<SimTime>,
    /// JSON instead of the table.
    pub json: bool,
    /// Print the trace hash too (always in the JSON).
    pub trace_hash: bool,
    /// The run's budget.
    pub budget: Budget,
    /// Write the trace, transcripts and mailboxes under this directory
    /// ([`crate::export`]).
    pub export: Option<&'a std::path::Path>,
}

/// Slices of simulated time a shown run is cut into.
const SLICES: u64 = 1000;

/// As [`mxlab_sim::sweep::simulate`], in slices of simulated time, with a progress bar on
/// standard error once the run has taken a second, if it is a terminal.
/// The trace is the same as in one go.
pub fn simulate_shown(
    scenario: Scenario,
    seed: u64,
    until: Option<SimTime>,
    budget: Budget,
) -> Sim {
    let mut sim = Sim::new(scenario, seed);
    sim.set_budget(budget);
    run_shown(sim, until)
}

/// As [`simulate_shown`], for a simulation made (and set up) by the
/// caller: runs `sim` until `until` (capped at the horizon) or to
/// quiescence.
pub fn run_shown(mut sim: Sim, until: Option<SimTime>) -> Sim {
    let horizon = SimTime::from_secs(sim.scenario().horizon_secs);
    let end = until.map_or(horizon, |t| t.min(horizon));
    let step = Duration::from_micros((end.as_micros() / SLICES).max(1_000_000));
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let bar = ProgressBar::hidden();
    bar.set_length(end.as_secs().max(1));
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    let mut shown = false;
    let mut t = SimTime::ZERO;
    loop {
        t = t.saturating_add(step).min(end);
        sim.run_until(t);
        if t >= end || sim.stopped().is_some() {
            break;
        }
        if terminal && !shown && started.elapsed() >= Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        if shown {
            bar.set_position(t.as_secs());
            bar.set_message(format!(
                "simulated {} of {}, {} events",
                format_secs(t.as_secs()),
                format_secs(end.as_secs()),
                mxlab_sim::budget::grouped(sim.trace().len() as u64)
            ));
        }
    }
    bar.finish_and_clear();
    sim
}

/// The warning for a run that stopped on its budget: when, after how
/// much, and which flag to raise.
pub fn stop_warning(stop: &BudgetStop) -> String {
    format!("{stop}: {}", raise_advice(stop))
}

/// `raise --max-events or shorten the horizon` (or `--max-trace-bytes`).
pub fn raise_advice(stop: &BudgetStop) -> String {
    let flag = match stop.limit {
        Limit::Events => "--max-events",
        Limit::TraceBytes => "--max-trace-bytes",
    };
    format!("raise {flag} or shorten the horizon")
}

/// A run that stopped on its budget, in `mxlab run --json`.
#[derive(Debug, Clone, Serialize)]
pub struct StopReport {
    /// The simulated instant it stopped at, in seconds.
    pub at_secs: f64,
    /// Events written.
    pub events: u64,
    /// Bytes of trace written, approximately.
    pub trace_bytes: u64,
    /// `events` or `trace_bytes`: the limit reached.
    pub limit: Limit,
    /// The warning, as printed.
    pub message: String,
}

impl StopReport {
    fn of(stop: &BudgetStop) -> Self {
        StopReport {
            at_secs: micros_to_secs(stop.at),
            events: stop.events,
            trace_bytes: stop.trace_bytes,
            limit: stop.limit,
            message: stop_warning(stop),
        }
    }
}

/// What `mxlab run --json` prints. The keys are stable: scripts read them.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The FILE argument.
    pub scenario: String,
    /// The scenario's title.
    pub title: String,
    /// The world seed used.
    pub seed: u64,
    /// The scenario's horizon, in seconds.
    pub horizon_secs: u64,
    /// The `--until` time in seconds, if one was given.
    pub until_secs: Option<f64>,
    /// The virtual clock at the end, in seconds: the `--until` time or the
    /// horizon, whichever is earlier.
    pub clock_secs: f64,
    /// The time of the trace's last event, in seconds (0 when empty).
    pub last_event_secs: f64,
    #[serde(skip)]
    clock: SimTime,
    #[serde(skip)]
    last_event: SimTime,
    /// Whether every queue is empty at the end.
    pub quiescent: bool,
    /// Recipients delivered to a mailbox (duplicates not counted).
    pub delivered: usize,
    /// Recipients bounced.
    pub bounced: usize,
    /// Recipients still queued.
    pub queued: usize,
    /// RFC 1047 duplicates delivered.
    pub duplicates: usize,
    /// Delivery attempts (connections tried), all hosts.
    pub attempts: usize,
    /// Delivery latency percentiles.
    pub latency_secs: Latency,
    /// Events in the trace.
    pub events: usize,
    /// SMTP connections opened.
    pub connections: usize,
    /// The trace hash (16 hex digits), when asked for (always in JSON).
    pub trace_hash: Option<String>,
    /// Where the run stopped on its budget, if it did (`null` otherwise).
    pub stopped: Option<StopReport>,
}

impl Report {
    /// The report of a finished run of the scenario read from `label`;
    /// hashing the trace costs a pass over it, so only `with_hash`.
    pub fn of(label: &str, sim: &Sim, until: Option<SimTime>, with_hash: bool) -> Self {
        let summary = sim.summary();
        let trace = sim.trace();
        let last_event = trace.end().unwrap_or(SimTime::ZERO);
        Report {
            scenario: label.to_owned(),
            title: sim.scenario().name.clone(),
            seed: sim.seed(),
            horizon_secs: sim.scenario().horizon_secs,
            until_secs: until.map(micros_to_secs),
            clock_secs: micros_to_secs(sim.now()),
            clock: sim.now(),
            last_event_secs: micros_to_secs(last_event),
            last_event,
            quiescent: sim.hosts().iter().all(|h| h.queue.is_empty()),
            delivered: summary.delivered,
            bounced: summary.bounced,
            queued: summary.queued,
            duplicates: summary.duplicates,
            attempts: summary.attempts,
            latency_secs: Latency::of(&summary),
            events: trace.len(),
            connections: trace.connections().len(),
            trace_hash: with_hash.then(|| trace.hash_hex()),
            stopped: sim.stopped().map(StopReport::of),
        }
    }

    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let title = if self.title.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.title)
        };
        let stop = match (&self.stopped, self.until_secs) {
            (Some(_), _) => "until its budget was spent".to_owned(),
            (None, Some(u)) => format!("until {}", format_latency(u)),
            (None, None) => "to quiescence".to_owned(),
        };
        writeln!(out, "scenario     {}{title}", self.scenario)?;
        writeln!(out, "seed         {}", self.seed)?;
        writeln!(
            out,
            "ran          {stop}: clock at {} (horizon {}), last event at {}; {}",
            self.clock,
            format_secs(self.horizon_secs),
            self.last_event,
            if self.quiescent {
                "every queue empty"
            } else {
                "queues not empty"
            }
        )?;
        writeln!(out, "delivered    {}", self.delivered)?;
        writeln!(out, "bounced      {}", self.bounced)?;
        writeln!(out, "queued       {}", self.queued)?;
        writeln!(out, "duplicates   {}", self.duplicates)?;
        writeln!(out, "attempts     {}", self.attempts)?;
        writeln!(out, "latency      {}", self.latency_secs.line())?;
        writeln!(
            out,
            "trace        {} events, {} connections",
            self.events, self.connections
        )?;
        if let Some(hash) = &self.trace_hash {
            writeln!(out, "trace hash   {hash}")?;
        }
        if let Some(stop) = &self.stopped {
            writeln!(out, "budget       {}", stop.message)?;
        }
        Ok(())
    }
}

fn micros_to_secs(t: SimTime) -> f64 {
    t.as_micros() as f64 / 1e6
}

pub fn run(spec: &str, options: &Options<'_>, out: &mut dyn Write) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    let seed = options.seed.unwrap_or(scenario.seed);
    let mut sim = Sim::new(scenario, seed);
    sim.set_budget(options.budget);
    sim.keep_messages(options.export.is_some());
    let sim = run_shown(sim, options.until);
    // Written before the summary, so that a summary means the files are
    // there (also for a run stopped on its budget: its files cover the
    // run up to the stop).
    if let Some(dir) = options.export {
        let written = crate::export::export(&sim, dir)?;
        let line = format!(
            "exported     trace.json, transcripts.txt, dns.txt and {} in {} under {}",
            crate::plural(written.messages, "message"),
            crate::plural(written.mailboxes, "mailbox folder"),
            dir.display()
        );
        // The JSON stays the report alone.
        if !options.json {
            writeln!(out, "{line}")?;
        }
    }
    let with_hash = options.json || options.trace_hash;
    let report = Report::of(&source.label, &sim, options.until, with_hash);
    if options.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        report.write_table(out)?;
    }
    Ok(match sim.stopped() {
        Some(stop) => Outcome::Stopped(stop_warning(stop)),
        None => Outcome::Success,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlab_sim::presets::PRESETS;
    use mxlab_sim::sweep::simulate;

    #[test]
    fn a_run_in_slices_writes_the_trace_of_a_run_in_one_go() {
        for (name, json) in PRESETS {
            let scenario = Scenario::from_json(json).unwrap();
            let whole = simulate(scenario.clone(), 3, None, Budget::DEFAULT);
            let sliced = simulate_shown(scenario, 3, None, Budget::DEFAULT);
            assert_eq!(
                sliced.trace().hash_hex(),
                whole.trace().hash_hex(),
                "{name}"
            );
            assert_eq!(sliced.now(), whole.now(), "{name}");
        }
    }

    #[test]
    fn a_budget_stop_names_the_flag_to_raise() {
        let mut sim = Sim::new(Scenario::from_json(PRESETS[0].1).unwrap(), 1);
        sim.set_budget(Budget {
            max_events: 5,
            max_trace_bytes: u64::MAX,
        });
        sim.run_to_quiescence();
        let stop = sim.stopped().unwrap();
        let warning = stop_warning(stop);
        assert!(warning.starts_with("stopped at "), "{warning}");
        assert!(
            warning.ends_with(": raise --max-events or shorten the horizon"),
            "{warning}"
        );
    }
}
