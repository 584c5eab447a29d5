//! The app's state and the one way it changes: [`State::reduce`] takes an
//! [`Action`] and returns an [`Outcome`] — whether the page is drawn again,
//! and the [`Effect`]s the shell is asked to carry out (the browser's
//! clipboard, history and compression, the DOM's focus). The reducer never
//! reads a clock, the page or the network: the same state and action give
//! the same state and outcome, on native and on wasm32.
//!
//! Computing a run is asked for by [`State::job`]: the computation hook
//! computes it in slices between frames and reports back with
//! [`Action::Progress`] and [`Action::Computed`]. A sweep over seeds is
//! asked for by the Sweep panel's job ([`SweepPanel::job`]), run by the
//! sweep worker.

use std::collections::BTreeMap;
use std::rc::Rc;

use mxlab_sim::presets::PRESETS;
use mxlab_sim::scenario::{FaultStage, Role};
use mxlab_sim::{Problem, Scenario, ScenarioError, SimTime, View};

use crate::bounds::ProblemList;
use crate::lab::{Clock, Run};
use crate::layout::Point;
use crate::options::Options;
use crate::share::Shared;

mod action;
mod console;
mod draw;
mod editors;
mod playback;
mod stage;
mod sweep;
#[cfg(test)]
mod tests;

pub use action::{Action, ComputeJob, Effect, Field, JobKind, Outcome, Selection, Tab};
pub use console::{open as open_console, ConsolePanel, Typing};

/// How the engine's module opens a console session ([`open_console`]).
pub type OpenConsole =
    fn(&mxlab_sim::scenario::Node, mxlab_sim::SimTime) -> (Box<dyn Typing>, Vec<String>);
pub use draw::{DrawMsg, DrawState, Tool, UNDO_DEPTH};
pub use stage::{Drag, StageLayout};
pub use sweep::{
    parse_seeds, Note, SweepJob, SweepMsg, SweepPanel, SweepResult, SweepShown, DEFAULT_SEEDS,
};

/// The app's state.
#[derive(Debug)]
pub struct State {
    /// How the instance started.
    pub opts: Rc<Options>,
    /// Whether the share dialog is open.
    pub share_open: bool,
    /// Whether the sheet of keyboard shortcuts is open.
    pub help: bool,
    /// The packet clicked: the trace event of its line's arrival.
    pub packet: Option<usize>,
    /// The classes of events the event list shows (`EventClass::bit`s).
    pub event_classes: u8,
    /// The dialog's link hash, once the browser has deflated it.
    pub share_link: Option<String>,
    /// A share link's moment and host, restored when its run is computed.
    pub restore: Option<(SimTime, Option<String>)>,
    /// The preset picked (`custom` for a scenario of the author's).
    pub preset: String,
    /// The scenario loaded.
    pub scenario: Rc<Scenario>,
    /// The scenario's JSON text, as the editor holds it.
    pub json: Rc<str>,
    /// Bumped whenever the app (not the author) changes `json`: the
    /// editor's text is then replaced.
    pub json_version: u64,
    /// Whether the JSON editor may hold a text over
    /// [`crate::bounds::EDITOR_FILLS_AT_MOST`]: asked for, or put there by
    /// the author.
    pub big_json_shown: bool,
    /// The scenario changed since its JSON text or its form was made.
    pub editors_stale: bool,
    /// The last validation's problems, located in `json` once.
    pub problems: Rc<ProblemList>,
    /// The run shown.
    pub run: Option<Rc<Run>>,
    /// The runs before each change made by hand, to go back to.
    pub branches: Vec<Rc<Run>>,
    /// The run being computed.
    pub job: Option<Rc<ComputeJob>>,
    /// Jobs asked for so far (the next job's id).
    pub jobs: u64,
    /// How far the job is (0 to 1).
    pub progress: f64,
    /// The clock shown once the job is computed.
    pub pending_clock: Option<Clock>,
    /// The clock.
    pub clock: Clock,
    /// What the stage shows at the clock's moment.
    pub view: Rc<View>,
    /// The timestamp of the last frame while playing.
    pub last_frame: Option<f64>,
    /// Whether frames are asked for: set when play starts, cleared when
    /// it stops and when a run starts computing (a clock left playing
    /// then holds still until play is pressed or the run is shown).
    pub animating: bool,
    /// The panel open.
    pub tab: Tab,
    /// The session the transcript shows.
    pub session: Option<u64>,
    /// Whether the session was chosen by hand (else it follows the action).
    pub session_pinned: bool,
    /// Runs computed so far.
    pub runs_done: u64,
    /// The host or link selected.
    pub selection: Option<Selection>,
    /// The message the inspector shows.
    pub message: Option<String>,
    /// The fault menu's forced reply code.
    pub force_code: u16,
    /// The fault menu's forced reply stage.
    pub force_stage: FaultStage,
    /// Dark theme.
    pub dark: bool,
    /// Presenter mode.
    pub presenter: bool,
    /// The banner's text.
    pub error: Option<String>,
    /// Where the hosts are drawn, the zoom and the pan.
    pub stage: StageLayout,
    /// The form editor's draft.
    pub form: Rc<serde_json::Value>,
    /// The Scenario panel shows the form (else the JSON text).
    pub form_mode: bool,
    /// The console.
    pub console: ConsolePanel,
    /// The palette's tool, and the scenarios to undo and redo.
    pub draw: DrawState,
    /// The Sweep panel.
    pub sweep: SweepPanel,
}

