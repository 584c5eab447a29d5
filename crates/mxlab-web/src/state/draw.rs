//! Drawing on the stage, and undoing it: the palette's tool, the gestures
//! that end in an [`Edit`] of the scenario (applied by [`crate::draw`],
//! the run recomputed, the hosts left where they were drawn), and the
//! history of scenarios loaded, to undo and redo.

use std::rc::Rc;

use mxlab_sim::scenario::Role;
use mxlab_sim::Scenario;

use super::{Drag, Effect, Outcome, Positions, Selection, State};
use crate::draw::{self, Edit};
use crate::layout::Point;
use crate::writer::writer;

/// What a press on the drawing does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tool {
    /// Select and move hosts, pan the stage.
    #[default]
    Pointer,
    /// Place a host of this role where the pointer is released.
    Place(Role),
    /// Connect the host pressed to the host the pointer is released on
    /// (or clicked next).
    Connect,
    /// Make the host the pointer is released on (or clicked) an MX of
    /// this domain.
    Mx(String),
}

impl Tool {
    /// The tool's name, as the stage's `data-tool` says it.
    pub fn name(&self) -> &'static str {
        match self {
            Tool::Pointer => "pointer",
            Tool::Place(_) => "place",
            Tool::Connect => "connect",
            Tool::Mx(_) => "mx",
        }
    }
}

/// What the palette and the drawing tell the state.
#[derive(Debug, Clone, PartialEq)]
pub enum DrawMsg {
    /// Pick a tool.
    Tool(Tool),
    /// The pointer was released over the drawing, at this stage point,
    /// over this host or none.
    Release(f64, f64, Option<String>),
    /// Apply an edit made in the palette (a link's numbers, an MX
    /// record's preference or removal).
    Edit(Edit),
    /// Delete what is selected: an MX record, a host or a link.
    Delete,
    /// Select an MX record (domain, host), or none.
    Record(Option<(String, String)>),
    /// Start a new network with no hosts.
    New,
    /// Add a host of this role where the layout puts it (a role chosen
    /// from the keyboard: there is no pointer to place it with).
    Add(Role),
}

/// A scenario as it was loaded, with where its hosts were drawn.
#[derive(Debug, Clone)]
struct Snapshot {
    scenario: Rc<Scenario>,
    positions: Positions,
    preset: String,
}

/// Scenarios kept to undo (and as many to redo), at most.
pub const UNDO_DEPTH: usize = 50;
/// Bytes of scenario text (roughly) the undo history keeps, at most.
const UNDO_BYTES: usize = 64 << 20;

/// The palette's state and the undo history.
#[derive(Debug, Clone, Default)]
pub struct DrawState {
    /// The tool in use.
    pub tool: Tool,
    /// The host a connection starts from.
    pub from: Option<String>,
    /// The MX record selected: (domain, host).
    pub record: Option<(String, String)>,
    /// What the last gesture did, or why it could not.
    pub note: Option<String>,
    past: Vec<Snapshot>,
    future: Vec<Snapshot>,
    replaying: bool,
}

impl DrawState {
    /// Whether there is a scenario to go back to.
    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    /// Whether there is a scenario undone to go forward to.
    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }
}

/// Roughly how many bytes a scenario's text has.
fn weight(s: &Scenario) -> usize {
    s.lesson.len()
        + s.messages.iter().map(|m| m.body.len() + 256).sum::<usize>()
        + s.nodes.len() * 256
}

/// Keeps the newest snapshots within [`UNDO_DEPTH`] and [`UNDO_BYTES`].
fn trim(list: &mut Vec<Snapshot>) {
    let mut bytes = 0;
    let keep = list
        .iter()
        .rev()
        .take_while(|s| {
            bytes += weight(&s.scenario);
            bytes <= UNDO_BYTES
        })
        .count()
        .clamp(1.min(list.len()), UNDO_DEPTH);
    let drop = list.len().saturating_sub(keep);
    list.drain(..drop);
}

