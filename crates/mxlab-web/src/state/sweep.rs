//! The Sweep panel's state: seeds `0..N` of the scenario run in the sweep
//! worker, and what the runs so far add up to.
//!
//! The state asks for a sweep with [`SweepPanel::job`]; the sweep hook
//! starts the worker for it, hands it the job, reports its replies back as
//! [`SweepMsg::Reply`] and ends the worker when the job goes (done,
//! cancelled, failed or replaced). The runs are added up by
//! `mxlab_sim::sweep`, the code behind `mxlab sweep`, so the panel shows,
//! and its downloads hold, what `mxlab sweep` prints for the same scenario
//! and seeds.
//!
//! A sweep is of the scenario open when it started: opening another
//! scenario does not stop it, and the panel says whose figures they are.

use std::rc::Rc;

use mxlab_sim::presets::PRESETS;
use mxlab_sim::sweep::CSV_HEADER;
use mxlab_sim::Scenario;
use mxlab_sweep_worker::{Job, Reply, MAX_SEEDS};
use serde_json::Value;

use super::{Outcome, State};
use crate::compute::BROWSER_BUDGET;

/// The seeds a sweep runs unless the user says otherwise.
pub const DEFAULT_SEEDS: u64 = 100;

/// The longest text the seeds field keeps.
const MAX_SEEDS_TEXT: usize = 12;

/// The Sweep panel.
#[derive(Debug)]
pub struct SweepPanel {
    /// The seeds field, as typed.
    pub seeds: String,
    /// The sweep running, if one is.
    pub job: Option<Rc<SweepJob>>,
    /// Sweeps asked for so far (the next one's id).
    pub jobs: u64,
    /// The last sweep's figures (partial while it runs, or if it was
    /// cancelled or failed).
    pub result: Option<SweepResult>,
    /// What happened to the last sweep, or why it did not start.
    pub note: Option<Note>,
}

impl Default for SweepPanel {
    fn default() -> Self {
        SweepPanel {
            seeds: DEFAULT_SEEDS.to_string(),
            job: None,
            jobs: 0,
            result: None,
            note: None,
        }
    }
}

impl SweepPanel {
    /// Whether a sweep is running.
    pub fn running(&self) -> bool {
        self.job.is_some()
    }

    /// What the panel's status is, for its `data-state`: `idle`,
    /// `running`, `done`, `cancelled` or `failed`.
    pub fn status(&self) -> &'static str {
        match (&self.job, &self.note, &self.result) {
            (Some(_), _, _) => "running",
            (None, Some(n), _) if n.error => "failed",
            (None, Some(n), _) if n.cancelled => "cancelled",
            (None, _, Some(_)) => "done",
            _ => "idle",
        }
    }
}

/// What the panel says about the last sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The sentence.
    pub text: String,
    /// It says something went wrong.
    pub error: bool,
    /// It says the sweep was cancelled.
    pub cancelled: bool,
}

impl Note {
    fn error(text: String) -> Self {
        Note {
            text,
            error: true,
            cancelled: false,
        }
    }

    fn info(text: String) -> Self {
        Note {
            text,
            error: false,
            cancelled: false,
        }
    }
}

/// A sweep for the worker: its id tells its replies from a stale one's.
#[derive(Debug)]
pub struct SweepJob {
    /// Which sweep this is.
    pub id: u64,
    /// Seeds `0..seeds`.
    pub seeds: u64,
    /// The message that asks the worker for it ([`Job`]).
    pub message: String,
}

impl PartialEq for SweepJob {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// A sweep's figures so far.
#[derive(Debug)]
pub struct SweepResult {
    /// The scenario swept.
    pub scenario: Rc<Scenario>,
    /// Seeds asked for.
    pub asked: u64,
    /// Seeds run so far: `0..done`.
    pub done: u64,
    /// The CSV's rows so far, each ending in LF.
    rows: String,
    /// The report of the runs so far, once there are any.
    pub report: Option<Rc<SweepShown>>,
}

/// A sweep's report as the worker wrote it (by `mxlab_sim::sweep`, as
/// `mxlab sweep` prints it), and its JSON read for drawing.
#[derive(Debug, PartialEq)]
pub struct SweepShown {
    /// As `mxlab sweep --json` prints it.
    pub json: String,
    /// The same, read.
    pub value: Value,
    /// As `mxlab sweep` prints it.
    pub text: String,
    /// The warning about runs stopped on their budget, if any.
    pub warning: Option<String>,
}

impl SweepResult {
    /// One row per run so far, as `mxlab sweep --csv` prints them.
    pub fn csv(&self) -> String {
        format!("{CSV_HEADER}\n{}", self.rows)
    }

    /// The distributions so far, as `mxlab sweep --json` prints them.
    pub fn json(&self) -> String {
        self.report
            .as_ref()
            .map(|r| r.json.clone())
            .unwrap_or_default()
    }

