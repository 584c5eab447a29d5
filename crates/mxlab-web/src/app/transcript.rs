//! The Transcript and On the wire panels: the selected session's C:/S:
//! lines up to the clock's moment (each explained on hover), a session cut
//! before QUIT ending with its marker line, and the export of every
//! transcript as text.

use yew::prelude::*;

use super::{App, Msg, RunRef, SessionOptions};
use crate::form::target_value;
use crate::lab::{scrambled, CUT};

/// How the marker of a cut session stands apart from the C:/S: lines (the
/// page's stylesheet has no rule for it).
const CUT_STYLE: &str =
    "display: flex; border-left: 3px solid var(--bad); font-style: italic; margin-top: 0.2em";

impl App {
    /// The selected session's lines (as bytes on the wire when `wire`).
    pub(super) fn view_transcript(&self, ctx: &Context<Self>, wire: bool) -> Html {
        let link = ctx.link();
        let Some(run) = &self.run else {
            return html! {};
        };
        let t = self.clock.t;
        let started = run.sessions.partition_point(|s| s.opened <= t);
        let on_session =
            link.callback(|e: Event| Msg::Session(target_value(&e).parse().unwrap_or(0)));
        let Some(conn) = self.session else {
            return html! { <p class="hint">{ "No session yet: press Play, or step to the next event (→)." }</p> };
        };
        let lines = run.transcript(conn);
        let current = lines.iter().rposition(|l| l.at <= t);
        html! {
            <div class="transcript-panel">
                <label>{ "Session " }
                    <select aria-label="Session" onchange={on_session}>
                        <SessionOptions run={RunRef(run.clone())} started={started} selected={conn} />
                    </select>
                </label>
                <ol class={classes!("transcript", wire.then_some("wire"))} aria-label={if wire { "Bytes on the wire" } else { "Transcript" }}>
                    { for lines.iter().enumerate().filter(|(_, l)| l.at <= t || wire).map(|(i, l)| {
                        let future = l.at > t;
                        let cut = l.who == CUT;
                        let class = classes!(
                            match l.who { 'C' => "client", CUT => "cut", _ => "server" },
                            (Some(i) == current).then_some("current"),
                            future.then_some("future"),
                            l.encrypted.then_some("encrypted")
                        );
                        // The marker of a cut session is no line of
                        // SMTP: the connection's end, in words.
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

    /// Every session's transcript, as text (a cut session's marker as
    /// `-- …`, as `mxlab transcript` writes it).
    pub(super) fn export_transcripts(&self) -> String {
        let Some(run) = &self.run else {
            return String::new();
        };
        let mut out = String::new();
        let all = run.all_transcripts();
        for s in &run.sessions {
            out.push_str(&format!(
                "# connection {} {} -> {} at {}\n",
                s.conn, s.client, s.server, s.opened
            ));
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
}
