//! What the state is told ([`Action`]), what it asks the browser to do
//! ([`Effect`], in an [`Outcome`]), and the words both use: the panels
//! ([`Tab`]), what is selected on the stage ([`Selection`]), the bounded
//! fields ([`Field`]) and the runs asked for ([`ComputeJob`]).

use std::rc::Rc;

use mxlab_sim::scenario::{Fault, FaultStage};
use mxlab_sim::Scenario;

use super::SweepMsg;
use crate::compute::Computation;
use crate::form::FormMsg;
use crate::lab::{Injection, Run};
use crate::share::Shared;
use crate::state::DrawMsg;
/// The panels below the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// C:/S: lines of the selected session.
    Transcript,
    /// The trace's events around the clock's moment.
    Events,
    /// The selected session's bytes as they cross the link.
    Wire,
    /// Every host's queue.
    Queues,
    /// Mailboxes and the message inspector.
    Messages,
    /// The selected message's journey, or session, as a ladder diagram.
    Ladder,
    /// Plots.
    Statistics,
    /// Seeds `0..N` of the scenario, as distributions.
    Sweep,
    /// Type SMTP to a host by hand.
    Console,
    /// Preset lesson, JSON editor, import and export.
    Scenario,
}

impl Tab {
    /// Every panel, in the order of their tabs.
    pub const ALL: [Tab; 10] = [
        Tab::Transcript,
        Tab::Events,
        Tab::Wire,
        Tab::Queues,
        Tab::Messages,
        Tab::Ladder,
        Tab::Statistics,
        Tab::Sweep,
        Tab::Console,
        Tab::Scenario,
    ];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Transcript => "Transcript",
            Tab::Events => "Events",
            Tab::Wire => "On the wire",
            Tab::Queues => "Queues",
            Tab::Messages => "Messages",
            Tab::Ladder => "Ladder",
            Tab::Statistics => "Statistics",
            Tab::Sweep => "Sweep",
            Tab::Console => "Console",
            Tab::Scenario => "Scenario",
        }
    }

    /// The tab's name in element ids.
    pub fn id(self) -> &'static str {
        match self {
            Tab::Transcript => "transcript",
            Tab::Events => "events",
            Tab::Wire => "wire",
            Tab::Queues => "queues",
            Tab::Messages => "messages",
            Tab::Ladder => "ladder",
            Tab::Statistics => "statistics",
            Tab::Sweep => "sweep",
            Tab::Console => "console",
            Tab::Scenario => "scenario",
        }
    }
}

/// What was clicked on the stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// A host.
    Host(String),
    /// The link between two hosts.
    Link(String, String),
}

/// A bounded text field (see [`crate::bounds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The scenario's JSON editor.
    Json,
    /// The console's input line.
    Console,
}

/// A run to compute, asked for by the state and computed by the
/// computation hook; its `id` tells its result from a stale one's.
#[derive(Debug)]
pub struct ComputeJob {
    /// Which request this is (a new one replaces the one in progress).
    pub id: u64,
    /// What to compute.
    pub kind: JobKind,
}

impl ComputeJob {
    /// Whether its run signs or checks mail (and so needs the
    /// authentication module first).
    pub fn needs_auth(&self) -> bool {
        mxlab_sim::auth::needed(match &self.kind {
            JobKind::Run { scenario, .. } => scenario,
            JobKind::Fork { base, .. } => &base.scenario,
        })
    }

    /// The computation that computes this job, in slices or at once.
    pub fn computation(&self) -> Computation {
        match &self.kind {
            JobKind::Run {
                scenario,
                seed,
                injections,
            } => Computation::new(scenario.clone(), *seed, injections.clone()),
            JobKind::Fork { base, new } => Computation::fork(base, new.clone()),
        }
    }
}