    /// The sweep so far as the worker says it: `done` seeds, the rows of
    /// those since the last progress, the report.
    fn progress(
        &mut self,
        done: u64,
        rows: &str,
        json: String,
        text: String,
        warning: Option<String>,
    ) {
        self.done = done;
        self.rows.push_str(rows);
        let value = serde_json::from_str(&json).unwrap_or_default();
        self.report = Some(Rc::new(SweepShown {
            json,
            value,
            text,
            warning,
        }));
    }
}

/// What the Sweep panel and the sweep hook tell the state.
#[derive(Debug)]
pub enum SweepMsg {
    /// The seeds field changed.
    Seeds(String),
    /// Run seeds `0..N` of the scenario open (N from the seeds field);
    /// a sweep running is stopped first.
    Start,
    /// Stop the sweep running; its figures so far stay.
    Cancel,
    /// Sweep `job` answered.
    Reply(u64, Reply),
    /// The worker of sweep `job` failed: could not start, did not answer,
    /// or stopped with an error.
    WorkerFailed(u64, String),
}

/// The seeds field read: a whole number from 1 to [`MAX_SEEDS`].
pub fn parse_seeds(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=MAX_SEEDS).contains(n))
        .ok_or_else(|| {
            format!(
                "The number of seeds is a whole number from 1 to {}, not “{}”.",
                mxlab_sim::budget::grouped(MAX_SEEDS),
                text.trim()
            )
        })
}

impl State {
    /// The Sweep panel's messages.
    pub(super) fn sweep(&mut self, msg: SweepMsg) -> Outcome {
        let panel = &mut self.sweep;
        match msg {
            SweepMsg::Seeds(text) => {
                panel.seeds = text.chars().take(MAX_SEEDS_TEXT).collect();
                return Outcome::unchanged();
            }
            SweepMsg::Start => self.start_sweep(),
            SweepMsg::Cancel => {
                if panel.job.take().is_none() {
                    return Outcome::unchanged();
                }
                let (done, asked) = panel.result.as_ref().map_or((0, 0), |r| (r.done, r.asked));
                panel.note = Some(Note {
                    text: format!(
                        "Cancelled after {done} of {asked} seeds: the figures are those of \
                         seeds 0..{done}."
                    ),
                    error: false,
                    cancelled: true,
                });
            }
            SweepMsg::Reply(id, reply) => {
                if panel.job.as_ref().is_none_or(|j| j.id != id) {
                    return Outcome::unchanged();
                }
                match reply {
                    Reply::Ready => return Outcome::unchanged(),
                    Reply::Progress {
                        done,
                        rows,
                        json,
                        text,
                        warning,
                    } => {
                        if let Some(r) = panel.result.as_mut() {
                            r.progress(done, &rows, json, text, warning);
                        }
                    }
                    Reply::Done => {
                        panel.job = None;
                        let (done, asked) =
                            panel.result.as_ref().map_or((0, 0), |r| (r.done, r.asked));
                        if done != asked {
                            panel.note = Some(Note::error(format!(
                                "The sweep worker stopped after {done} of {asked} seeds."
                            )));
                        }
                    }
                    Reply::Failed { message } => {
                        panel.job = None;
                        panel.note =
                            Some(Note::error(format!("The sweep could not run: {message}.")));
                    }
                }
            }
            SweepMsg::WorkerFailed(id, message) => {
                if panel.job.as_ref().is_none_or(|j| j.id != id) {
                    return Outcome::unchanged();
                }
                panel.job = None;
                panel.note = Some(Note::error(format!("The sweep stopped: {message}.")));
            }
        }
        Outcome::redraw()
    }

    /// Starts a sweep of the scenario open, unless the seeds field is not
    /// a number of seeds.
    fn start_sweep(&mut self) {
        let seeds = match parse_seeds(&self.sweep.seeds) {
            Ok(n) => n,
            Err(e) => {
                self.sweep.note = Some(Note::error(e));
                return;
            }
        };
        let Some(writer) = crate::writer::writer() else {
            self.sweep.note = Some(Note::error(crate::writer::NOT_YET.to_owned()));
            return;
        };
        let replaced = self.sweep.job.take().map(|_| {
            let done = self.sweep.result.as_ref().map_or(0, |r| r.done);
            format!("The sweep running was stopped after {done} seeds to start this one.")
        });
        let label = self.sweep_label();
        let panel = &mut self.sweep;
        panel.jobs += 1;
        panel.job = Some(Rc::new(SweepJob {
            id: panel.jobs,
            seeds,
            message: Job::new(
                (writer.scenario_json)(&self.scenario),
                &label,
                seeds,
                BROWSER_BUDGET,
            )
            .to_json(),
        }));
        panel.result = Some(SweepResult {
            scenario: self.scenario.clone(),
            asked: seeds,
            done: 0,
            rows: String::new(),
            report: None,
        });
        panel.note = replaced.map(Note::info);
    }

    /// `preset:NAME` when the scenario open is a preset as it is (what
    /// `mxlab sweep` is given for it), else `scenario.json`, the name the
    /// Scenario panel exports it under. (A preset is open as it is until
    /// the author applies a text or a form: that makes it `custom`.)
    pub fn sweep_label(&self) -> String {
        let name = self.preset.as_str();
        if PRESETS.iter().any(|(n, _)| *n == name) {
            format!("preset:{name}")
        } else {
            "scenario.json".to_owned()
        }
    }
}