/// The preset `name`, or why it cannot be opened.
pub fn preset_scenario(name: &str) -> Result<Scenario, String> {
    mxlab_sim::presets::preset(name).map_err(|e| e.to_string())
}

/// A scenario's problems, a syntax error's with its line and column.
fn problems_of(e: &ScenarioError) -> Vec<Problem> {
    match e {
        ScenarioError::Syntax { line, column, .. } => e
            .problems()
            .into_iter()
            .map(|p| Problem {
                path: p.path,
                message: format!("line {line}, column {column}: {}", p.message),
            })
            .collect(),
        _ => e.problems(),
    }
}

/// A scenario with nothing in it, shown if a preset cannot be loaded.
pub fn empty_scenario() -> Scenario {
    Scenario {
        name: String::new(),
        lesson: String::new(),
        seed: 0,
        horizon_secs: 1,
        nodes: Vec::new(),
        dns: Default::default(),
        links: Vec::new(),
        default_link: Default::default(),
        profiles: Vec::new(),
        messages: Vec::new(),
        faults: Vec::new(),
    }
}

/// Problems said one after the other, each ending with a full stop.
fn sentences(problems: &[String]) -> String {
    let mut out = String::new();
    for p in problems.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
        if !p.ends_with(['.', '!', '?']) {
            out.push('.');
        }
    }
    out
}

/// The first preset's name and scenario, or an empty scenario (and the
/// problem) if it does not load.
fn default_start(problems: &mut Vec<String>) -> (String, Scenario) {
    let first = PRESETS.first().map(|(n, _)| *n).unwrap_or("hello-smtp");
    match preset_scenario(first) {
        Ok(s) => (first.to_string(), s),
        Err(e) => {
            problems.push(e);
            (first.to_string(), empty_scenario())
        }
    }
}

