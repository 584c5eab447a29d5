//! The Yew app: header with the preset picker, the stage, the transport
//! and timeline, the panels, the host/link menu for live faults, and the
//! error banner. All state lives in [`App`]; what it shows comes from
//! [`crate::lab`].

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use gloo::events::EventListener;
use gloo::render::{request_animation_frame, AnimationFrame};
use mxlab_sim::presets::PRESETS;
use mxlab_sim::scenario::{Fault, Role, Stage};
use mxlab_sim::trace::DsnAction;
use mxlab_sim::{Problem, Scenario, ScenarioError, SimTime, View};
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::bounds::{self, ProblemList};
use crate::compute::{budget_advice, Computation};
use crate::form::{self, target_value, FormMsg};
use crate::guard::Guard;
use crate::lab::{Clock, Injection, MarkerKind, Run, SPEEDS};
use crate::layout::{layout, Point, WIDTH};
use crate::options::{encode_component, Options};
use crate::share::{self, Shared};
use crate::statistics::Statistics;
use crate::version_line;

mod console;
mod editors;
mod faults;
mod sharing;
mod transcript;

use console::ConsoleState;

/// Milliseconds of computing per slice before the page gets a frame back.
const SLICE_MILLIS: f64 = 25.0;

/// The panels below the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// C:/S: lines of the selected session.
    Transcript,
    /// The selected session's bytes as they cross the link.
    Wire,
    /// Every host's queue.
    Queues,
    /// Mailboxes and the message inspector.
    Messages,
    /// Plots.
    Statistics,
    /// Type SMTP to a host by hand.
    Console,
    /// Preset lesson, JSON editor, import and export.
    Scenario,
}

impl Tab {
    const ALL: [Tab; 7] = [
        Tab::Transcript,
        Tab::Wire,
        Tab::Queues,
        Tab::Messages,
        Tab::Statistics,
        Tab::Console,
        Tab::Scenario,
    ];

    fn label(self) -> &'static str {
        match self {
            Tab::Transcript => "Transcript",
            Tab::Wire => "On the wire",
            Tab::Queues => "Queues",
            Tab::Messages => "Messages",
            Tab::Statistics => "Statistics",
            Tab::Console => "Console",
            Tab::Scenario => "Scenario",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tab::Transcript => "transcript",
            Tab::Wire => "wire",
            Tab::Queues => "queues",
            Tab::Messages => "messages",
            Tab::Statistics => "statistics",
            Tab::Console => "console",
            Tab::Scenario => "scenario",
        }
    }
}

/// What can be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The scenario, as JSON.
    Scenario,
    /// The run's trace, as JSON.
    Trace,
    /// Every session's C:/S: transcript, as text.
    Transcripts,
}

/// What was clicked on the stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// A host.
    Host(String),
    /// The link between two hosts.
    Link(String, String),
}

/// Everything the app can be told.
pub enum Msg {
    /// Pick a preset by name.
    Preset(String),
    /// Load a scenario (from the editor or a file); `label` names it.
    Load(Rc<Scenario>, String),
    /// The JSON editor's text changed.
    EditJson(String),
    /// Fill the JSON editor with a text over the size it is filled with
    /// unasked.
    ShowBigJson,
    /// A paste, a drop or typing into a bounded field (`json` or
    /// `console`) was refused: the length it would have had.
    Refused(String, usize),
    /// Validate the editor's text and load it.
    ApplyJson,
    /// Select a line of the JSON editor (1-based).
    GotoLine(usize),
    /// A file was chosen: read it.
    ReadFile(web_sys::File),
    /// A file was read.
    Imported(Result<String, String>),
    /// Compute one more slice of the pending run.
    ComputeStep,
    /// A frame: the timestamp in milliseconds.
    Frame(f64),
    /// Play or pause.
    Toggle,
    /// Next event.
    StepForward,
    /// Previous event.
    StepBack,
    /// Back to the start.
    Restart,
    /// Speed in virtual seconds per real second.
    Speed(f64),
    /// Scrub: events applied.
    Seek(usize),
    /// Open a tab.
    Tab(Tab),
    /// Select a session.
    Session(u64),
    /// Select a host or link (or nothing).
    Select(Option<Selection>),
    /// Select a message in the inspector.
    Message(String),
    /// Inject a fault now.
    Inject(Fault),
    /// Bring this host back up now: every fault striking it ends.
    BringUp(String),
    /// Heal the link between these hosts now.
    Heal(String, String),
    /// Go back to the run before the last injection.
    RestoreBranch,
    /// Forced reply choice: code.
    ForceCode(u16),
    /// Forced reply choice: stage.
    ForceStage(Stage),
    /// The console's host.
    ConsoleHost(String),
    /// Connect the console to its host.
    ConsoleOpen,
    /// The console's input line changed.
    ConsoleInput(String),
    /// Send the console's input line.
    ConsoleSend,
    /// The form editor.
    Form(FormMsg),
    /// The Scenario panel shows the form (true) or the JSON text.
    FormMode(bool),
    /// A share link was read (or could not be).
    LinkDecoded(Result<Shared, String>),
    /// Open or close the share dialog.
    ShareOpen(bool),
    /// The share link of the dialog is ready (or could not be made).
    ShareReady(Result<String, String>),
    /// Dark or light.
    ToggleTheme,
    /// Presenter mode.
    TogglePresenter,
    /// Dismiss the banner.
    DismissError,
    /// Download a file of the scenario, the trace or the transcripts.
    Export(Export),
    /// A key pressed anywhere but in a text field.
    Key(String),
    /// Start dragging a host.
    DragStart(String),
    /// Start panning the stage (pointer down on its background).
    PanStart,
    /// Pointer moved over the stage, in stage units.
    DragMove(f64, f64),
    /// Pointer released.
    DragEnd,
    /// Zoom the stage by a factor around its centre.
    Zoom(f64),
    /// Fit the stage to the window again.
    ResetView,
}

/// What a pointer drag moves.
enum Drag {
    /// A host.
    Host(String),
    /// The whole stage: the last pointer position, without the pan.
    Pan(Option<(f64, f64)>),
}

