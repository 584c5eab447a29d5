//! Ladder (time-sequence) diagrams, as networking textbooks draw SMTP: one
//! vertical line per host, one arrow per line sent, time flowing down.
//!
//! [`Ladder::session`] draws one SMTP session; [`Ladder::message`] draws
//! one message's journey: every host it crossed, every session that
//! carried it or tried to, its DNS questions to the resolver, and what
//! became of it on each host (deferred, delivered, bounced).
//!
//! A [`Ladder`] is a layout, pure data in pixels: [`Column`]s (hosts, the
//! client on the left in the order of the journey, the resolver last),
//! [`Arrow`]s (each command or reply line from its sending to its arrival,
//! so its slope is its latency; the mail data after a 354 reply as one
//! arrow; TCP connections and DNS questions and answers), [`Cross`]es (a
//! refused, timed-out or cut connection, where it happened, with the
//! reason), [`Note`]s, [`Break`]s (idle gaps longer than
//! [`Layout::idle_break`], compressed), [`Band`]s (each session's span on
//! both hosts, shaded once TLS is up) and [`Tick`]s of the time axis.
//! [`Ladder::y_at`] and [`Ladder::time_at`] map simulated time to y and
//! back, so a view can draw the current moment across it;
//! [`Ladder::to_svg`] writes it as a standalone SVG document.
//!
//! Time flows down but not linearly: each moment at which something is
//! drawn gets one row per arrow end or marker there (what arrives, then
//! what leaves), and the space between two moments grows with the
//! logarithm of the time between them; the time axis names each moment.
//! The trace records a DNS question when it is asked and its answer when
//! it arrives; the resolver's moment is drawn half-way between.

use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use mxlab_proto::reply;

use super::events::dns_records;
use super::transcript::line_text;
use crate::time::SimTime;
use crate::trace::{AbortCause, ConnectFailure, EventKind, Trace, TraceEvent};

mod build;
mod read;
mod scale;
mod svg;
#[cfg(test)]
mod tests;

use scale::{duration_words, Scale, ROW};
pub use svg::{esc, SvgOptions};

/// What a ladder draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One SMTP session, by connection id (as `mxlab transcript` numbers
    /// them: `# conn 3`).
    Session(u64),
    /// One message's journey, by message id.
    Message(String),
}

/// How a ladder is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// A gap with nothing drawn longer than this is compressed into a
    /// break (a zig-zag with the skipped time).
    pub idle_break: Duration,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            idle_break: Duration::from_secs(2),
        }
    }
}

/// Why a ladder cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LadderError {
    /// No connection with that id in the trace.
    #[error("no session {conn} in this run (sessions: {})", list(known))]
    NoSession {
        /// The id asked for.
        conn: u64,
        /// The ids there are, in order.
        known: Vec<String>,
    },
    /// No event of that message in the trace.
    #[error("no message {id:?} in this run (messages: {})", list(known))]
    NoMessage {
        /// The id asked for.
        id: String,
        /// The ids there are, in order of their first queueing.
        known: Vec<String>,
    },
}

fn list(known: &[String]) -> String {
    const SHOWN: usize = 20;
    if known.is_empty() {
        return "none".to_string();
    }
    let mut text = known
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if known.len() > SHOWN {
        text.push_str(&format!(", … {} more", known.len() - SHOWN));
    }
    text
}

/// A host's vertical line.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The host's name.
    pub host: String,
    /// Its x.
    pub x: f64,
    /// Whether it is the DNS resolver.
    pub resolver: bool,
}

/// What an arrow stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArrowKind {
    /// A command line, client to server.
    Command,
    /// A reply line, server to client.
    Reply,
    /// The mail data between the 354 reply and the final dot, as one
    /// arrow.
    Data,
    /// A TCP connection being opened (from the attempt to the connection,
    /// or to where it failed).
    Connect,
    /// A DNS question to the resolver.
    DnsQuery,
    /// The resolver's answer.
    DnsAnswer,
}

