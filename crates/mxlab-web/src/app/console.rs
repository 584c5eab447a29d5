//! The console: a fresh server session of the chosen host attached to the
//! keyboard, as `nc host 25` would be. What the host accepts is handed to
//! the run as a message injected at the moment the console connected.

use mxlab_sim::console::Console;
use mxlab_sim::SimTime;
use yew::prelude::*;

use super::App;
use crate::bounds::{self, ConsoleLog};
use crate::lab::{Injected, Injection};

/// A console session: the lines so far, and the messages it handed on.
pub(super) struct ConsoleState {
    pub(super) console: Option<Console>,
    pub(super) host: String,
    pub(super) at: SimTime,
    pub(super) lines: ConsoleLog,
    pub(super) handed_on: usize,
}

impl App {
    /// Connects the console to its host at the clock's moment (`nc host 25`).
    pub(super) fn open_console(&mut self) {
        let host = if self.console_host.is_empty() {
            self.default_host().unwrap_or_default()
        } else {
            self.console_host.clone()
        };
        let Some(node) = self.scenario.nodes.iter().find(|n| n.name == host) else {
            self.error = Some(format!("no host named {host}"));
            return;
        };
        let at = self.clock.t;
        let mut state = ConsoleState {
            console: None,
            host: host.clone(),
            at,
            lines: ConsoleLog::default(),
            handed_on: 0,
        };
        state.lines.push('#', format!("nc {host} 25   (at {at})"));
        if self
            .view
            .hosts_down
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&host))
        {
            state.lines.push(
                '!',
                format!("{host}: Connection refused (the host is down)"),
            );
        } else {
            let (console, greeting) = Console::open(node, at);
            push_reply_lines(&mut state.lines, &greeting);
            state.console = Some(console);
        }
        self.console_host = host;
        self.console = Some(state);
    }

    /// Types the input line; what the host accepts enters its queue, and
    /// the run forks at the moment the console connected.
    pub(super) fn console_send(&mut self, ctx: &Context<Self>) {
        let line = std::mem::take(&mut self.console_input);
        let Some(state) = self.console.as_mut() else {
            return;
        };
        let Some(console) = state.console.as_mut() else {
            state.lines.push('!', "not connected: press Connect".into());
            return;
        };
        if console.is_closed() {
            state.lines.push(
                '!',
                "the connection is closed: press Connect to open another".into(),
            );
            return;
        }
        if let Some(why) = bounds::console_line_too_long(line.encode_utf16().count()) {
            state.lines.push('!', why);
            return;
        }
        state.lines.push('C', line.clone());
        let mut bytes = line.into_bytes();
        bytes.extend_from_slice(b"\r\n");
        let out = console.type_bytes(&bytes);
        push_reply_lines(&mut state.lines, &out);
        if console.is_closed() {
            state
                .lines
                .push('#', "Connection closed by foreign host.".into());
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
            self.typed_messages += 1;
            let id = format!("console-{}", self.typed_messages);
            if let Some(state) = self.console.as_mut() {
                state.lines.push(
                    '#',
                    format!("{host} queued it as {id}: press Play to watch it travel"),
                );
            }
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
        self.fork(ctx, injections, at);
    }
}

/// Splits server output into reply lines for the console.
fn push_reply_lines(lines: &mut ConsoleLog, out: &[u8]) {
    for l in String::from_utf8_lossy(out)
        .split("\r\n")
        .filter(|l| !l.is_empty())
    {
        lines.push('S', l.to_string());
    }
}
