//! The Transcript and On the wire panels: the selected session's C:/S:
//! lines up to the clock's moment (each explained on hover), a session cut
//! before QUIT ending with its marker line, and every transcript as text
//! for the export. The list scrolls inside itself to keep the current line
//! in view (the page does not move).

use mxlab_sim::inspect::session_heading;
use mxlab_sim::SimTime;
use yew::prelude::*;

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
    let on_session = props
        .dispatch
        .reform(|e: Event| Action::Session(target_value(&e).parse().unwrap_or(0)));
    let list = use_node_ref();
    let lines = props.session.map(|conn| run.transcript(conn));
    let current = lines
        .as_ref()
        .and_then(|lines| lines.iter().rposition(|l| l.at <= t));
    {
        let list = list.clone();
        use_effect_with((props.session, current), move |_| keep_in_view(&list));
    }
    let (Some(conn), Some(lines)) = (props.session, lines) else {
        return html! { <p class="hint">{ "No session yet: press Play, or step to the next event (→)." }</p> };
    };
    html! {
        <div class="transcript-panel">
            <label>{ "Session " }
                <select aria-label="Session" onchange={on_session}>
                    <SessionOptions run={run.clone()} started={started} selected={conn} />
                </select>
            </label>
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
    /// The selected connection.
    pub selected: u64,
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
        .filter(|s| s.conn == props.selected);
    html! {
        { for older.chain(sessions.iter().take(started).skip(from)).map(|s| html! {
            <option value={s.conn.to_string()} selected={s.conn == props.selected}>
                { format!("#{} {} → {}:{} at {}", s.conn, s.client, s.server, s.port, s.opened) }
            </option>
        }) }
    }
}

/// Every session's transcript, as text (a cut session's marker as
/// `-- …`, as `mxlab transcript` writes it).
pub fn transcripts_text(run: &Run) -> String {
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
    out
}