impl State {
    /// The state an instance starts in, and what the browser is asked to
    /// do first: the preset (or share link) the options ask for, its run
    /// asked for. `dark` is the system's preference, unless the options
    /// choose.
    pub fn new(opts: Rc<Options>, dark: bool) -> (State, Outcome) {
        let mut problems = opts.problems.clone();
        let mut state = State {
            opts: opts.clone(),
            share_open: false,
            help: false,
            packet: None,
            event_classes: u8::MAX,
            share_link: None,
            restore: None,
            preset: String::new(),
            scenario: Rc::new(empty_scenario()),
            json: Rc::from(""),
            json_version: 0,
            big_json_shown: false,
            editors_stale: false,
            problems: Rc::default(),
            run: None,
            branches: Vec::new(),
            job: None,
            jobs: 0,
            progress: 0.0,
            pending_clock: None,
            clock: Clock::default(),
            view: Rc::default(),
            last_frame: None,
            animating: false,
            tab: Tab::Transcript,
            session: None,
            session_pinned: false,
            runs_done: 0,
            selection: None,
            message: None,
            force_code: 550,
            force_stage: FaultStage::Rcpt,
            dark: opts.dark.unwrap_or(dark),
            presenter: false,
            error: None,
            stage: StageLayout::default(),
            form: Rc::new(serde_json::Value::Null),
            form_mode: true,
            console: ConsolePanel::default(),
            draw: DrawState::default(),
            sweep: SweepPanel::default(),
        };
        if let Some(speed) = opts.speed {
            state.clock.speed = speed;
            state.clock.pace = None;
        }
        if let Some(pace) = opts.pace {
            state.clock.pace = Some(pace);
        }
        let link = match (&opts.link, opts.scenario.as_deref()) {
            (Some(link), _) => Some(link.clone()),
            (None, Some(w)) if w.starts_with('v') && w.contains('.') => Some(w.to_string()),
            (None, Some(name)) => match preset_scenario(name) {
                Ok(s) => {
                    state.open_preset(name.to_string(), s);
                    None
                }
                Err(e) => {
                    problems.push(format!("{e}: the default scenario is open instead."));
                    let (name, s) = default_start(&mut problems);
                    state.open_preset(name, s);
                    None
                }
            },
            (None, None) => {
                let (name, s) = default_start(&mut problems);
                state.open_preset(name, s);
                None
            }
        };
        state.error = (!problems.is_empty()).then(|| sentences(&problems));
        let outcome = match link {
            // The browser inflates the link; the run starts once it has.
            Some(hash) => Outcome::with(Effect::DecodeLink(hash)),
            None => Outcome::redraw(),
        };
        (state, outcome)
    }