impl State {
    /// A message of the palette or the drawing. One that edits the
    /// scenario waits for the writer, which applies edits, if it is not
    /// here yet.
    pub(super) fn draw(&mut self, m: DrawMsg) -> Outcome {
        let edits = matches!(
            m,
            DrawMsg::Release(..) | DrawMsg::Edit(_) | DrawMsg::Delete | DrawMsg::Add(_)
        );
        if edits && writer().is_none() {
            return Outcome::with(Effect::DrawWhenWritten(m));
        }
        match m {
            DrawMsg::Tool(tool) => {
                self.draw.from = None;
                self.draw.note = None;
                self.draw.tool = tool;
            }
            DrawMsg::Release(x, y, host) => self.release(Point { x, y }, host),
            DrawMsg::Edit(edit) => self.edit(&edit, None),
            DrawMsg::Delete => self.delete(),
            DrawMsg::Record(r) => {
                if r.is_some() {
                    self.selection = None;
                }
                self.draw.record = r;
            }
            DrawMsg::Add(role) => {
                self.draw.tool = Tool::Pointer;
                self.edit(&Edit::AddHost(role), None);
            }
            DrawMsg::New => {
                self.load(Rc::new(draw::new_network()));
                self.preset = "custom".into();
                self.draw.tool = Tool::Pointer;
                self.draw.note = Some(
                    "A new network: pick a role in the palette, then click on the drawing.".into(),
                );
            }
        }
        Outcome::redraw()
    }

    /// A press on a host: a drag with the pointer (or while placing),
    /// the start of a connection with the connect tool.
    pub(super) fn drag_start(&mut self, host: String) {
        match &self.draw.tool {
            Tool::Pointer | Tool::Place(_) => self.stage.drag = Some(Drag::Host(host)),
            Tool::Connect => {
                if self.draw.from.is_none() {
                    self.draw.note =
                        Some(format!("from {host}: now release or click on another host"));
                    self.draw.from = Some(host);
                }
            }
            Tool::Mx(_) => {}
        }
    }

    /// The pointer was released at `at`, over `host` or not.
    fn release(&mut self, at: Point, host: Option<String>) {
        match (self.draw.tool.clone(), host) {
            (Tool::Place(role), None) => {
                self.draw.tool = Tool::Pointer;
                self.edit(&Edit::AddHost(role), Some(at));
            }
            (Tool::Connect, Some(b)) => match self.draw.from.clone() {
                Some(a) if !a.eq_ignore_ascii_case(&b) => {
                    self.draw.from = None;
                    self.edit(&Edit::Connect(a, b), None);
                }
                // A click on the first host: the second is clicked next.
                _ => {}
            },
            (Tool::Connect, None) => self.draw.from = None,
            (Tool::Mx(domain), Some(h)) => {
                self.draw.tool = Tool::Pointer;
                self.edit(&Edit::AddMx(domain, h), None);
            }
            _ => {}
        }
    }

    /// Deletes the MX record, host or link selected.
    fn delete(&mut self) {
        let edit = match (&self.draw.record, &self.selection) {
            (Some((d, h)), _) => Edit::RemoveMx(d.clone(), h.clone()),
            (None, Some(Selection::Host(h))) => Edit::RemoveHost(h.clone()),
            (None, Some(Selection::Link(a, b))) => Edit::RemoveLink(a.clone(), b.clone()),
            (None, None) => return,
        };
        self.draw.record = None;
        self.edit(&edit, None);
    }