/// The page's clock in milliseconds (only to cut computing into slices;
/// the simulation never reads it).
fn now_millis() -> f64 {
    gloo::utils::window()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Marks the page's performance timeline (DevTools shows it, and the
/// browser benchmark reads it): `mxlab-compute` as a run starts
/// computing, and a measure of that name when it is done.
fn mark_computing(done: bool) {
    if let Some(p) = gloo::utils::window().performance() {
        let _ = if done {
            p.measure_with_start_mark("mxlab-compute", "mxlab-compute")
        } else {
            p.mark("mxlab-compute")
        };
    }
}

/// The MX Lab app.
pub struct App {
    opts: Rc<Options>,
    share_open: bool,
    /// The dialog's link hash, once the browser has deflated it.
    share_link: Option<String>,
    /// A share link's moment and host, restored when its run is computed.
    restore: Option<(SimTime, Option<String>)>,
    shell_ref: NodeRef,
    preset: String,
    scenario: Rc<Scenario>,
    json: AttrValue,
    /// Bumped whenever the app (not the author) changes `json`: the
    /// editor's text is then replaced (see `show_json`).
    json_version: u64,
    /// Whether the JSON editor may hold a text over
    /// [`bounds::EDITOR_FILLS_AT_MOST`]: asked for, or put there by the
    /// author.
    big_json_shown: bool,
    /// The scenario changed since its JSON text or its form was made.
    editors_stale: bool,
    /// The last validation's problems, located in `json` once.
    problems: ProblemList,
    run: Option<Rc<Run>>,
    branches: Vec<Rc<Run>>,
    computing: Option<Computation>,
    progress: f64,
    pending_clock: Option<Clock>,
    clock: Clock,
    view: View,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    tab: Tab,
    session: Option<u64>,
    session_pinned: bool,
    focus_fault_menu: bool,
    runs_done: u64,
    selection: Option<Selection>,
    message: Option<String>,
    force_code: u16,
    force_stage: Stage,
    dark: bool,
    presenter: bool,
    error: Option<String>,
    positions: BTreeMap<String, Point>,
    height: f64,
    zoom: f64,
    drag: Option<Drag>,
    pan: (f64, f64),
    stage_ref: NodeRef,
    packets_ref: NodeRef,
    svg_ref: NodeRef,
    _wheel: Option<EventListener>,
    form: serde_json::Value,
    form_mode: bool,
    console: Option<ConsoleState>,
    console_host: String,
    console_input: String,
    typed_messages: usize,
    _keys: Option<EventListener>,
    reader: Option<gloo::file::callbacks::FileReader>,
    _guard: Option<Guard>,
}

fn preset_scenario(name: &str) -> Result<Scenario, String> {
    match mxlab_sim::presets::preset(name) {
        Some(Ok(s)) => Ok(s),
        Some(Err(e)) => Err(format!("preset {name} is invalid: {e}")),
        None => Err(format!("no preset named {name}")),
    }
}

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

impl App {
    fn start_run(
        &mut self,
        ctx: &Context<Self>,
        scenario: Rc<Scenario>,
        injections: Vec<Injection>,
        at: SimTime,
    ) {
        let seed = scenario.seed;
        self.compute(ctx, Computation::new(scenario, seed, injections), at);
    }

    /// Computes `computation` in slices between frames; the clock shows
    /// `at` once it is done.
    fn compute(&mut self, ctx: &Context<Self>, computation: Computation, at: SimTime) {
        self.computing = Some(computation);
        self.progress = 0.0;
        self.pending_clock = Some(Clock {
            t: at,
            playing: false,
            ..self.clock
        });
        self.frame = None;
        mark_computing(false);
        // In a task of its own: what led here (reading and checking a
        // scenario of megabytes) and the first slice are not one block.
        ctx.link().send_future(async {
            yew::platform::time::sleep(Duration::from_millis(0)).await;
            Msg::ComputeStep
        });
    }

    fn load(&mut self, ctx: &Context<Self>, scenario: Rc<Scenario>) {
        self.load_run(ctx, scenario);
        self.ready_editors();
    }

    /// Loads `scenario` and starts its run, its editors' text and form
    /// left to be made when the Scenario panel shows them.
    fn load_run(&mut self, ctx: &Context<Self>, scenario: Rc<Scenario>) {
        self.scenario = scenario.clone();
        self.reset_stage();
        self.editors_stale = true;
        self.problems = ProblemList::default();
        self.branches.clear();
        self.session = None;
        self.session_pinned = false;
        self.selection = None;
        self.message = None;
        self.clock = Clock {
            speed: self.clock.speed,
            ..Clock::default()
        };
        self.console = None;
        self.console_host.clear();
        self.typed_messages = 0;
        self.start_run(ctx, scenario, Vec::new(), SimTime::ZERO);
    }

    /// Makes the scenario's JSON text, or its form, whichever the
    /// Scenario panel shows, if the scenario changed since: a large
    /// scenario's text and form take a while to make, so they are not
    /// made for a panel that is not open.
    fn ready_editors(&mut self) {
        if !self.editors_stale || self.tab != Tab::Scenario {
            return;
        }
        self.editors_stale = false;
        if self.form_mode {
            self.form = form::draft_of(&self.scenario);
        } else {
            self.set_json(self.scenario.to_json().into());
        }
    }

    /// The host the console and the `f` key start with: the first MX, or
    /// the first host.
    fn default_host(&self) -> Option<String> {
        let nodes = &self.scenario.nodes;
        nodes
            .iter()
            .find(|n| n.role == Role::Mx)
            .or_else(|| nodes.first())
            .map(|n| n.name.clone())
    }

    /// The stage as the layout places the scenario's hosts: no zoom, no pan.
    fn reset_stage(&mut self) {
        let hosts: Vec<_> = self
            .scenario
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.role))
            .collect();
        (self.positions, self.height) = layout(&hosts);
        self.zoom = 1.0;
        self.pan = (0.0, 0.0);
    }

    fn set_time(&mut self, t: SimTime) {
        self.clock.t = t;
        self.refresh_view();
    }

    fn refresh_view(&mut self) {
        if let Some(run) = &self.run {
            self.view = run.index.view_at(self.clock.t);
            // Follow the action: the newest open session, else the newest
            // one so far, unless one was chosen by hand.
            if !self.session_pinned {
                self.session = match self.view.connections.last() {
                    Some(c) => Some(c.conn),
                    None => run
                        .sessions
                        .iter()
                        .rev()
                        .find(|s| s.opened <= self.clock.t)
                        .map(|s| s.conn),
                };
            }
        }
    }

    fn schedule_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(Msg::Frame(ts))
        }));
    }

    /// Draws the lines in flight and the pending DNS queries on the
    /// packets canvas, in the stage's coordinates.
    fn draw_packets(&self) {
        let Some(canvas) = self.packets_ref.cast::<web_sys::HtmlCanvasElement>() else {
            return;
        };
        let Some(run) = &self.run else { return };
        let ratio = gloo::utils::window().device_pixel_ratio().max(1.0);
        let (cw, ch) = (
            f64::from(canvas.client_width()),
            f64::from(canvas.client_height()),
        );
        let (pw, ph) = ((cw * ratio).round() as u32, (ch * ratio).round() as u32);
        if canvas.width() != pw || canvas.height() != ph {
            canvas.set_width(pw);
            canvas.set_height(ph);
        }
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok();
        ctx.clear_rect(0.0, 0.0, f64::from(pw), f64::from(ph));
        // The SVG's viewBox with preserveAspectRatio "meet": one scale,
        // the drawing centred.
        let (vx, vy, vw, vh) = self.view_box();
        let scale = (cw / vw).min(ch / vh);
        if scale <= 0.0 || !scale.is_finite() {
            return;
        }
        let ox = (cw - vw * scale) / 2.0 - vx * scale;
        let oy = (ch - vh * scale) / 2.0 - vy * scale;
        ctx.set_transform(
            ratio * scale,
            0.0,
            0.0,
            ratio * scale,
            ratio * ox,
            ratio * oy,
        )
        .ok();
        let style = self
            .stage_ref
            .cast::<web_sys::Element>()
            .and_then(|e| gloo::utils::window().get_computed_style(&e).ok().flatten());
        let color = |name: &str, fallback: &str| {
            style
                .as_ref()
                .and_then(|s| s.get_property_value(name).ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| fallback.to_string())
        };
        let (plain, tls, bounce, fg, panel, muted) = (
            color("--packet", "#0969da"),
            color("--fault", "#8250df"),
            color("--bad", "#cf222e"),
            color("--packet-fg", "#ffffff"),
            color("--panel", "#ffffff"),
            color("--muted", "#59636e"),
        );
        let font = if self.presenter {
            "bold 14px ui-monospace, monospace"
        } else {
            "11px ui-monospace, monospace"
        };
        ctx.set_font(font);
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        let pos = |h: &str| self.positions.get(h).copied();
        let tls_conns: BTreeSet<u64> = self
            .view
            .connections
            .iter()
            .filter(|c| c.tls)
            .map(|c| c.conn)
            .collect();
        for l in &self.view.in_flight {
            let (Some(a), Some(b)) = (pos(&l.from), pos(&l.to)) else {
                continue;
            };
            let p = a.towards(b, l.fraction);
            let encrypted = tls_conns.contains(&l.conn);
            let is_bounce = l
                .message
                .as_ref()
                .is_some_and(|m| run.dsns.contains(m.as_str()));
            let word: String = if encrypted {
                "TLS".into()
            } else {
                l.text
                    .split([' ', '<'])
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(10)
                    .collect()
            };
            let word = if word.is_empty() {
                "⏎".to_string()
            } else {
                word
            };
            let w = 12.0 + 7.0 * word.chars().count() as f64;
            ctx.set_fill_style_str(if is_bounce {
                &bounce
            } else if encrypted {
                &tls
            } else {
                &plain
            });
            ctx.fill_rect(p.x - w / 2.0, p.y - 9.0, w, 18.0);
            ctx.set_fill_style_str(&fg);
            ctx.fill_text(&word, p.x, p.y + 1.0).ok();
        }
        for q in &self.view.dns_pending {
            let (Some(a), Some(b)) = (pos(&q.host), pos(&q.resolver)) else {
                continue;
            };
            let p = a.towards(b, 0.5);
            ctx.set_fill_style_str(&panel);
            ctx.fill_rect(p.x - 30.0, p.y - 9.0, 60.0, 18.0);
            ctx.set_stroke_style_str(&muted);
            ctx.stroke_rect(p.x - 30.0, p.y - 9.0, 60.0, 18.0);
            ctx.set_fill_style_str(&muted);
            ctx.fill_text("DNS?", p.x, p.y + 1.0).ok();
        }
    }

    /// The stage's viewBox: (x, y, width, height).
    fn view_box(&self) -> (f64, f64, f64, f64) {
        let w = WIDTH / self.zoom;
        let h = self.height / self.zoom;
        (
            (WIDTH - w) / 2.0 + self.pan.0,
            (self.height - h) / 2.0 + self.pan.1,
            w,
            h,
        )
    }
}