impl ArrowKind {
    /// Its CSS class: `command`, `reply`, `data`, `connect`, `dns-query`,
    /// `dns-answer`.
    pub fn class(self) -> &'static str {
        match self {
            ArrowKind::Command => "command",
            ArrowKind::Reply => "reply",
            ArrowKind::Data => "data",
            ArrowKind::Connect => "connect",
            ArrowKind::DnsQuery => "dns-query",
            ArrowKind::DnsAnswer => "dns-answer",
        }
    }
}

/// Text placed on the diagram: one or more lines from an anchor point,
/// turned by `angle` degrees (clockwise, about the anchor).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The anchor's x.
    pub x: f64,
    /// The anchor's y (the first line's baseline).
    pub y: f64,
    /// Degrees, clockwise.
    pub angle: f64,
    /// Whether the anchor is the middle of the text (else its start).
    pub centred: bool,
    /// The lines as drawn (shortened with `…` to fit).
    pub lines: Vec<String>,
}

/// One arrow: a line (or the mail data, a connection, a DNS question or
/// answer) from one column to another, from when it was sent (`y1`) to
/// when it arrived (`y2`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    /// What it stands for.
    pub kind: ArrowKind,
    /// The sender's column.
    pub from: usize,
    /// The receiver's column.
    pub to: usize,
    /// Start x.
    pub x1: f64,
    /// Start y.
    pub y1: f64,
    /// Tip x.
    pub x2: f64,
    /// Tip y.
    pub y2: f64,
    /// When it was sent.
    pub sent: SimTime,
    /// When it arrived (or failed).
    pub arrived: SimTime,
    /// Its text in full (the line as [`super::visible`] writes it).
    pub text: String,
    /// What it means, with its RFC section.
    pub explanation: String,
    /// The label along it.
    pub label: Label,
    /// The connection, for SMTP lines and connections.
    pub conn: Option<u64>,
    /// The trace position of its (first) event.
    pub event: usize,
    /// How many SMTP lines of the trace it stands for: 1 for a command or
    /// reply, the number of data lines for [`ArrowKind::Data`], 0 for the
    /// others.
    pub lines: usize,
    /// A reply's code.
    pub code: Option<u16>,
    /// Sent inside TLS.
    pub encrypted: bool,
}

impl Arrow {
    /// Its colour in the light theme, as [`Ladder::to_svg`] draws it:
    /// commands blue; replies by class (2yz green, 3yz teal, 4yz amber,
    /// 5yz red); mail data violet; connections grey; DNS teal.
    pub fn colour(&self) -> &'static str {
        svg::colour(self)
    }

    /// The arrowhead at `(x2, y2)`: its tip and the two corners of its
    /// base.
    pub fn head(&self) -> [(f64, f64); 3] {
        let (dx, dy) = (self.x2 - self.x1, self.y2 - self.y1);
        let len = dx.hypot(dy).max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let (bx, by) = (self.x2 - 9.0 * ux, self.y2 - 9.0 * uy);
        [
            (self.x2, self.y2),
            (bx - 4.0 * uy, by + 4.0 * ux),
            (bx + 4.0 * uy, by - 4.0 * ux),
        ]
    }
}

/// What a cross marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrossCause {
    /// A connection that could not be opened.
    Connect(ConnectFailure),
    /// A connection cut before the client's QUIT was answered.
    Cut(AbortCause),
    /// A DNS question that got no answer in time.
    DnsTimeout,
}

/// A red ✕ where a connection failed or was cut, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Cross {
    /// Why.
    pub cause: CrossCause,
    /// The column it is on (or nearest to, half-way along a link).
    pub column: usize,
    /// Its centre's x.
    pub x: f64,
    /// Its centre's y.
    pub y: f64,
    /// When.
    pub at: SimTime,
    /// The reason in full.
    pub reason: String,
    /// The reason as drawn beside it.
    pub label: Label,
    /// The connection, if one was open.
    pub conn: Option<u64>,
    /// The trace position of the event.
    pub event: usize,
}