    /// The state after `action`, and what the shell is asked to do.
    pub fn reduce(&mut self, action: Action) -> Outcome {
        match action {
            Action::Preset(name) => match preset_scenario(&name) {
                Ok(s) => self.open_preset(name, s),
                Err(e) => self.error = Some(e),
            },
            Action::Load(s, label) => {
                self.load(s);
                self.preset = label;
            }
            Action::EditJson(text) => return self.edit_json(text),
            Action::ShowBigJson => self.big_json_shown = true,
            Action::Refused(field, len) => return self.refused(field, len),
            Action::ApplyJson => self.apply_json(),
            Action::EditorsShown => self.ready_editors(),
            Action::Imported(result) => self.imported(result),
            Action::Progress(job, p) => {
                if !self.is_current(job) {
                    return Outcome::unchanged();
                }
                self.progress = p;
            }
            Action::Computed(job, run) => {
                if !self.is_current(job) {
                    return Outcome::unchanged();
                }
                self.computed(run);
            }
            Action::Frame(ts) => return self.frame(ts),
            Action::PlayPause => return self.play_pause(),
            Action::StepForward => self.step_forward(),
            Action::StepBack => self.step_back(),
            Action::Restart => self.restart(),
            Action::Speed(s) => {
                self.clock.speed = s;
                self.clock.pace = None;
            }
            Action::Pace(p) => self.clock.pace = Some(p),
            Action::Seek(position) => {
                if let Some(t) = self.run.as_ref().map(|r| r.time_at(position)) {
                    self.set_time(t);
                }
            }
            Action::Tab(t) => {
                if t != Tab::Scenario {
                    // A large text is laid out again on the way back:
                    // ask first (it is kept, not lost).
                    self.big_json_shown = false;
                }
                self.tab = t;
                self.ready_editors();
            }
            Action::Session(c) => {
                self.session = Some(c);
                self.session_pinned = true;
                self.console.in_transcript = false;
                if !matches!(self.tab, Tab::Transcript | Tab::Wire) {
                    self.tab = Tab::Transcript;
                }
            }
            Action::ConsoleTranscript => {
                if self.console.session.is_none() {
                    return Outcome::unchanged();
                }
                self.console.in_transcript = true;
                self.session_pinned = true;
                if !matches!(self.tab, Tab::Transcript | Tab::Wire) {
                    self.tab = Tab::Transcript;
                }
            }
            Action::Select(s) => self.select(s),
            Action::Message(m) => {
                self.message = Some(m);
                self.tab = Tab::Messages;
            }
            Action::Inject(f) => self.inject(f),
            Action::BringUp(h) => self.bring_up(&h),
            Action::Heal(a, b) => self.heal(&a, &b),
            Action::RestoreBranch => {
                if let Some(previous) = self.branches.pop() {
                    self.scenario = previous.scenario.clone();
                    self.run = Some(previous);
                    self.refresh_view();
                }
            }
            Action::ForceCode(c) => self.force_code = c,
            Action::ForceStage(s) => self.force_stage = s,
            Action::ConsoleHost(h) => self.console.host = h,
            Action::ConsoleOpen => self.open_console(),
            Action::ConsoleInput(text) => {
                self.console.input = text;
                return Outcome::unchanged();
            }
            Action::ConsoleSend => self.console_send(),
            Action::Sweep(m) => return self.sweep(m),
            Action::Form(m) => self.form(m),
            Action::FormMode(on) => self.form_mode(on),
            Action::LinkDecoded(result) => match result {
                Ok(shared) => self.open_shared(*shared),
                Err(e) => {
                    let mut problems: Vec<String> = self.error.take().into_iter().collect();
                    problems.push(e.to_string());
                    problems.push("The default scenario is open instead.".into());
                    let (name, s) = default_start(&mut problems);
                    self.open_preset(name, s);
                    self.error = Some(sentences(&problems));
                }
            },
            Action::ShareOpen(open) => {
                self.share_open = open;
                self.share_link = None;
                if open {
                    return Outcome::with(Effect::MakeShareLink(Box::new(self.shared())));
                }
            }
            Action::ShareReady(result) => match result {
                Ok(hash) => {
                    // The address bar shows the link too.
                    self.share_link = Some(hash.clone());
                    return Outcome::with(Effect::ShowHash(hash));
                }
                Err(e) => {
                    self.share_open = false;
                    self.error = Some(format!("cannot make a link: {e}"));
                }
            },
            Action::ToggleTheme => self.dark = !self.dark,
            Action::TogglePresenter => self.presenter = !self.presenter,
            Action::Error(e) => self.error = Some(e),
            Action::DismissError => self.error = None,
            Action::Key(k) => return self.key(&k),
            Action::Help(open) => self.help = open,
            Action::Packet(p) => self.packet = p,
            Action::EventClasses(c) => self.event_classes = c,
            Action::DragStart(h) => self.drag_start(h),
            Action::Draw(m) => return self.draw(m),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::PanStart => self.stage.pan_start(),
            Action::DragMove(x, y) => {
                if !self.stage.drag_move(x, y) {
                    return Outcome::unchanged();
                }
            }
            Action::DragEnd => {
                if self.stage.drag.take().is_none() {
                    return Outcome::unchanged();
                }
            }
            Action::Zoom(f) => self.stage.zoom_by(f),
            Action::ResetView => self.reset_stage(),
            Action::Narrow(narrow) => {
                if narrow == self.stage.narrow {
                    return Outcome::unchanged();
                }
                self.stage.narrow = narrow;
                self.reset_stage();
            }
        }
        Outcome::redraw()
    }

