//! The Transcript and On the wire panels: the selected session's C:/S:
//! lines up to the clock's moment (each explained on hover), a session cut
//! before QUIT ending with its marker line, and every transcript as text
//! for the export. The list scrolls inside itself to keep the current line
//! in view (the page does not move).

use std::rc::Rc;

use mxlab_sim::inspect::{explain_line, session_heading};
use mxlab_sim::SimTime;
use yew::prelude::*;

use crate::bounds::ConsoleLog;
use crate::components::RunRef;
use crate::form::target_value;
use crate::lab::{scrambled, Run, CUT};
use crate::state::Action;

/// How the marker of a cut session stands apart from the C:/S: lines (the
/// page's stylesheet has no rule for it).
const CUT_STYLE: &str =
    "display: flex; border-left: 3px solid var(--bad); font-style: italic; margin-top: 0.2em";

/// Sessions listed in the session picker (the latest ones).
pub const MAX_SESSION_OPTIONS: usize = 300;

/// The picker's value for the console's session.
const CONSOLE: &str = "console";

/// The console's session as the Transcript lists it.
#[derive(Clone, Debug)]
pub struct ConsoleLines {
    /// The host it talks to.
    pub host: AttrValue,
    /// When it connected.
    pub at: SimTime,
    /// What was typed and answered.
    pub lines: Rc<ConsoleLog>,
    /// Whether it is the session shown.
    pub shown: bool,
}

impl PartialEq for ConsoleLines {
    fn eq(&self, other: &Self) -> bool {
        self.host == other.host
            && self.at == other.at
            && Rc::ptr_eq(&self.lines, &other.lines)
            && self.shown == other.shown
    }
}

impl ConsoleLines {
    /// What a line of it (`who` `C` or `S`) means, with its RFC section,
    /// as the run's lines are explained.
    pub(super) fn explained(who: char, text: &str) -> Option<String> {
        explain_line(who, text.as_bytes()).map(|(what, rfc)| format!("{what} ({rfc})"))
    }

    /// Its entry in the session picker.
    fn label(&self) -> String {
        format!(
            "console: YOU → {}:25 at {} (typed by hand)",
            self.host, self.at
        )
    }
}

