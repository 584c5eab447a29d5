//! The Ladder panel: the selected message's journey (every host it
//! crossed, every session, its DNS questions) or the selected session, as
//! a ladder diagram: one column per host, one arrow per line sent, time
//! flowing down (`mxlab_sim::inspect::ladder`). A line across it marks the
//! clock's moment and stays in view; the diagram downloads as the same
//! standalone SVG file `mxlab ladder` writes.

use mxlab_sim::inspect::ladder::{Ladder, Layout, Scope, SvgOptions};
use mxlab_sim::SimTime;
use yew::prelude::*;

use crate::components::{download, RunRef};
use crate::form::target_value;
use crate::state::Action;

/// Properties of [`LadderPane`].
#[derive(Properties, PartialEq, Clone)]
pub struct LadderProps {
    /// The run.
    pub run: RunRef,
    /// The session the transcript shows, if any.
    pub session: Option<u64>,
    /// The message whose journey is drawn, if any.
    pub message: Option<AttrValue>,
    /// The clock's moment.
    pub t: SimTime,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// A ladder drawn: its layout and its SVG document (without the XML
/// declaration, to sit in the page).
struct Drawn {
    ladder: Ladder,
    svg: AttrValue,
}

/// What the panel draws: the message's journey, unless the session was
/// asked for (or there is no message).
fn scope(props: &LadderProps, session_first: bool) -> Option<Scope> {
    match (&props.message, props.session) {
        (_, Some(conn)) if session_first => Some(Scope::Session(conn)),
        (Some(id), _) => Some(Scope::Message(id.to_string())),
        (None, Some(conn)) => Some(Scope::Session(conn)),
        (None, None) => None,
    }
}

/// The ladder diagram of the selected message or session.
#[function_component(LadderPane)]
pub fn ladder_pane(props: &LadderProps) -> Html {
    let session_first = use_state(|| false);
    let scope = scope(props, *session_first);
    let drawn = use_memo((props.run.clone(), scope.clone()), |(run, scope)| {
        let scope = scope.as_ref()?;
        Some(
            Ladder::new(run.index.trace(), scope, &Layout::default())
                .map(|ladder| {
                    let svg = ladder.to_svg(&SvgOptions::default());
                    let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
                    Drawn {
                        svg: AttrValue::from(body.to_string()),
                        ladder,
                    }
                })
                .map_err(|e| e.to_string()),
        )
    });
    let frame = use_node_ref();
    let y = match drawn.as_ref() {
        Some(Ok(d)) => d.ladder.y_at(props.t),
        _ => 0.0,
    };
    {
        // The moment's line stays in view, a third of the way down.
        let frame = frame.clone();
        use_effect_with(y.round() as i64, move |_| {
            if let Some(el) = frame.cast::<web_sys::HtmlElement>() {
                let (top, view) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
                // Where the line is drawn, in the frame's pixels: the sheet
                // may be scaled (presenter mode), so ask the line itself.
                let y = el
                    .query_selector(".ladder-now")
                    .ok()
                    .flatten()
                    .map_or(y, |now| {
                        now.get_bounding_client_rect().top() - el.get_bounding_client_rect().top()
                            + top
                    });
                if y < top || y > top + view - 20.0 {
                    el.set_scroll_top((y - view / 3.0).max(0.0) as i32);
                }
            }
        });
    }
    let on_scope = {
        let session_first = session_first.clone();
        Callback::from(move |e: Event| session_first.set(target_value(&e) == "session"))
    };
    let picker = match (&props.message, props.session) {
        (Some(id), Some(conn)) => html! {
            <label>{ "Draw " }
                <select aria-label="Ladder of" onchange={on_scope}>
                    <option value="message" selected={!*session_first}>{ format!("the journey of message {id}") }</option>
                    <option value="session" selected={*session_first}>{ format!("session #{conn}") }</option>
                </select>
            </label>
        },
        (Some(id), None) => html! { <span>{ format!("The journey of message {id}") }</span> },
        (None, Some(conn)) => {
            html! { <span>{ format!("Session #{conn} (pick a message in Messages to draw its journey)") }</span> }
        }
        (None, None) => html! {},
    };
    let Some(drawn) = drawn.as_ref() else {
        return html! { <p class="hint">{ "No session or message yet: press Play, or step to the next event (→)." }</p> };
    };
    let d = match drawn {
        Ok(d) => d,
        Err(e) => return html! { <p class="hint">{ e.clone() }</p> },
    };
    let file = match &scope {
        Some(Scope::Message(id)) => format!("ladder-{id}.svg"),
        Some(Scope::Session(conn)) => format!("ladder-session-{conn}.svg"),
        None => "ladder.svg".to_string(),
    };
    let on_download = {
        let (ladder, dispatch) = (d.ladder.clone(), props.dispatch.clone());
        Callback::from(move |_| {
            if let Err(e) = download(
                &file,
                "image/svg+xml",
                &ladder.to_svg(&SvgOptions::default()),
            ) {
                dispatch.emit(Action::Error(e));
            }
        })
    };
    let l = &d.ladder;
    html! {
        <div class="ladder-panel">
            <div class="ladder-bar">
                { picker }
                <button class="download" onclick={on_download}>{ "Download SVG" }</button>
            </div>
            <div class="ladder" ref={frame} role="img" aria-label="Ladder diagram"
                data-columns={l.columns.len().to_string()} data-arrows={l.arrows.len().to_string()}
                data-smtp-lines={l.smtp_lines().to_string()} data-crosses={l.crosses.len().to_string()}>
                <div class="ladder-sheet" style={format!("width: {}px; height: {}px", l.width, l.height)}>
                    { Html::from_html_unchecked(d.svg.clone()) }
                    <div class="ladder-now" style={format!("top: {y:.1}px; width: {}px", l.width)}
                        data-y={format!("{y:.1}")} title={format!("now: {}", props.t)} />
                </div>
            </div>
        </div>
    }
}