/// What a note says happened on a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteKind {
    /// TLS was established on a connection.
    Tls,
    /// Recipients stay queued after a temporary failure.
    Deferred,
    /// A recipient reached a mailbox.
    Delivered,
    /// A recipient failed permanently.
    Bounced,
    /// A delivery status notification was queued for the sender.
    Dsn,
    /// A fault started or ended.
    Fault,
}

impl NoteKind {
    /// Its CSS class.
    pub fn class(self) -> &'static str {
        match self {
            NoteKind::Tls => "tls",
            NoteKind::Deferred => "deferred",
            NoteKind::Delivered => "delivered",
            NoteKind::Bounced => "bounced",
            NoteKind::Dsn => "dsn",
            NoteKind::Fault => "fault",
        }
    }
}

/// Something that happened on one host, written beside its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// What.
    pub kind: NoteKind,
    /// The host's column.
    pub column: usize,
    /// The dot's x (on the host's line).
    pub x: f64,
    /// The dot's y.
    pub y: f64,
    /// When.
    pub at: SimTime,
    /// The text in full.
    pub text: String,
    /// The text as drawn.
    pub label: Label,
    /// The trace position of the event.
    pub event: usize,
}

/// An idle gap compressed: a zig-zag across the diagram from `y1` to
/// `y2`, standing for the time from `from` to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    /// The last moment drawn before it.
    pub from: SimTime,
    /// The first moment drawn after it.
    pub to: SimTime,
    /// Its top.
    pub y1: f64,
    /// Its bottom.
    pub y2: f64,
    /// The skipped time, e.g. `9 min 58 s later`.
    pub label: String,
}

/// One session's span on its two hosts' lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The connection.
    pub conn: u64,
    /// The client's column.
    pub client: usize,
    /// The server's column.
    pub server: usize,
    /// When it opened.
    pub y1: f64,
    /// When it closed or was cut.
    pub y2: f64,
    /// From where on its lines were inside TLS.
    pub tls_from: Option<f64>,
}

/// A labelled moment on the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Its y.
    pub y: f64,
    /// The moment.
    pub at: SimTime,
    /// The moment as written (`00:00:01.040`).
    pub label: String,
}

/// A ladder diagram laid out: see the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    /// What it shows, in a sentence, for its heading.
    pub title: String,
    /// The hosts, left to right.
    pub columns: Vec<Column>,
    /// The arrows, in the order they were sent.
    pub arrows: Vec<Arrow>,
    /// Failed and cut connections.
    pub crosses: Vec<Cross>,
    /// What happened on hosts.
    pub notes: Vec<Note>,
    /// Compressed idle gaps.
    pub breaks: Vec<Break>,
    /// The sessions' spans.
    pub bands: Vec<Band>,
    /// The time axis.
    pub ticks: Vec<Tick>,
    /// The y of the columns' headings' bottom (the lines start there).
    pub top: f64,
    /// Total width.
    pub width: f64,
    /// Total height.
    pub height: f64,
    scale: Scale,
}

impl Ladder {
    /// The ladder of session `conn`, laid out as by default.
    pub fn session(trace: &Trace, conn: u64) -> Result<Ladder, LadderError> {
        Ladder::new(trace, &Scope::Session(conn), &Layout::default())
    }

    /// The ladder of message `id`'s journey, laid out as by default.
    pub fn message(trace: &Trace, id: &str) -> Result<Ladder, LadderError> {
        Ladder::new(trace, &Scope::Message(id.to_string()), &Layout::default())
    }

    /// The ladder of `scope` in `trace`, laid out by `layout`.
    pub fn new(trace: &Trace, scope: &Scope, layout: &Layout) -> Result<Ladder, LadderError> {
        build::build(trace, scope, layout)
    }

    /// The y of moment `t`: below everything drawn at or before it, above
    /// everything after it, linear in between (and through breaks).
    pub fn y_at(&self, t: SimTime) -> f64 {
        self.scale.y_at(t)
    }