/// The keyboard shortcuts, listened for on `target`: the document for the
/// app's own page, the instance's element for a simulator in a page.
fn key_listener(target: &web_sys::EventTarget, link: yew::html::Scope<App>) -> EventListener {
    // Not passive: the shortcuts keep space from scrolling the page.
    let options = gloo::events::EventListenerOptions::enable_prevent_default();
    EventListener::new_with_options(target, "keydown", options, move |e| {
        let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        // Space on a button presses it; the shortcuts leave form controls
        // alone.
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| {
                matches!(
                    el.tag_name().as_str(),
                    "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON"
                )
            });
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let key = e.key();
        if matches!(
            key.as_str(),
            " " | "ArrowLeft" | "ArrowRight" | "Home" | "f"
        ) {
            e.prevent_default();
            link.send_message(Msg::Key(key));
        }
    })
}

fn download(name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let blob = gloo::file::Blob::new_with_options(contents, Some(mime));
    let url = gloo::file::ObjectUrl::from(blob);
    let document = gloo::utils::document();
    let a = document
        .create_element("a")
        .map_err(|_| "cannot create a link".to_string())?;
    a.set_attribute("href", &url)
        .map_err(|_| "cannot set the link".to_string())?;
    a.set_attribute("download", name)
        .map_err(|_| "cannot name the file".to_string())?;
    if let Some(a) = a.dyn_ref::<web_sys::HtmlElement>() {
        a.click();
    }
    Ok(())
}

/// The app's properties: how it starts.
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// Start-up options (the page's query and hash, or `mount()`'s).
    #[prop_or_default]
    pub options: Rc<Options>,
}

/// What an instance opens first.
enum Start {
    /// A preset (or, if none loads, an empty scenario), by name.
    Scenario(String, Scenario),
    /// A share link's hash, to decode first.
    Link(String),
}

/// The first preset, or an empty scenario if it does not load.
fn default_start(problems: &mut Vec<String>) -> Start {
    let first = PRESETS.first().map(|(n, _)| *n).unwrap_or("hello-smtp");
    match preset_scenario(first) {
        Ok(s) => Start::Scenario(first.to_string(), s),
        Err(e) => {
            problems.push(e);
            Start::Scenario(first.to_string(), empty_scenario())
        }
    }
}

