//! MX Lab's sweep worker: the seeds `0..N` of one scenario, run in a web
//! worker so that the app's page stays responsive, and the messages the
//! page and the worker exchange.
//!
//! It is not the app: it holds the simulation and serde, no UI. The app
//! starts it only when a sweep starts ([`LOADER`], a script Trunk writes
//! beside the app), so the app's own module does not carry the engine
//! twice, and ends it when the sweep ends or is cancelled
//! (`Worker.terminate()`: a cancel needs no message).
//!
//! # The conversation
//!
//! Every message is a JSON text.
//!
//! 1. The worker says [`Reply::Ready`] once its module is initialised (a
//!    message sent before would be lost).
//! 2. The page sends one [`Job`]: the scenario's JSON, N, the budget of
//!    each run and the scenario's name in the report.
//! 3. The worker runs the seeds `0..N` in order, each to quiescence as
//!    `mxlab sweep` does, adds them up with `mxlab_sim::sweep` (the code
//!    behind `mxlab sweep`, so the same scenario and seeds give the same
//!    numbers) and sends [`Reply::Progress`]: the report of the runs so
//!    far, as `mxlab sweep` prints it (table and JSON), and the CSV rows of
//!    the runs since the last one ([`Sweeper`]: the first run at once, then
//!    at most one every [`BATCH_MILLIS`]); then [`Reply::Done`]. Or
//!    [`Reply::Failed`] with the reason if the job cannot be run.
//!
//! The page reads the replies with [`Reply::parse`], which needs no code
//! of its own beyond the JSON values the app reads anyway: the app's module
//! holds none of the sweep's arithmetic.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use mxlab_sim::sweep::{simulate, SweepReport, SweepRun, Totals};
use mxlab_sim::{Budget, Scenario};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The script the page starts the worker with, beside the app's page
/// (Trunk's loader shim for the `mxlab-sweep-worker` binary).
pub const LOADER: &str = "mxlab-sweep-worker_loader.js";

/// The most seeds one sweep in the browser runs.
pub const MAX_SEEDS: u64 = 10_000;

/// The least time between two progress replies, in milliseconds of the
/// page's clock (the page is drawn again at each).
pub const BATCH_MILLIS: f64 = 100.0;

/// What to do about a run that stopped on the browser's budget.
pub const ADVICE: &str = "shorten the horizon, retry less often or send fewer messages \
(mxlab sweep allows a larger budget)";

/// A sweep asked of the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Seeds `0..seeds`, 1 to [`MAX_SEEDS`].
    pub seeds: u64,
    /// Each run's budget: events.
    pub max_events: u64,
    /// Each run's budget: bytes of trace.
    pub max_trace_bytes: u64,
    /// What the report calls the scenario (`mxlab sweep`'s FILE).
    pub label: String,
    /// The scenario, as JSON.
    pub scenario: String,
}

impl Job {
    /// The job for `scenario` (its canonical JSON) called `label`, seeds
    /// `0..seeds`, each run under `budget`.
    pub fn new(scenario_json: String, label: &str, seeds: u64, budget: Budget) -> Self {
        Job {
            seeds,
            max_events: budget.max_events,
            max_trace_bytes: budget.max_trace_bytes,
            label: label.to_owned(),
            scenario: scenario_json,
        }
    }