    /// The moment drawn at `y` (the inverse of [`Ladder::y_at`]).
    pub fn time_at(&self, y: f64) -> SimTime {
        self.scale.time_at(y)
    }

    /// The first and last moments drawn.
    pub fn span(&self) -> Option<(SimTime, SimTime)> {
        Some((
            self.scale.instants.first()?.t,
            self.scale.instants.last()?.t,
        ))
    }

    /// How many SMTP lines of the trace its arrows stand for.
    pub fn smtp_lines(&self) -> usize {
        self.arrows.iter().map(|a| a.lines).sum()
    }

    /// The diagram as a standalone SVG 1.1 document.
    pub fn to_svg(&self, options: &SvgOptions) -> String {
        svg::write(self, options)
    }
}

/// The ids of the connections in `trace`, for an error.
fn known_sessions(trace: &Trace) -> Vec<String> {
    trace
        .connections()
        .iter()
        .map(|c| c.conn.to_string())
        .collect()
}

/// The ids of the messages in `trace`, in order of their first queueing.
fn known_messages(trace: &Trace) -> Vec<String> {
    let mut seen = BTreeSet::new();
    trace
        .without_lines()
        .filter_map(|(_, e)| match e.kind {
            EventKind::Enqueue { .. } => e.message.map(|m| m.to_string()),
            _ => None,
        })
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

/// A reply line's code and whether it is the last line of its reply.
fn reply_code(e: &TraceEvent) -> Option<(u16, bool)> {
    let EventKind::Reply { line, .. } = &e.kind else {
        return None;
    };
    let bytes = line.to_bytes();
    let bytes = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
    reply::parse_line(bytes)
        .ok()
        .map(|(code, last, _)| (code.get(), last))
}

/// What an event means, with its RFC section.
fn explained(e: &TraceEvent) -> String {
    let (text, rfc) = e.describe();
    format!("{text} ({rfc})")
}

/// The host names of an event: the acting one and its peer.
fn pair(e: &TraceEvent) -> (String, String) {
    (
        e.hosts.first().map(ToString::to_string).unwrap_or_default(),
        e.hosts.get(1).map(ToString::to_string).unwrap_or_default(),
    )
}

/// Queued attempts per (client, server), matched in order to the
/// connections and failures that follow them.
#[derive(Debug, Default)]
struct Attempts(BTreeMap<(String, String), VecDeque<(SimTime, u16)>>);

impl Attempts {
    fn push(&mut self, client: String, server: String, at: SimTime, port: u16) {
        self.0
            .entry((client, server))
            .or_default()
            .push_back((at, port));
    }

    fn take(&mut self, client: &str, server: &str) -> Option<(SimTime, u16)> {
        self.0
            .get_mut(&(client.to_string(), server.to_string()))
            .and_then(VecDeque::pop_front)
    }
}

/// Words wrapped to lines of at most `width` characters (a word longer
/// than that cut with `…`), at most `max` lines (the last one ending with
/// `…` when there was more).
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word = shorten(word, width);
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{}…", keep.trim_end());
        }
    }
    lines
}

/// `text` in at most `chars` characters, its end replaced by `…` if cut.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let keep: String = text.chars().take(chars.saturating_sub(1)).collect();
    format!("{}…", keep.trim_end())
}

/// One row's worth of the line's text at the given length, for labels
/// along arrows: tabs as spaces.
fn label_text(text: &str) -> String {
    text.replace('\t', " ")
}

/// `line_text` of a command or reply, for the builder.
fn text_of(e: &TraceEvent) -> String {
    match &e.kind {
        EventKind::Command { line, .. } | EventKind::Reply { line, .. } => line_text(line),
        _ => String::new(),
    }
}

/// A DNS answer's records as the label of its arrow.
fn answer_text(answer: &[crate::CompactString]) -> String {
    dns_records(answer, false)
}