/// What the start-up options ask to open, and any problem with them.
fn initial(opts: &Options) -> (Start, Vec<String>) {
    let mut problems = opts.problems.clone();
    if let Some(link) = &opts.link {
        return (Start::Link(link.clone()), problems);
    }
    let start = match opts.scenario.as_deref() {
        None => default_start(&mut problems),
        Some(w) if w.starts_with('v') && w.contains('.') => Start::Link(w.to_string()),
        Some(name) => match preset_scenario(name) {
            Ok(s) => Start::Scenario(name.to_string(), s),
            Err(e) => {
                problems.push(format!("{e}: the default scenario is open instead."));
                default_start(&mut problems)
            }
        },
    };
    (start, problems)
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        let opts = ctx.props().options.clone();
        let (start, problems) = initial(&opts);
        let error = (!problems.is_empty()).then(|| problems.join(" "));
        let mut app = App {
            opts: opts.clone(),
            share_open: false,
            share_link: None,
            restore: None,
            shell_ref: NodeRef::default(),
            preset: String::new(),
            scenario: Rc::new(empty_scenario()),
            json: AttrValue::default(),
            json_version: 0,
            big_json_shown: false,
            editors_stale: false,
            problems: ProblemList::default(),
            run: None,
            branches: Vec::new(),
            computing: None,
            progress: 0.0,
            pending_clock: None,
            clock: Clock::default(),
            view: View::default(),
            last_frame: None,
            frame: None,
            tab: Tab::Transcript,
            session: None,
            session_pinned: false,
            focus_fault_menu: false,
            runs_done: 0,
            selection: None,
            message: None,
            force_code: 550,
            force_stage: Stage::Rcpt,
            // The system's preference until the toggle is used.
            dark: gloo::utils::window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches()),
            presenter: false,
            error,
            positions: BTreeMap::new(),
            height: 420.0,
            zoom: 1.0,
            drag: None,
            pan: (0.0, 0.0),
            stage_ref: NodeRef::default(),
            packets_ref: NodeRef::default(),
            svg_ref: NodeRef::default(),
            _wheel: None,
            form: serde_json::Value::Null,
            form_mode: true,
            console: None,
            console_host: String::new(),
            console_input: String::new(),
            typed_messages: 0,
            _keys: None,
            reader: None,
            _guard: None,
        };
        if let Some(d) = opts.dark {
            app.dark = d;
        }
        if let Some(speed) = opts.speed {
            app.clock.speed = speed;
        }
        match start {
            Start::Scenario(name, scenario) => {
                app.load(ctx, Rc::new(scenario));
                app.preset = name;
            }
            // The browser inflates the link; the run starts once it has.
            Start::Link(hash) => ctx.link().send_future(async move {
                Msg::LinkDecoded(share::decode(&hash).await.map_err(|e| e.to_string()))
            }),
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Preset(name) => match preset_scenario(&name) {
                Ok(s) => {
                    self.preset = name;
                    self.load(ctx, Rc::new(s));
                }
                Err(e) => self.error = Some(e),
            },
            Msg::Load(s, label) => {
                self.preset = label;
                self.load(ctx, s);
            }
            Msg::EditJson(text) => {
                match bounds::check_text("the scenario text", text) {
                    Ok(text) => {
                        // The author's own text is in the editor already.
                        self.json = text.into();
                        self.big_json_shown = true;
                    }
                    Err(e) => {
                        self.error = Some(e);
                        self.restore_field("json");
                        return true;
                    }
                }
                return false;
            }
            Msg::ShowBigJson => self.big_json_shown = true,
            Msg::Refused(field, len) => {
                self.restore_field(&field);
                if field == "console" {
                    if let Some(why) = bounds::console_line_too_long(len) {
                        match self.console.as_mut() {
                            Some(state) => state.lines.push('!', why),
                            None => self.error = Some(why),
                        }
                    }
                } else {
                    self.error = Some(bounds::edit_refused(len));
                }
            }
            Msg::ApplyJson => self.apply_json(ctx),
            Msg::GotoLine(n) => {
                let el = gloo::utils::document().get_element_by_id(&self.opts.id("scenario-json"));
                if let Some(area) = el.and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok()) {
                    // Offsets in UTF-16 code units, as the DOM counts them.
                    let before: usize = self
                        .json
                        .split_inclusive('\n')
                        .take(n.saturating_sub(1))
                        .map(|l| l.encode_utf16().count())
                        .sum();
                    let len = self
                        .json
                        .lines()
                        .nth(n.saturating_sub(1))
                        .map_or(0, |l| l.encode_utf16().count());
                    let (start, end) = (
                        u32::try_from(before).unwrap_or(0),
                        u32::try_from(before + len).unwrap_or(0),
                    );
                    let _ = area.focus();
                    let _ = area.set_selection_range(start, end);
                    let lines = self.json.lines().count().max(1) as f64;
                    let top = f64::from(area.scroll_height()) * n.saturating_sub(1) as f64 / lines;
                    area.set_scroll_top((top as i32 - area.client_height() / 3).max(0));
                }
                return false;
            }
            Msg::ReadFile(file) => {
                // Measured before a byte of it is read.
                let what = format!("the file {}", file.name());
                if let Some(e) = bounds::text_too_large(&what, file.size() as usize) {
                    self.error = Some(e);
                    return true;
                }
                let link = ctx.link().clone();
                let file = gloo::file::File::from(file);
                // The reader is kept until it calls back.
                self.reader = Some(gloo::file::callbacks::read_as_text(&file, move |r| {
                    link.send_message(Msg::Imported(r.map_err(|e| e.to_string())));
                }));
                return false;
            }
            Msg::Imported(result) => {
                self.reader = None;
                match result {
                    Ok(text) => match bounds::check_text("the file", text) {
                        Ok(text) => {
                            self.set_json(text.into());
                            ctx.link().send_message(Msg::ApplyJson);
                        }
                        Err(e) => self.error = Some(e),
                    },
                    Err(e) => self.error = Some(format!("could not read the file: {e}")),
                }
            }
            Msg::ComputeStep => {
                let Some(c) = self.computing.as_mut() else {
                    return false;
                };
                let started = now_millis();
                match c.step_within(|| now_millis() - started >= SLICE_MILLIS) {
                    Some(run) => {
                        mark_computing(true);
                        self.computing = None;
                        self.runs_done += 1;
                        if let Some(stop) = &run.stopped {
                            // The run is kept up to its budget; say why it ends there.
                            self.error = Some(budget_advice(stop));
                        }
                        self.run = Some(Rc::new(run));
                        self.clock = self.pending_clock.take().unwrap_or_default();
                        if let Some((t, host)) = self.restore.take() {
                            self.clock.t = t;
                            self.selection = host.map(Selection::Host);
                        }
                        if self.runs_done == 1 && self.opts.autoplay {
                            self.clock.playing = true;
                            self.last_frame = None;
                            self.schedule_frame(ctx);
                        }
                        self.refresh_view();
                    }
                    None => {
                        self.progress = c.progress();
                        ctx.link().send_future(async {
                            yew::platform::time::sleep(Duration::from_millis(0)).await;
                            Msg::ComputeStep
                        });
                    }
                }
            }
            Msg::Frame(ts) => {
                let dt = self.last_frame.map_or(0.0, |last| (ts - last) / 1000.0);
                self.last_frame = Some(ts);
                let Some(run) = self.run.clone() else {
                    return false;
                };
                self.clock = self.clock.advance(&run, dt);
                if !self.clock.playing && self.opts.looping {
                    // Loop: from the start again, still playing.
                    self.clock.t = SimTime::ZERO;
                    self.clock.playing = true;
                    self.session = None;
                }
                self.refresh_view();
                if self.clock.playing {
                    self.schedule_frame(ctx);
                } else {
                    self.frame = None;
                }
            }
            Msg::Toggle => {
                if self.run.is_none() {
                    return false;
                }
                let end = self.run.as_ref().map(|r| r.end()).unwrap_or_default();
                if !self.clock.playing && self.clock.t >= end {
                    self.clock.t = SimTime::ZERO;
                }
                self.clock.playing = !self.clock.playing;
                self.last_frame = None;
                if self.clock.playing {
                    self.schedule_frame(ctx);
                } else {
                    self.frame = None;
                }
                self.refresh_view();
            }
            Msg::StepForward => {
                self.clock.playing = false;
                self.frame = None;
                if let Some(t) = self.run.as_ref().and_then(|r| r.next_time(self.clock.t)) {
                    self.set_time(t);
                }
            }
            Msg::StepBack => {
                self.clock.playing = false;
                self.frame = None;
                let t = self
                    .run
                    .as_ref()
                    .and_then(|r| r.previous_time(self.clock.t))
                    .unwrap_or(SimTime::ZERO);
                self.set_time(t);
            }
            Msg::Restart => {
                self.clock.playing = false;
                self.frame = None;
                self.session = None;
                self.session_pinned = false;
                self.set_time(SimTime::ZERO);
            }
            Msg::Speed(s) => self.clock.speed = s,
            Msg::Seek(position) => {
                if let Some(t) = self.run.as_ref().map(|r| r.time_at(position)) {
                    self.set_time(t);
                }
            }
            Msg::Tab(t) => {
                if t != Tab::Scenario {
                    // A large text is laid out again on the way back:
                    // ask first (it is kept, not lost).
                    self.big_json_shown = false;
                }
                self.tab = t;
                self.ready_editors();
            }
            Msg::Session(c) => {
                self.session = Some(c);
                self.session_pinned = true;
                if !matches!(self.tab, Tab::Transcript | Tab::Wire) {
                    self.tab = Tab::Transcript;
                }
            }
            Msg::Select(s) => {
                if let (Some(Selection::Link(a, b)), Some(run)) = (&s, &self.run) {
                    // The latest session on that link so far.
                    let t = self.clock.t;
                    if let Some(sess) = run.sessions.iter().rev().find(|x| {
                        x.opened <= t
                            && ((x.client == *a && x.server == *b)
                                || (x.client == *b && x.server == *a))
                    }) {
                        self.session = Some(sess.conn);
                    }
                }
                self.selection = s;
            }
            Msg::Message(m) => {
                self.message = Some(m);
                self.tab = Tab::Messages;
            }
            Msg::Inject(f) => self.inject(ctx, f),
            Msg::BringUp(h) => self.bring_up(ctx, &h),
            Msg::Heal(a, b) => self.heal(ctx, &a, &b),
            Msg::RestoreBranch => {
                if let Some(previous) = self.branches.pop() {
                    self.scenario = previous.scenario.clone();
                    self.run = Some(previous);
                    self.refresh_view();
                }
            }
            Msg::ForceCode(c) => self.force_code = c,
            Msg::ForceStage(s) => self.force_stage = s,
            Msg::ConsoleHost(h) => self.console_host = h,
            Msg::ConsoleOpen => self.open_console(),
            Msg::ConsoleInput(text) => {
                self.console_input = text;
                return false;
            }
            Msg::ConsoleSend => self.console_send(ctx),
            Msg::Form(m) => match m {
                FormMsg::Set(pointer, value) => form::set_at(&mut self.form, &pointer, value),
                FormMsg::Add(pointer, value) => form::push_at(&mut self.form, &pointer, value),
                FormMsg::Remove(pointer, i) => form::remove_at(&mut self.form, &pointer, i),
                FormMsg::Apply => {
                    self.set_json(
                        serde_json::to_string_pretty(&self.form)
                            .unwrap_or_default()
                            .into(),
                    );
                    return Component::update(self, ctx, Msg::ApplyJson);
                }
                FormMsg::Reset => {
                    self.form = form::draft_of(&self.scenario);
                    self.problems = ProblemList::default();
                }
            },
            Msg::FormMode(on) => {
                if !on {
                    // The JSON text shows what the form holds.
                    self.set_json(
                        serde_json::to_string_pretty(&self.form)
                            .unwrap_or_default()
                            .into(),
                    );
                } else if let Ok(v) = serde_json::from_str(&self.json) {
                    self.form = v;
                }
                self.form_mode = on;
            }
            Msg::LinkDecoded(result) => match result {
                Ok(shared) => self.open_shared(ctx, shared),
                Err(e) => {
                    let mut problems: Vec<String> = self.error.take().into_iter().collect();
                    problems.push(format!("{e} The default scenario is open instead."));
                    if let Start::Scenario(name, s) = default_start(&mut problems) {
                        self.load(ctx, Rc::new(s));
                        self.preset = name;
                    }
                    self.error = Some(problems.join(" "));
                }
            },
            Msg::ShareOpen(open) => {
                self.share_open = open;
                self.share_link = None;
                if open {
                    let shared = self.shared();
                    ctx.link().send_future(async move {
                        Msg::ShareReady(share::encode(&shared).await.map_err(|e| e.to_string()))
                    });
                }
            }
            Msg::ShareReady(result) => match result {
                Ok(hash) => {
                    // The address bar shows the link too.
                    let window = gloo::utils::window();
                    if let Ok(history) = window.history() {
                        let _ = history.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&format!("#{hash}")),
                        );
                    }
                    self.share_link = Some(hash);
                }
                Err(e) => {
                    self.share_open = false;
                    self.error = Some(format!("cannot make a link: {e}"));
                }
            },
            Msg::ToggleTheme => self.dark = !self.dark,
            Msg::TogglePresenter => self.presenter = !self.presenter,
            Msg::DismissError => self.error = None,
            Msg::Export(what) => {
                // Made on demand: a long run's trace is large.
                let (name, mime, contents) = match what {
                    Export::Scenario => {
                        ("scenario.json", "application/json", self.scenario.to_json())
                    }
                    Export::Trace => (
                        "trace.json",
                        "application/json",
                        self.run
                            .as_ref()
                            .map(|r| r.index.trace().to_json())
                            .unwrap_or_default(),
                    ),
                    Export::Transcripts => {
                        ("transcripts.txt", "text/plain", self.export_transcripts())
                    }
                };
                if let Err(e) = download(name, mime, &contents) {
                    self.error = Some(e);
                }
                return false;
            }
            Msg::Key(k) => {
                let msg = match k.as_str() {
                    " " => Msg::Toggle,
                    "ArrowRight" => Msg::StepForward,
                    "ArrowLeft" => Msg::StepBack,
                    "Home" => Msg::Restart,
                    "f" => {
                        // The fault menu of the selected host, or the first MX.
                        if self.selection.is_none() {
                            self.selection = self.default_host().map(Selection::Host);
                        }
                        self.focus_fault_menu = true;
                        return true;
                    }
                    _ => return false,
                };
                return Component::update(self, ctx, msg);
            }
            Msg::DragStart(h) => self.drag = Some(Drag::Host(h)),
            Msg::PanStart => {
                // A press on a host bubbles up here after it started a drag.
                if self.drag.is_none() {
                    self.drag = Some(Drag::Pan(None));
                }
            }
            Msg::DragMove(x, y) => match &mut self.drag {
                Some(Drag::Host(h)) => {
                    if let Some(p) = self.positions.get_mut(h.as_str()) {
                        *p = Point {
                            x: x.clamp(10.0, WIDTH - 10.0),
                            y: y.clamp(10.0, self.height - 10.0),
                        };
                    }
                }
                Some(Drag::Pan(last)) => {
                    // The point under the pointer stays under it.
                    let (px, py) = (x - self.pan.0, y - self.pan.1);
                    if let Some((lx, ly)) = *last {
                        self.pan.0 -= px - lx;
                        self.pan.1 -= py - ly;
                    }
                    *last = Some((px, py));
                }
                None => return false,
            },
            Msg::DragEnd => {
                if self.drag.take().is_none() {
                    return false;
                }
            }
            Msg::Zoom(f) => self.zoom = (self.zoom * f).clamp(0.5, 4.0),
            Msg::ResetView => {
                self.reset_stage();
            }
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if first_render {
            let target: Option<web_sys::EventTarget> = if self.opts.contained {
                self.shell_ref.get().map(Into::into)
            } else {
                Some(gloo::utils::document().into())
            };
            if let Some(t) = target {
                self._keys = Some(key_listener(&t, ctx.link().clone()));
            }
        }
        if first_render {
            // Bounded fields refuse what would overflow them, measured in
            // the page (see `guard`).
            let root: Option<web_sys::EventTarget> = self.shell_ref.get().map(Into::into);
            if let Some(root) = root {
                let link = ctx.link().clone();
                self._guard = Some(Guard::new(&root, move |field, len| {
                    link.send_message(Msg::Refused(field, len as usize));
                }));
            }
        }
        if first_render && !self.opts.embed {
            // The wheel zooms the stage; not passive, so the page does not
            // scroll at the same time. (Not in a page that embeds it: there
            // the wheel scrolls the page.)
            if let Some(stage) = self.stage_ref.get() {
                let link = ctx.link().clone();
                let options = gloo::events::EventListenerOptions::enable_prevent_default();
                self._wheel = Some(EventListener::new_with_options(
                    &stage,
                    "wheel",
                    options,
                    move |e| {
                        if let Some(w) = e.dyn_ref::<web_sys::WheelEvent>() {
                            w.prevent_default();
                            link.send_message(Msg::Zoom(if w.delta_y() < 0.0 {
                                1.15
                            } else {
                                1.0 / 1.15
                            }));
                        }
                    },
                ));
            }
        }
        // Marks that tools and tests read: the module initialised, whether a
        // run is being computed, and how many runs finished. On the
        // instance's element, and on the page's body for the app's page.
        let state = if self.computing.is_some() {
            "computing"
        } else {
            "ready"
        };
        let runs = self.runs_done.to_string();
        let mut marked: Vec<web_sys::Element> = self
            .shell_ref
            .cast::<web_sys::Element>()
            .into_iter()
            .collect();
        if !self.opts.contained {
            marked.extend(gloo::utils::document().body().map(web_sys::Element::from));
        }
        for el in marked {
            let _ = el.set_attribute("data-mxlab-ready", "true");
            let _ = el.set_attribute("data-mxlab-state", state);
            let _ = el.set_attribute("data-mxlab-runs", &runs);
        }
        self.draw_packets();
        if self.tab == Tab::Scenario && !self.form_mode {
            self.show_json();
        }
        if std::mem::take(&mut self.focus_fault_menu) {
            // `f` opens the fault menu: keyboard focus goes to its first action.
            if let Some(el) =
                gloo::utils::document().get_element_by_id(&self.opts.id("fault-menu-first"))
            {
                if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let root = classes!(
            "mxlab-shell",
            self.dark.then_some("dark"),
            self.presenter.then_some("presenter"),
            self.opts.embed.then_some("embed")
        );
        let banner = match &self.error {
            Some(e) => html! {
                <div class="banner" role="alert">
                    <span class="banner-text">{ e.clone() }</span>
                    <button class="dismiss" aria-label="Dismiss the message" onclick={link.callback(|_| Msg::DismissError)}>{ "×" }</button>
                </div>
            },
            None => html! {},
        };
        let stage = html! {
            <main class="mxlab-stage" aria-label="Network stage" ref={self.stage_ref.clone()}>
                { self.view_stage(ctx) }
                if let Some(c) = &self.computing {
                    <div class="computing" role="progressbar" aria-label="Computing the run"
                        aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{:.0}", self.progress * 100.0)}>
                        <span>{ format!("computing… {:.0}%", c.progress() * 100.0) }</span>
                        <progress max="1" value={self.progress.to_string()} />
                    </div>
                }
            </main>
        };
        if self.opts.embed {
            let view = self.opts.view;
            let title = if self.scenario.name.is_empty() {
                "MX Lab".to_string()
            } else {
                self.scenario.name.clone()
            };
            return html! {
                <div class={root} ref={self.shell_ref.clone()} role="region" aria-label={format!("MX Lab: {title}")}
                    tabindex={self.opts.contained.then_some("0")} data-view={view.name()}>
                    <div class="embed-bar">
                        <h1>{ title }</h1>
                        if !self.opts.contained {
                            <a href={format!("./?scenario={}", encode_component(
                                self.opts.link.as_deref().or(self.opts.scenario.as_deref()).unwrap_or(&self.preset)))}
                                target="_blank" rel="noopener">{ "Open in MX Lab ↗" }</a>
                        }
                    </div>
                    { banner }
                    if view.stage() {
                        <div class="workspace">{ stage }</div>
                    }
                    { self.view_transport(ctx) }
                    if view.transcript() {
                        <section class="panels">
                            <div role="tabpanel" aria-label="Transcript">{ self.view_transcript(ctx, false) }</div>
                        </section>
                    }
                </div>
            };
        }
        html! {
            <div class={root} ref={self.shell_ref.clone()}>
                { self.view_header(ctx) }
                { banner }
                if self.share_open {
                    { self.view_share(ctx) }
                }
                <div class="workspace">
                    { stage }
                    { self.view_side(ctx) }
                </div>
                { self.view_transport(ctx) }
                { self.view_panels(ctx) }
                <footer class="mxlab-status" role="status">
                    <span class="version">{ version_line() }</span>
                    <span class="state">{ if self.computing.is_some() { "computing" } else { "ready" } }</span>
                </footer>
            </div>
        }
    }
}