    /// Whether a run is being computed.
    pub fn computing(&self) -> bool {
        self.job.is_some()
    }

    /// The host the console and the `f` key start with: the first MX, or
    /// the first host.
    pub fn default_host(&self) -> Option<String> {
        let nodes = &self.scenario.nodes;
        nodes
            .iter()
            .find(|n| n.role == Role::Mx)
            .or_else(|| nodes.first())
            .map(|n| n.name.clone())
    }

    /// Whether `host` is down at the clock's moment.
    pub fn host_down(&self, host: &str) -> bool {
        self.view
            .hosts_down
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// What a share link of this moment restores.
    pub fn shared(&self) -> Shared {
        Shared {
            scenario: (*self.scenario).clone(),
            seed: None,
            t: self.clock.t,
            host: match &self.selection {
                Some(Selection::Host(h)) => Some(h.clone()),
                _ => None,
            },
            speed: Some(self.clock.speed),
            pace: self.clock.pace,
            injections: self
                .run
                .as_ref()
                .map(|r| r.injections.clone())
                .unwrap_or_default(),
        }
    }

    /// The keyboard shortcuts: space, arrows, Home, `f` for the fault
    /// menu, Esc to close the help, the share dialog, the palette's tool
    /// or the fault menu (the one on top), `?` for the help sheet; Delete
    /// (or Backspace) deletes what is selected, `Undo` and `Redo` (the
    /// keyboard hook's names for Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y) undo and
    /// redo scenario edits.
    fn key(&mut self, k: &str) -> Outcome {
        let action = match k {
            "Escape" if self.help => Action::Help(false),
            "Escape" if self.packet.is_some() => Action::Packet(None),
            "Escape" if self.share_open => Action::ShareOpen(false),
            "Escape" if self.draw.tool != Tool::Pointer || self.draw.from.is_some() => {
                Action::Draw(DrawMsg::Tool(Tool::Pointer))
            }
            "Escape" if self.draw.record.is_some() => Action::Draw(DrawMsg::Record(None)),
            "Escape" if self.selection.is_some() => Action::Select(None),
            "Delete" | "Backspace" if !self.opts.embed => Action::Draw(DrawMsg::Delete),
            "Undo" if !self.opts.embed => Action::Undo,
            "Redo" if !self.opts.embed => Action::Redo,
            "?" => Action::Help(!self.help),
            " " => Action::PlayPause,
            "ArrowRight" => Action::StepForward,
            "ArrowLeft" => Action::StepBack,
            "Home" => Action::Restart,
            "End" => match &self.run {
                Some(run) => Action::Seek(run.events().len()),
                None => return Outcome::unchanged(),
            },
            "f" => {
                // The fault menu of the selected host, or the first MX.
                if self.selection.is_none() {
                    self.selection = self.default_host().map(Selection::Host);
                }
                return Outcome::with(Effect::FocusFaultMenu);
            }
            _ => return Outcome::unchanged(),
        };
        self.reduce(action)
    }

    /// Selects a host or a link; a link shows its latest session so far.
    fn select(&mut self, s: Option<Selection>) {
        if let (Some(Selection::Link(a, b)), Some(run)) = (&s, &self.run) {
            let t = self.clock.t;
            if let Some(sess) = run.sessions.iter().rev().find(|x| {
                x.opened <= t
                    && ((x.client == *a && x.server == *b) || (x.client == *b && x.server == *a))
            }) {
                self.session = Some(sess.conn);
            }
        }
        self.selection = s;
    }

    /// The stage as the layout places the scenario's hosts: no zoom, no pan.
    fn reset_stage(&mut self) {
        let hosts: Vec<_> = self
            .scenario
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.role))
            .collect();
        self.stage.reset(&hosts);
    }
}

/// Where each host is drawn.
pub type Positions = BTreeMap<String, Point>;
