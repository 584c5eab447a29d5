//! `mxlab run FILE`: one seed, and what it achieved, as a table or JSON.

use std::io::Write;

use anyhow::Result;
use mxlab_sim::{Scenario, Sim, SimTime, Summary};
use serde::Serialize;

use crate::duration::{format_latency, format_secs};
use crate::{source, Outcome};

/// The options of `mxlab run`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// World seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    /// Stop here instead of at quiescence.
    pub until: Option<SimTime>,
    /// JSON instead of the table.
    pub json: bool,
    /// Print the trace hash too (always in the JSON).
    pub trace_hash: bool,
}

/// Runs `scenario` with `seed` until `until` (capped at the horizon), or to
/// quiescence.
pub fn simulate(scenario: Scenario, seed: u64, until: Option<SimTime>) -> Sim {
    let mut sim = Sim::new(scenario, seed);
    match until {
        Some(t) => sim.run_until(t),
        None => {
            sim.run_to_quiescence();
        }
    }
    sim
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
        }
    }

    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let title = if self.title.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.title)
        };
        let stop = match self.until_secs {
            Some(u) => format!("until {}", format_latency(u)),
            None => "to quiescence".to_owned(),
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
        Ok(())
    }
}

fn micros_to_secs(t: SimTime) -> f64 {
    t.as_micros() as f64 / 1e6
}

pub fn run(spec: &str, options: &Options, out: &mut dyn Write) -> Result<Outcome> {
    let (source, scenario) = source::load(spec)?;
    let seed = options.seed.unwrap_or(scenario.seed);
    let sim = simulate(scenario, seed, options.until);
    let with_hash = options.json || options.trace_hash;
    let report = Report::of(&source.label, &sim, options.until, with_hash);
    if options.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        report.write_table(out)?;
    }
    Ok(Outcome::Success)
}