/// A scenario with nothing in it, shown if a preset cannot be loaded.
fn empty_scenario() -> Scenario {
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

fn role_glyph(role: Role) -> &'static str {
    match role {
        Role::Mua => "MUA",
        Role::Submission => "MSA",
        Role::Relay => "MTA",
        Role::Mx => "MX",
        Role::Resolver => "DNS",
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Mua => "mail user agent",
        Role::Submission => "submission server",
        Role::Relay => "relay",
        Role::Mx => "MX host",
        Role::Resolver => "DNS resolver",
    }
}

impl App {
    fn view_header(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_preset = link.callback(|e: Event| Msg::Preset(target_value(&e)));
        html! {
            <header class="mxlab-header">
                <h1>{ "MX Lab" }</h1>
                <label class="preset">
                    <span>{ "Scenario" }</span>
                    <select id={self.opts.id("preset")} onchange={on_preset} aria-label="Preset scenario">
                        { for PRESETS.iter().map(|(name, _)| {
                            let title = mxlab_sim::presets::preset(name)
                                .and_then(Result::ok)
                                .map(|s| s.name)
                                .filter(|n| !n.is_empty())
                                .unwrap_or_else(|| name.to_string());
                            html! { <option value={*name} selected={self.preset == *name}>{ title }</option> }
                        }) }
                        if self.preset == "custom" {
                            <option value="custom" selected=true disabled=true>{ "custom scenario" }</option>
                        }
                    </select>
                </label>
                <span class="tagline">{ "See how mail really moves: SMTP, DNS, queues, retries and bounces" }</span>
                <div class="toggles">
                    <button class="share" onclick={link.callback(|_| Msg::ShareOpen(true))}>{ "Share" }</button>
                    <button aria-pressed={self.dark.to_string()} onclick={link.callback(|_| Msg::ToggleTheme)}>
                        { if self.dark { "Light theme" } else { "Dark theme" } }
                    </button>
                    <button aria-pressed={self.presenter.to_string()} onclick={link.callback(|_| Msg::TogglePresenter)}>
                        { "Presenter mode" }
                    </button>
                </div>
            </header>
        }
    }