/// Properties of [`Transcript`].
#[derive(Properties, PartialEq)]
pub struct TranscriptProps {
    /// The run.
    pub run: RunRef,
    /// The session shown.
    pub session: Option<u64>,
    /// The clock's moment.
    pub t: SimTime,
    /// The bytes on the wire rather than the C:/S: lines.
    pub wire: bool,
    /// The console's session, if one was opened.
    #[prop_or_default]
    pub console: Option<ConsoleLines>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// Scrolls the list (not the page) so that its current line is in view, a
/// third of the way down when it has to move.
fn keep_in_view(list: &NodeRef) {
    let Some(ol) = list.cast::<web_sys::HtmlElement>() else {
        return;
    };
    let Some(li) = ol
        .query_selector("li.current")
        .ok()
        .flatten()
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    else {
        return;
    };
    let (top, height) = (li.offset_top(), li.offset_height());
    let (scroll, view) = (ol.scroll_top(), ol.client_height());
    if top < scroll || top + height > scroll + view {
        ol.set_scroll_top((top - view / 3).max(0));
    }
}

/// The selected session's lines (as bytes on the wire when `wire`).
#[function_component(Transcript)]
pub fn transcript(props: &TranscriptProps) -> Html {
    let (run, t, wire) = (&props.run, props.t, props.wire);
    let started = run.sessions.partition_point(|s| s.opened <= t);
    let on_session = props.dispatch.reform(|e: Event| {
        let value = target_value(&e);
        if value == CONSOLE {
            Action::ConsoleTranscript
        } else {
            Action::Session(value.parse().unwrap_or(0))
        }
    });
    let list = use_node_ref();
    let console = props.console.as_ref();
    let console_shown = console.filter(|c| c.shown);
    let lines = props.session.map(|conn| run.transcript(conn));
    let current = lines
        .as_ref()
        .and_then(|lines| lines.iter().rposition(|l| l.at <= t));
    {
        let list = list.clone();
        let count = console_shown.map(|c| c.lines.lines().count() + c.lines.dropped());
        use_effect_with((props.session, current, count), move |_| {
            keep_in_view(&list)
        });
    }
    let picker = html! {
        <label>{ "Session " }
            <select aria-label="Session" onchange={on_session}>
                <SessionOptions run={run.clone()} started={started}
                    selected={if console_shown.is_some() { None } else { props.session }} />
                if let Some(c) = console {
                    <option value={CONSOLE} selected={c.shown}>{ c.label() }</option>
                }
            </select>
        </label>
    };
    if let Some(c) = console_shown {
        return html! {
            <div class="transcript-panel">
                { picker }
                <ConsoleTranscript lines={c.lines.clone()} wire={wire} list={list} />
            </div>
        };
    }
    let (Some(_), Some(lines)) = (props.session, lines) else {
        return html! { <p class="hint">{ "No session yet: press Play, or step to the next event (→)." }</p> };
    };
    html! {
        <div class="transcript-panel">
            { picker }
            <ol ref={list} class={classes!("transcript", wire.then_some("wire"))} aria-label={if wire { "Bytes on the wire" } else { "Transcript" }}>
                { for lines.iter().enumerate().filter(|(_, l)| l.at <= t || wire).map(|(i, l)| {
                    let future = l.at > t;
                    let cut = l.who == CUT;
                    let class = classes!(
                        match l.who { 'C' => "client", CUT => "cut", _ => "server" },
                        (Some(i) == current).then_some("current"),
                        future.then_some("future"),
                        l.encrypted.then_some("encrypted")
                    );
                    // The marker of a cut session is no line of SMTP: the
                    // connection's end, in words.
                    let text = if wire && !cut {
                        if l.encrypted { scrambled(&l.text) } else { format!("{}<CR><LF>", l.text) }
                    } else {
                        l.text.clone()
                    };
                    html! {
                        <li class={class} title={l.hover.clone()} aria-current={(Some(i) == current).then_some("step")}
                            style={cut.then_some(CUT_STYLE)}>
                            if cut {
                                <span class="who" aria-label="connection cut" style="color: var(--bad); flex: none">{ "✕" }</span>
                            } else {
                                <span class="who">{ format!("{}:", l.who) }</span>
                            }
                            <span class="line">{ text }</span>
                        </li>
                    }
                }) }
            </ol>
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
    /// The selected connection, if a run's session is selected.
    pub selected: Option<u64>,
}

/// The session picker's options: the latest sessions started so far (and
/// the selected one), so a run of thousands of sessions stays light.
#[function_component(SessionOptions)]
pub fn session_options(props: &SessionOptionsProps) -> Html {
    let sessions = &props.run.sessions;
    let started = props.started.min(sessions.len());
    let from = started.saturating_sub(MAX_SESSION_OPTIONS);
    let older = sessions
        .iter()
        .take(from)
        .filter(|s| Some(s.conn) == props.selected);
    html! {
        { for older.chain(sessions.iter().take(started).skip(from)).map(|s| html! {
            <option value={s.conn.to_string()} selected={Some(s.conn) == props.selected}>
                { format!("#{} {} → {}:{} at {}", s.conn, s.client, s.server, s.port, s.opened) }
            </option>
        }) }
    }
}

/// Properties of [`ConsoleTranscript`].
#[derive(Properties, PartialEq)]
struct ConsoleTranscriptProps {
    lines: Rc<ConsoleLog>,
    wire: bool,
    list: NodeRef,
}

/// The console's session as a transcript: what was typed (C:) and
/// answered (S:), each explained on hover, and the console's own notes;
/// its last line is the current one.
#[function_component(ConsoleTranscript)]
fn console_transcript(props: &ConsoleTranscriptProps) -> Html {
    let last = props.lines.lines().count().checked_sub(1);
    html! {
        <ol ref={props.list.clone()} class={classes!("transcript", "console-transcript", props.wire.then_some("wire"))}
            aria-label={if props.wire { "Bytes on the wire" } else { "Transcript" }}>
            { for props.lines.lines().enumerate().map(|(i, (who, text))| {
                let smtp = matches!(who, 'C' | 'S');
                let hover = ConsoleLines::explained(*who, text).unwrap_or_default();
                let class = classes!(
                    match who { 'C' => "client", 'S' => "server", '!' => "problem", _ => "note" },
                    (Some(i) == last).then_some("current")
                );
                let text = if props.wire && smtp { format!("{text}<CR><LF>") } else { text.clone() };
                html! {
                    <li class={class} title={hover} aria-current={(Some(i) == last).then_some("step")}>
                        <span class="who">{ if smtp { format!("{who}:") } else { String::new() } }</span>
                        <span class="line">{ text }</span>
                    </li>
                }
            }) }
        </ol>
    }
}

/// Every session's transcript, as text (a cut session's marker as
/// `-- …`, as `mxlab transcript` writes it), the console's session last
/// (its notes as `# …`).
pub fn transcripts_text(run: &Run, console: Option<&ConsoleLines>) -> String {
    let mut out = String::new();
    let all = run.all_transcripts();
    for s in &run.sessions {
        out.push_str(&session_heading(
            s.conn, &s.client, &s.server, s.port, s.opened,
        ));
        out.push('\n');
        for l in all.get(&s.conn).into_iter().flatten() {
            if l.who == CUT {
                out.push_str(&format!("-- {}\n", l.text));
            } else {
                out.push_str(&format!("{}: {}\n", l.who, l.text));
            }
        }
        out.push('\n');
    }
    if let Some(c) = console {
        out.push_str(&format!("# {}\n", c.label()));
        for (who, text) in c.lines.lines() {
            match who {
                'C' | 'S' => out.push_str(&format!("{who}: {text}\n")),
                _ => out.push_str(&format!("# {text}\n")),
            }
        }
    }
    out
}