impl PartialEq for ComputeJob {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// What a [`ComputeJob`] computes.
#[derive(Debug)]
pub enum JobKind {
    /// A scenario from time zero, with what was done by hand.
    Run {
        /// The scenario.
        scenario: Rc<Scenario>,
        /// The world seed.
        seed: u64,
        /// What was done by hand, in order of time.
        injections: Vec<Injection>,
    },
    /// A branch of `base` where `new` is done (from its checkpoint).
    Fork {
        /// The run forked.
        base: Rc<Run>,
        /// What is done by hand there.
        new: Vec<Injection>,
    },
}

/// Everything the app can be told.
#[derive(Debug)]
pub enum Action {
    /// Pick a preset by name.
    Preset(String),
    /// Load a scenario; `label` names it in the preset picker.
    Load(Rc<Scenario>, String),
    /// The JSON editor's text changed.
    EditJson(String),
    /// Fill the JSON editor with a text over the size it is filled with
    /// unasked.
    ShowBigJson,
    /// A paste, a drop or typing into a bounded field was refused: the
    /// length it would have had.
    Refused(Field, usize),
    /// Validate the editor's text and load it.
    ApplyJson,
    /// The Scenario panel is drawn (its module and the writer's are here):
    /// its editor is made from the scenario if that changed since.
    EditorsShown,
    /// A scenario file was read (or could not be).
    Imported(Result<String, String>),
    /// The computation of job `job` is this far along (0 to 1).
    Progress(u64, f64),
    /// Job `job` is computed.
    Computed(u64, Rc<Run>),
    /// A frame: the page's timestamp in milliseconds.
    Frame(f64),
    /// Play, or pause if playing.
    PlayPause,
    /// Next event.
    StepForward,
    /// Previous event.
    StepBack,
    /// Back to the start.
    Restart,
    /// Speed in virtual seconds per real second.
    Speed(f64),
    /// Lesson pace: real seconds per step of the run.
    Pace(f64),
    /// Scrub: events applied.
    Seek(usize),
    /// Open a tab.
    Tab(Tab),
    /// Select a session by connection number.
    Session(u64),
    /// Show the console's session in the Transcript.
    ConsoleTranscript,
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
    /// Go back to the run before the last change made by hand.
    RestoreBranch,
    /// Forced reply choice: code.
    ForceCode(u16),
    /// Forced reply choice: stage.
    ForceStage(FaultStage),
    /// The console's host.
    ConsoleHost(String),
    /// Connect the console to its host.
    ConsoleOpen,
    /// The console's input line changed.
    ConsoleInput(String),
    /// Send the console's input line.
    ConsoleSend,
    /// The Sweep panel, or its worker.
    Sweep(SweepMsg),
    /// The form editor.
    Form(FormMsg),
    /// The Scenario panel shows the form (true) or the JSON text.
    FormMode(bool),
    /// A share link was read (or could not be).
    LinkDecoded(Result<Box<Shared>, String>),
    /// Open or close the share dialog.
    ShareOpen(bool),
    /// The share link of the dialog is ready (or could not be made).
    ShareReady(Result<String, String>),
    /// Dark or light.
    ToggleTheme,
    /// Presenter mode.
    TogglePresenter,
    /// Show a problem in the banner.
    Error(String),
    /// Dismiss the banner.
    DismissError,
    /// A shortcut key (not one a focused field or menu keeps).
    Key(String),
    /// Open or close the sheet of keyboard shortcuts.
    Help(bool),
    /// Show the details of the line in flight whose arrival is this trace
    /// event (a click on its packet), or close them.
    Packet(Option<usize>),
    /// Which classes of events the event list shows (a set of
    /// `EventClass::bit`s).
    EventClasses(u8),
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
    /// The screen became narrow (a phone) or wide again: the hosts are
    /// laid out in rows or in columns.
    Narrow(bool),
    /// Fit the stage to the window again.
    ResetView,
    /// The palette or a gesture on the drawing (see [`DrawMsg`]).
    Draw(DrawMsg),
    /// Back to the scenario before the last one loaded or edited.
    Undo,
    /// Forward again to the scenario last undone.
    Redo,
}

/// What the shell is asked to do for the state: things only the browser
/// can do.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Put a bounded field back as the state holds it, should a refused
    /// text have reached it.
    RestoreField(Field),
    /// Move keyboard focus to the fault menu's first action.
    FocusFaultMenu,
    /// Make the share link of this moment (the browser deflates it), and
    /// answer with [`Action::ShareReady`].
    MakeShareLink(Box<Shared>),
    /// Show a share link's hash in the address bar.
    ShowHash(String),
    /// Read a share link's hash (the browser inflates it), and answer with
    /// [`Action::LinkDecoded`].
    DecodeLink(String),
    /// Fetch the writer ([`crate::writer`]), then tell the state this
    /// again: an edit drawn before the writer was here.
    DrawWhenWritten(DrawMsg),
}

/// What an action did: whether the page is drawn again, and what the
/// shell is asked to do.
#[derive(Debug, PartialEq)]
#[must_use]
pub struct Outcome {
    /// Draw the page again.
    pub redraw: bool,
    /// What the browser is asked to do, in order.
    pub effects: Vec<Effect>,
}

impl Outcome {
    /// Drawn again, nothing else.
    pub fn redraw() -> Self {
        Outcome {
            redraw: true,
            effects: Vec::new(),
        }
    }

    /// Nothing changed that shows.
    pub fn unchanged() -> Self {
        Outcome {
            redraw: false,
            effects: Vec::new(),
        }
    }

    /// Drawn again, and `effect` done.
    pub fn with(effect: Effect) -> Self {
        Outcome {
            redraw: true,
            effects: vec![effect],
        }
    }
}