    fn view_stage(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let Some(run) = &self.run else {
            return html! {
                <svg viewBox="0 0 1000 420" role="img" aria-label="Network stage">
                    <text class="empty" x="500" y="210" text-anchor="middle">{ "Computing the run…" }</text>
                </svg>
            };
        };
        let pos = |h: &str| self.positions.get(h).copied();
        let (vx, vy, vw, vh) = self.view_box();
        let vb = format!("{vx} {vy} {vw} {vh}");
        let pairs = &run.links;
        let open = |a: &str, b: &str| {
            self.view
                .connections
                .iter()
                .find(|c| (c.client == a && c.server == b) || (c.client == b && c.server == a))
        };
        let links = pairs.iter().filter_map(|(a, b, dns)| {
            let (pa, pb) = (pos(a)?, pos(b)?);
            let conn = open(a, b);
            let selected = matches!(&self.selection, Some(Selection::Link(x, y)) if (x == a && y == b) || (x == b && y == a));
            let class = classes!("link", dns.then_some("dns"), conn.map(|_| "open"), selected.then_some("selected"));
            let (a2, b2) = (a.clone(), b.clone());
            let onclick = link.callback(move |_| Msg::Select(Some(Selection::Link(a2.clone(), b2.clone()))));
            let mid = pa.towards(pb, 0.5);
            let label = format!("link {a} – {b}");
            Some(html! {
                <g class={class}>
                    <line x1={pa.x.to_string()} y1={pa.y.to_string()} x2={pb.x.to_string()} y2={pb.y.to_string()} />
                    <line class="hit" x1={pa.x.to_string()} y1={pa.y.to_string()} x2={pb.x.to_string()} y2={pb.y.to_string()}
                        onclick={onclick}><title>{ label }</title></line>
                    if conn.is_some_and(|c| c.tls) {
                        <text class="lock" x={mid.x.to_string()} y={(mid.y - 8.0).to_string()} text-anchor="middle">
                            { "🔒" }<title>{ "TLS (STARTTLS, RFC 3207)" }</title>
                        </text>
                    }
                </g>
            })
        });
        let hosts = self.scenario.nodes.iter().filter_map(|n| {
            let p = pos(&n.name)?;
            let down = self.view.hosts_down.iter().any(|h| h.eq_ignore_ascii_case(&n.name));
            let busy = self.view.connections.iter().any(|c| c.client == n.name.as_str() || c.server == n.name.as_str());
            let queued = self.view.queues.get(n.name.as_str()).map_or(0, |q| q.len());
            let stored: usize = self
                .view
                .mailboxes
                .iter()
                .filter(|(addr, _)| run.mailbox_hosts.get(addr.to_ascii_lowercase().as_str()).is_some_and(|h| *h == n.name))
                .map(|(_, m)| m.len())
                .sum();
            let selected = self.selection == Some(Selection::Host(n.name.clone()));
            let class = classes!(
                "host",
                format!("role-{}", role_glyph(n.role).to_ascii_lowercase()),
                down.then_some("down"),
                busy.then_some("busy"),
                selected.then_some("selected")
            );
            let name = n.name.clone();
            let name2 = n.name.clone();
            let onclick = link.callback(move |_| Msg::Select(Some(Selection::Host(name.clone()))));
            let onpointerdown = link.callback(move |e: PointerEvent| {
                e.stop_propagation();
                Msg::DragStart(name2.clone())
            });
            let state = if down { "down" } else if busy { "busy" } else { "up" };
            let title = format!("{} ({}): {state}, {queued} queued", n.name, role_name(n.role));
            Some(html! {
                <g class={class} transform={format!("translate({},{})", p.x, p.y)} onclick={onclick} onpointerdown={onpointerdown}
                    data-host={n.name.clone()} data-state={state}>
                    <title>{ title }</title>
                    <rect x="-34" y="-20" width="68" height="40" rx="8" />
                    <text class="glyph" y="5" text-anchor="middle">{ role_glyph(n.role) }</text>
                    <text class="name" y="36" text-anchor="middle">{ n.name.clone() }</text>
                    if down {
                        <text class="down-mark" x="30" y="-14" text-anchor="middle">{ "✕" }</text>
                    }
                    if queued > 0 {
                        <g class="badge queue" transform="translate(34,-20)">
                            <circle r="11" /><text y="4" text-anchor="middle">{ queued.to_string() }</text>
                            <title>{ format!("{queued} recipient(s) queued") }</title>
                        </g>
                    }
                    if stored > 0 {
                        <g class="badge mailbox" transform="translate(-34,-20)">
                            <circle r="11" /><text y="4" text-anchor="middle">{ stored.to_string() }</text>
                            <title>{ format!("{stored} message(s) in mailboxes") }</title>
                        </g>
                    }
                </g>
            })
        });
        let svg_ref = self.svg_ref.clone();
        let onpointermove = link.batch_callback(move |e: PointerEvent| {
            // Not the event's current target: events are delegated.
            let svg: web_sys::Element = svg_ref.cast()?;
            let rect = svg.get_bounding_client_rect();
            let vb = svg.get_attribute("viewBox")?;
            let v: Vec<f64> = vb.split(' ').filter_map(|x| x.parse().ok()).collect();
            let (vx, vy, vw, vh) = (*v.first()?, *v.get(1)?, *v.get(2)?, *v.get(3)?);
            // preserveAspectRatio meet: one scale, the content centred.
            let scale = (rect.width() / vw).min(rect.height() / vh);
            if scale <= 0.0 {
                return None;
            }
            let ox = (rect.width() - vw * scale) / 2.0;
            let oy = (rect.height() - vh * scale) / 2.0;
            let x = vx + (f64::from(e.client_x()) - rect.left() - ox) / scale;
            let y = vy + (f64::from(e.client_y()) - rect.top() - oy) / scale;
            Some(Msg::DragMove(x, y))
        });
        html! {
            <>
                <svg ref={self.svg_ref.clone()} viewBox={vb} role="img" aria-label={format!("Network of {} hosts at {}", self.scenario.nodes.len(), self.clock.t)}
                    onpointermove={onpointermove} onpointerup={link.callback(|_| Msg::DragEnd)}
                    onpointerleave={link.callback(|_| Msg::DragEnd)} onpointerdown={link.callback(|_| Msg::PanStart)}>
                    <g class="links">{ for links }</g>
                    <g class="hosts">{ for hosts }</g>
                </svg>
                // Packets are drawn on a canvas over the stage: hundreds of
                // them move every frame.
                <canvas class="packets" ref={self.packets_ref.clone()} aria-hidden="true"
                    data-packets={(self.view.in_flight.len() + self.view.dns_pending.len()).to_string()} />
                <div class="stage-tools">
                    <button aria-label="Zoom in" onclick={link.callback(|_| Msg::Zoom(1.25))}>{ "+" }</button>
                    <button aria-label="Zoom out" onclick={link.callback(|_| Msg::Zoom(0.8))}>{ "−" }</button>
                    <button aria-label="Reset the layout" onclick={link.callback(|_| Msg::ResetView)}>{ "Fit" }</button>
                </div>
            </>
        }
    }