    /// Applies `edit` to the scenario: the run is recomputed, the hosts
    /// stay where they are drawn (a host added goes to `at`, and is
    /// selected), and the editors follow. A refused edit is said in the
    /// palette, and changes nothing.
    fn edit(&mut self, edit: &Edit, at: Option<Point>) {
        // Here: a message that edits waited for it ([`State::draw`]).
        let Some(w) = writer() else {
            return;
        };
        let drawn = match (w.draw)(&self.scenario, edit) {
            Ok(d) => d,
            Err(why) => {
                self.draw.note = Some(why);
                return;
            }
        };
        let (positions, zoom, pan) = (
            self.stage.positions.clone(),
            self.stage.zoom,
            self.stage.pan,
        );
        let selection = self.selection.clone();
        let record = self.draw.record.clone();
        self.load(Rc::new(drawn.scenario));
        self.preset = "custom".into();
        self.keep_positions(&positions);
        (self.stage.zoom, self.stage.pan) = (zoom, pan);
        if let (Some(h), Some(p)) = (&drawn.added, at) {
            let (w, ht) = (self.stage.width, self.stage.height);
            self.stage.positions.insert(
                h.clone(),
                Point {
                    x: p.x.clamp(40.0, w - 40.0),
                    y: p.y.clamp(30.0, ht - 50.0),
                },
            );
        }
        // What is still there stays selected.
        let hosts = &self.scenario.nodes;
        let exists = |h: &str| hosts.iter().any(|n| n.name.eq_ignore_ascii_case(h));
        self.selection = match (&drawn.added, selection) {
            (Some(h), _) => Some(Selection::Host(h.clone())),
            (None, Some(Selection::Host(h))) if exists(&h) => Some(Selection::Host(h)),
            (None, Some(Selection::Link(a, b))) if exists(&a) && exists(&b) => {
                Some(Selection::Link(a, b))
            }
            _ => None,
        };
        self.draw.record = record.filter(|(d, h)| {
            draw::mx_of(&self.scenario, h)
                .iter()
                .any(|(x, _)| x.eq_ignore_ascii_case(d))
        });
        self.draw.note = Some(describe(edit, drawn.added.as_deref()));
    }

    /// Hosts drawn before keep their places (the others stay where the
    /// layout puts them).
    fn keep_positions(&mut self, before: &Positions) {
        for (h, p) in self.stage.positions.iter_mut() {
            if let Some(old) = before.get(h) {
                *p = *old;
            }
        }
    }

    /// Remembers the scenario shown before another is loaded, to undo
    /// (not while undoing or redoing, nor before the first is loaded).
    pub(super) fn remember(&mut self) {
        if self.draw.replaying || (self.run.is_none() && self.job.is_none()) {
            return;
        }
        let snap = self.snapshot();
        self.draw.past.push(snap);
        trim(&mut self.draw.past);
        self.draw.future.clear();
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            scenario: self.scenario.clone(),
            positions: self.stage.positions.clone(),
            preset: self.preset.clone(),
        }
    }

    /// Back to the scenario before the last one loaded.
    pub(super) fn undo(&mut self) {
        if let Some(prev) = self.draw.past.pop() {
            let now = self.snapshot();
            self.draw.future.push(now);
            trim(&mut self.draw.future);
            self.restore(prev);
        }
    }

    /// Forward to the scenario last undone.
    pub(super) fn redo(&mut self) {
        if let Some(next) = self.draw.future.pop() {
            let now = self.snapshot();
            self.draw.past.push(now);
            trim(&mut self.draw.past);
            self.restore(next);
        }
    }

    fn restore(&mut self, snap: Snapshot) {
        let (zoom, pan) = (self.stage.zoom, self.stage.pan);
        self.draw.replaying = true;
        self.load(snap.scenario);
        self.draw.replaying = false;
        self.preset = snap.preset;
        self.keep_positions(&snap.positions);
        (self.stage.zoom, self.stage.pan) = (zoom, pan);
        self.draw.from = None;
        self.draw.record = None;
        self.draw.note = None;
    }
}

/// What an edit did, in words.
fn describe(edit: &Edit, added: Option<&str>) -> String {
    match edit {
        Edit::AddHost(_) => format!("added {}", added.unwrap_or("a host")),
        Edit::Connect(a, b) => format!("linked {a} and {b}"),
        Edit::SetLink(a, b, l, j, loss) => {
            format!("link {a} – {b}: {l} ms, jitter {j} ms, loss {loss}")
        }
        Edit::AddMx(d, h) => format!("{h} is now an MX of {d}"),
        Edit::SetPreference(d, h, p) => format!("MX {p} {h} for {d}"),
        Edit::RemoveHost(h) => format!("deleted {h}"),
        Edit::RemoveLink(a, b) => format!("deleted the link {a} – {b}"),
        Edit::RemoveMx(d, h) => format!("{h} is no longer an MX of {d}"),
    }
}