    /// The message that carries it.
    pub fn to_json(&self) -> String {
        // Numbers and strings: it always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// The worker is ready for its [`Job`].
    Ready,
    /// The sweep so far.
    Progress {
        /// Seeds run so far: `0..done`.
        done: u64,
        /// The CSV rows of the runs since the last progress, in order of
        /// seed, each ending in LF (`mxlab sweep --csv` without its
        /// header).
        rows: String,
        /// The report of seeds `0..done`, as `mxlab sweep --json` prints it.
        json: String,
        /// The same, as the table `mxlab sweep` prints.
        text: String,
        /// The warning about runs stopped on their budget, if any.
        warning: Option<String>,
    },
    /// Every seed is run.
    Done,
    /// The job cannot be run.
    Failed {
        /// Why, in a sentence.
        message: String,
    },
}

impl Reply {
    /// The message that carries it.
    pub fn to_json(&self) -> String {
        // Numbers and strings: it always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The reply a message carries, or why it is not one. Read as a JSON
    /// value, field by field.
    pub fn parse(text: &str) -> Result<Reply, String> {
        let unreadable = || "the sweep worker said something unreadable".to_owned();
        let v: Value = serde_json::from_str(text).map_err(|_| unreadable())?;
        let text_of = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        match v.get("reply").and_then(Value::as_str) {
            Some("ready") => Ok(Reply::Ready),
            Some("progress") => match (
                v.get("done").and_then(Value::as_u64),
                text_of("rows"),
                text_of("json"),
                text_of("text"),
            ) {
                (Some(done), Some(rows), Some(json), Some(text)) => Ok(Reply::Progress {
                    done,
                    rows,
                    json,
                    text,
                    warning: text_of("warning"),
                }),
                _ => Err(unreadable()),
            },
            Some("done") => Ok(Reply::Done),
            Some("failed") => Ok(Reply::Failed {
                message: text_of("message").unwrap_or_default(),
            }),
            _ => Err(unreadable()),
        }
    }
}

/// Runs a [`Job`]'s seeds one at a time and adds them up.
#[derive(Debug)]
pub struct Sweeper {
    scenario: Scenario,
    label: String,
    budget: Budget,
    seeds: u64,
    next: u64,
    totals: Totals,
    /// CSV rows not sent yet.
    rows: String,
    last_sent: Option<f64>,
}

impl Sweeper {
    /// The sweeper of the job in the message `text`, or why it cannot
    /// run: not a job, a number of seeds out of range, an empty budget, or
    /// a scenario that does not load (with its problems).
    pub fn start(text: &str) -> Result<Sweeper, String> {
        let job: Job = serde_json::from_str(text)
            .map_err(|e| format!("the sweep asked for is not readable ({e})"))?;
        if job.seeds == 0 || job.seeds > MAX_SEEDS {
            return Err(format!(
                "a sweep runs 1 to {MAX_SEEDS} seeds, not {}",
                job.seeds
            ));
        }
        if job.max_events == 0 || job.max_trace_bytes == 0 {
            return Err("each run of a sweep needs a budget above zero".to_owned());
        }
        let scenario = Scenario::from_json(&job.scenario)
            .map_err(|e| format!("the scenario does not load: {e}"))?;
        Ok(Sweeper {
            scenario,
            label: job.label,
            budget: Budget {
                max_events: job.max_events,
                max_trace_bytes: job.max_trace_bytes,
            },
            seeds: job.seeds,
            next: 0,
            totals: Totals::default(),
            rows: String::new(),
            last_sent: None,
        })
    }

    /// Runs the next seed to quiescence and adds it up; its outcome, or
    /// `None` after the last seed.
    pub fn next_run(&mut self) -> Option<SweepRun> {
        if self.next >= self.seeds {
            return None;
        }
        let seed = self.next;
        self.next += 1;
        let sim = simulate(self.scenario.clone(), seed, None, self.budget);
        let run = SweepRun::of(seed, &sim, |_| ADVICE.to_owned());
        self.totals.add(&run);
        self.rows.push_str(&run.csv_row());
        self.rows.push('\n');
        Some(run)
    }

    /// The progress to send at the page's time `now_millis`, if it is
    /// time: the first run at once, then at most one every
    /// [`BATCH_MILLIS`] (a clock set back sends at once).
    pub fn progress_due(&mut self, now_millis: f64) -> Option<Reply> {
        let due = self
            .last_sent
            .is_none_or(|t| now_millis - t >= BATCH_MILLIS || now_millis < t);
        if !due || self.rows.is_empty() {
            return None;
        }
        self.last_sent = Some(now_millis);
        Some(self.progress())
    }

    /// What is left to send once the last run is in.
    pub fn finish(&mut self) -> Option<Reply> {
        (!self.rows.is_empty()).then(|| self.progress())
    }

    /// The sweep so far, with the rows not sent yet.
    fn progress(&mut self) -> Reply {
        let report = SweepReport::of(&self.label, &self.scenario.name, None, self.totals.clone());
        Reply::Progress {
            done: self.totals.runs,
            rows: std::mem::take(&mut self.rows),
            json: report.json(),
            text: report.text(),
            warning: report.stop_warning,
        }
    }
}

/// Everything the worker answers the message `text` with, in order, each
/// reply handed to `send` as soon as it is due (`now` reads the page's
/// clock in milliseconds, only to space the replies).
pub fn answer(text: &str, now: impl Fn() -> f64, mut send: impl FnMut(Reply)) {
    let mut sweeper = match Sweeper::start(text) {
        Ok(s) => s,
        Err(message) => return send(Reply::Failed { message }),
    };
    while sweeper.next_run().is_some() {
        if let Some(progress) = sweeper.progress_due(now()) {
            send(progress);
        }
    }
    if let Some(progress) = sweeper.finish() {
        send(progress);
    }
    send(Reply::Done);
}

#[cfg(test)]
mod tests;