    fn view_transport(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let (n, position) = match &self.run {
            Some(r) => (r.events().len(), r.position(self.clock.t)),
            None => (0, 0),
        };
        let on_seek =
            link.callback(|e: InputEvent| Msg::Seek(target_value(&e).parse().unwrap_or(0)));
        let on_speed =
            link.callback(|e: Event| Msg::Speed(target_value(&e).parse().unwrap_or(1.0)));
        let speed = self.clock.speed;
        html! {
            <section class="transport" aria-label="Transport">
                <div class="buttons">
                    <button aria-label="Restart (Home)" onclick={link.callback(|_| Msg::Restart)}>{ "|◀◀" }</button>
                    <button aria-label="Previous event (←)" onclick={link.callback(|_| Msg::StepBack)}>{ "◀|" }</button>
                    <button class="play" aria-label={if self.clock.playing { "Pause (space)" } else { "Play (space)" }}
                        onclick={link.callback(|_| Msg::Toggle)}>{ if self.clock.playing { "❚❚" } else { "▶" } }</button>
                    <button aria-label="Next event (→)" onclick={link.callback(|_| Msg::StepForward)}>{ "▶|" }</button>
                    <label class="speed">{ "Speed " }
                        <select aria-label="Speed" onchange={on_speed}>
                            { for SPEEDS.iter().map(|s| html! {
                                <option value={s.to_string()} selected={(*s - speed).abs() < f64::EPSILON}>{ format!("{s}×") }</option>
                            }) }
                        </select>
                    </label>
                    <span class="clock" aria-live="off" data-micros={self.clock.t.as_micros().to_string()}>
                        { self.clock.t.to_string() }
                    </span>
                    if self.clock.skipped {
                        <span class="skipping">{ "⏩ skipping idle time" }</span>
                    }
                </div>
                <div class="timeline">
                    if let Some(run) = &self.run {
                        <Markers run={RunRef(run.clone())} />
                    }
                    <input type="range" aria-label="Timeline" min="0" max={n.to_string()} value={position.to_string()}
                        oninput={on_seek} aria-valuetext={format!("{} of {n} events, {}", position, self.clock.t)} />
                    <div class="legend">
                        { for [MarkerKind::Delivered, MarkerKind::Deferred, MarkerKind::Bounced, MarkerKind::Fault, MarkerKind::Fork].iter().map(|k| html! {
                            <span class={classes!("key", k.class())}>{ k.class() }</span>
                        }) }
                    </div>
                </div>
            </section>
        }
    }

    fn view_panels(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        html! {
            <section class="panels">
                <div role="tablist" aria-label="Panels">
                    { for Tab::ALL.iter().map(|t| {
                        let t = *t;
                        html! {
                            <button role="tab" id={self.opts.id(&format!("tab-{}", t.id()))} aria-selected={(self.tab == t).to_string()}
                                aria-controls={self.opts.id(&format!("panel-{}", t.id()))} onclick={link.callback(move |_| Msg::Tab(t))}>
                                { t.label() }
                            </button>
                        }
                    }) }
                </div>
                <div role="tabpanel" id={self.opts.id(&format!("panel-{}", self.tab.id()))} aria-labelledby={self.opts.id(&format!("tab-{}", self.tab.id()))}>
                    { match self.tab {
                        Tab::Transcript => self.view_transcript(ctx, false),
                        Tab::Wire => self.view_transcript(ctx, true),
                        Tab::Queues => self.view_queues(),
                        Tab::Messages => self.view_messages(ctx),
                        Tab::Statistics => match &self.run {
                            Some(run) => html! { <Statistics run={RunRef(run.clone())} /> },
                            None => html! {},
                        },
                        Tab::Console => self.view_console(ctx),
                        Tab::Scenario => self.view_scenario(ctx),
                    } }
                </div>
            </section>
        }
    }

