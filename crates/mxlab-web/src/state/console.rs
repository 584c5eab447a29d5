//! The console's state: a fresh server session of the chosen host attached
//! to the keyboard, as `nc host 25` would be. What the host accepts is
//! handed to the run as a message injected at the moment the console
//! connected: the run forks there.

use std::rc::Rc;

use mxlab_sim::console::{reply_lines, Accepted, Console};
use mxlab_sim::scenario::Node;
use mxlab_sim::SimTime;

use super::State;
use crate::bounds::{self, ConsoleLog};
use crate::lab::{Injected, Injection};

/// The Console panel: its host, its input line and its session.
#[derive(Debug, Default)]
pub struct ConsolePanel {
    /// The host picked (empty: the default host).
    pub host: String,
    /// The input line.
    pub input: String,
    /// Messages typed so far (they travel as `console-1`, `console-2`…).
    pub typed_messages: usize,
    /// The session opened, if any.
    pub session: Option<ConsoleSession>,
    /// Whether the Transcript shows this session rather than one of the
    /// run's.
    pub in_transcript: bool,
}

/// A server session typed into, as the reducer drives it: through this
/// trait the SMTP server is reached only from the engine's module
/// ([`crate::engine::Engine::open_console`]).
pub trait Typing: std::fmt::Debug {
    /// Types one line; the server's reply lines.
    fn type_line(&mut self, line: &str) -> Vec<String>;
    /// Whether the session has ended.
    fn is_closed(&self) -> bool;
    /// Why the host refuses to relay.
    fn relay_rule(&self) -> String;
    /// The messages accepted so far.
    fn accepted(&self) -> &[Accepted];
}

impl Typing for Console {
    fn type_line(&mut self, line: &str) -> Vec<String> {
        Console::type_line(self, line)
    }

    fn is_closed(&self) -> bool {
        Console::is_closed(self)
    }

    fn relay_rule(&self) -> String {
        Console::relay_rule(self)
    }

    fn accepted(&self) -> &[Accepted] {
        Console::accepted(self)
    }
}

/// Opens a console session with `node` at `at`: the session, and the
/// lines of the server's greeting.
pub fn open(node: &Node, at: SimTime) -> (Box<dyn Typing>, Vec<String>) {
    let (console, greeting) = Console::open(node, at);
    (Box::new(console), reply_lines(&greeting))
}

/// A console session: the lines so far, and the messages it handed on.
#[derive(Debug)]
pub struct ConsoleSession {
    /// The server session, unless the host refused the connection.
    pub console: Option<Box<dyn Typing>>,
    /// The host it talks to.
    pub host: String,
    /// When it connected.
    pub at: SimTime,
    /// What was typed and answered.
    pub lines: Rc<ConsoleLog>,
    /// How many accepted messages were handed to the run.
    pub handed_on: usize,
}

impl ConsolePanel {
    /// Whether a session is open (connected and not closed).
    pub fn connected(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.console.as_ref().is_some_and(|c| !c.is_closed()))
    }

    /// The log shown.
    pub fn lines(&self) -> Rc<ConsoleLog> {
        self.session
            .as_ref()
            .map(|s| s.lines.clone())
            .unwrap_or_default()
    }

    /// A new scenario: no session, the default host, ids from 1 again.
    pub(super) fn clear(&mut self) {
        self.session = None;
        self.in_transcript = false;
        self.host.clear();
        self.typed_messages = 0;
    }

    /// Adds a line to the open session's log; false if none is open.
    pub(super) fn push(&mut self, who: char, text: String) -> Result<(), String> {
        match self.session.as_mut() {
            Some(s) => {
                Rc::make_mut(&mut s.lines).push(who, text);
                Ok(())
            }
            None => Err(text),
        }
    }
}

impl State {
    /// Connects the console to its host at the clock's moment (`nc host 25`).
    pub(super) fn open_console(&mut self) {
        let host = if self.console.host.is_empty() {
            self.default_host().unwrap_or_default()
        } else {
            self.console.host.clone()
        };
        let Some(node) = self.scenario.nodes.iter().find(|n| n.name == host) else {
            self.error = Some(format!("no host named {host}"));
            return;
        };
        let at = self.clock.t;
        let mut lines = ConsoleLog::default();
        lines.push('#', format!("nc {host} 25   (at {at})"));
        let Some(engine) = crate::engine::engine() else {
            self.error =
                Some("the simulation engine is still loading: connect again in a moment".into());
            return;
        };
        let console = if self.host_down(&host) {
            lines.push(
                '!',
                format!("{host}: Connection refused (the host is down)"),
            );
            None
        } else {
            let (console, greeting) = (engine.open_console)(node, at);
            for l in greeting {
                lines.push('S', l);
            }
            Some(console)
        };
        self.console.host = host.clone();
        // The Transcript lists the session, and shows it unless a session
        // was picked there by hand.
        if !self.session_pinned {
            self.console.in_transcript = true;
        }
        self.console.session = Some(ConsoleSession {
            console,
            host,
            at,
            lines: Rc::new(lines),
            handed_on: 0,
        });
    }

    /// Types the input line; what the host accepts enters its queue, and
    /// the run forks at the moment the console connected.
    pub(super) fn console_send(&mut self) {
        let line = std::mem::take(&mut self.console.input);
        let Some(state) = self.console.session.as_mut() else {
            return;
        };
        let lines = Rc::make_mut(&mut state.lines);
        let Some(console) = state.console.as_mut() else {
            lines.push('!', "not connected: press Connect".into());
            return;
        };
        if console.is_closed() {
            lines.push(
                '!',
                "the connection is closed: press Connect to open another".into(),
            );
            return;
        }
        if let Some(why) = bounds::console_line_too_long(line.encode_utf16().count()) {
            lines.push('!', why);
            return;
        }
        lines.push('C', line.clone());
        let mut refused_relay = false;
        for l in console.type_line(&line) {
            refused_relay |= l.starts_with("554 5.7.1 ") && l.contains("relay");
            lines.push('S', l);
        }
        if refused_relay {
            // The refusal explains itself: who this host relays for.
            lines.push('#', format!("why: {}", console.relay_rule()));
        }
        if console.is_closed() {
            lines.push('#', "Connection closed by foreign host.".into());
        }
        let fresh: Vec<_> = console
            .accepted()
            .iter()
            .skip(state.handed_on)
            .cloned()
            .collect();
        if fresh.is_empty() {
            return;
        }
        state.handed_on += fresh.len();
        let (host, at) = (state.host.clone(), state.at);
        if self.run.is_none() {
            return;
        }
        let mut injections = Vec::new();
        for message in fresh {
            self.console.typed_messages += 1;
            let id = format!("console-{}", self.console.typed_messages);
            let _ = self.console.push(
                '#',
                format!("{host} queued it as {id}: press Play to watch it travel"),
            );
            injections.push(Injection {
                at,
                what: Injected::Message {
                    host: host.clone(),
                    id,
                    message,
                },
            });
        }
        // The host queued them when the console connected: the run forks
        // there.
        self.fork(injections, at);
    }
}