    fn view_queues(&self) -> Html {
        let queued: Vec<_> = self
            .view
            .queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .collect();
        if queued.is_empty() {
            return html! { <p class="hint">{ format!("Every queue is empty at {}.", self.clock.t) }</p> };
        }
        html! {
            <div class="queues">
                { for queued.iter().map(|(host, q)| html! {
                    <table class="queue" data-host={host.to_string()}>
                        <caption>{ format!("{host}: {} queued", q.len()) }</caption>
                        <thead><tr><th>{ "message" }</th><th>{ "recipient" }</th><th>{ "attempts" }</th><th>{ "last error" }</th><th>{ "next retry" }</th></tr></thead>
                        <tbody>
                            { for q.iter().map(|r| html! {
                                <tr>
                                    <td>{ r.message.to_string() }</td>
                                    <td>{ r.recipient.to_string() }</td>
                                    <td class="attempts">{ r.attempts.to_string() }</td>
                                    <td class="error">{ r.last_error.clone().unwrap_or_default() }</td>
                                    <td class="next">{ r.next_attempt.map(|t| t.to_string()).unwrap_or_else(|| "now".into()) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }) }
            </div>
        }
    }

    fn view_messages(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let Some(run) = &self.run else {
            return html! {};
        };
        let t = self.clock.t;
        let mailboxes = self.view.mailboxes.iter().map(|(mb, ids)| {
            html! {
                <li class="mailbox" data-mailbox={mb.to_string()}>
                    <strong>{ mb.to_string() }</strong>
                    <ul>
                        { for ids.iter().map(|id| {
                            let id2 = id.to_string();
                            let dsn = run.dsns.contains(id.as_str());
                            html! {
                                <li class={classes!(dsn.then_some("dsn"))}>
                                    <button onclick={link.callback(move |_| Msg::Message(id2.clone()))}>
                                        { if dsn { format!("{id} (delivery status notification)") } else { id.to_string() } }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                </li>
            }
        });
        let inspector = self.message.as_ref().map(|id| {
            let spec = run.scenario.messages.iter().find(|m| m.id == *id);
            let hops = run.hops(id, t);
            html! {
                <section class="inspector" aria-label={format!("Message {id}")}>
                    <h3>{ format!("Message {id}") }</h3>
                    if let Some(m) = spec {
                        <div class="envelope">
                            <h4>{ "Envelope (what the servers deliver by)" }</h4>
                            <p>{ format!("MAIL FROM:<{}>", m.mail_from) }</p>
                            { for m.rcpt_to.iter().map(|r| html! { <p>{ format!("RCPT TO:<{r}>") }</p> }) }
                        </div>
                    } else if let Some(r) = run.dsn_report(id) {
                        <div class="envelope">
                            <h4>{ "Envelope" }</h4>
                            <p>{ "MAIL FROM:<> (the null reverse-path: a bounce is never bounced, RFC 5321 §4.5.5)" }</p>
                            <p>{ format!("RCPT TO:<{}>", r.to) }</p>
                        </div>
                        <div class="dsn-report">
                            <h4>{ format!("Delivery status notification about {} (RFC 3464)", r.original) }</h4>
                            <pre>{ {
                                let mut text = format!("Reporting-MTA: dns; {}\nArrival: {}\n", r.reporting, r.at);
                                for (rcpt, d) in &r.recipients {
                                    text.push_str(&format!(
                                        "\nFinal-Recipient: rfc822; {rcpt}\nAction: {}\nStatus: {}\nDiagnostic-Code: smtp; {} {} {}\n",
                                        if r.action == DsnAction::Failed { "failed" } else { "delayed" },
                                        d.enhanced, d.code, d.enhanced, d.text
                                    ));
                                }
                                text
                            } }</pre>
                        </div>
                    }
                    <h4>{ "Headers, hop by hop (the Received chain grows at each relay)" }</h4>
                    if hops.is_empty() {
                        <p class="hint">{ "Not on the wire yet at this time." }</p>
                    }
                    <ol class="hops">
                        { for hops.iter().map(|h| html! {
                            <li class="hop">
                                <p class="hop-title">{ format!("{} → {} at {}", h.from, h.to, h.at) }</p>
                                <pre>{ h.headers.join("\n") }</pre>
                            </li>
                        }) }
                    </ol>
                </section>
            }
        });
        html! {
            <div class="messages">
                <ul class="mailboxes" aria-label="Mailboxes">
                    if self.view.mailboxes.is_empty() {
                        <li class="hint">{ format!("No mailbox holds a message at {t}.") }</li>
                    }
                    { for mailboxes }
                </ul>
                { for inspector }
            </div>
        }
    }
}

/// Sessions listed in the session picker (the latest ones).
pub const MAX_SESSION_OPTIONS: usize = 300;

/// A run as a component property: equal when it is the same run, so the
/// parts drawn from the run alone are not redrawn every frame.
#[derive(Clone)]
pub struct RunRef(pub Rc<Run>);

impl PartialEq for RunRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Properties of [`Markers`].
#[derive(Properties, PartialEq)]
pub struct MarkersProps {
    /// The run.
    pub run: RunRef,
}

/// The timeline's coloured markers: one per kind and per thousandth of
/// the timeline at most, so a run of thousands of deliveries stays light.
#[function_component(Markers)]
pub fn markers(props: &MarkersProps) -> Html {
    let run = &props.run.0;
    let n = run.events().len().max(1) as f64;
    let mut shown: BTreeMap<(u32, &'static str), (&crate::lab::Marker, usize)> = BTreeMap::new();
    for m in &run.markers {
        let slot = (m.position as f64 * 1000.0 / n) as u32;
        shown.entry((slot, m.kind.class())).or_insert((m, 0)).1 += 1 + m.more;
    }
    html! {
        <div class="markers" aria-hidden="true">
            { for shown.values().map(|(m, count)| html! {
                <span class={classes!("marker", m.kind.class())}
                    style={format!("left:{:.3}%", m.position as f64 * 100.0 / n)}
                    title={if *count > 1 { format!("{} (and {} more here)", m.label, count - 1) } else { m.label.clone() }} />
            }) }
        </div>
    }
}

/// Properties of [`SessionOptions`].
#[derive(Properties, PartialEq)]
pub struct SessionOptionsProps {
    /// The run.
    pub run: RunRef,
    /// How many sessions have started.
    pub started: usize,
    /// The selected connection.
    pub selected: u64,
}

/// The session picker's options: the latest sessions started so far (and
/// the selected one), so a run of thousands of sessions stays light.
#[function_component(SessionOptions)]
pub fn session_options(props: &SessionOptionsProps) -> Html {
    let sessions = &props.run.0.sessions;
    let started = props.started.min(sessions.len());
    let from = started.saturating_sub(MAX_SESSION_OPTIONS);
    let older = sessions
        .iter()
        .take(from)
        .filter(|s| s.conn == props.selected);
    html! {
        { for older.chain(sessions.iter().take(started).skip(from)).map(|s| html! {
            <option value={s.conn.to_string()} selected={s.conn == props.selected}>
                { format!("#{} {} → {} at {}", s.conn, s.client, s.server, s.opened) }
            </option>
        }) }
    }
}
