//! The Console panel: pick a host, connect (`nc host 25`), and type SMTP
//! one line at a time; the host's own server session answers. The input
//! line is bounded (see [`crate::bounds`]).

use std::rc::Rc;

use mxlab_sim::scenario::Role;
use mxlab_sim::Scenario;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::bounds::{ConsoleLog, MAX_CONSOLE_LINE};
use crate::components::ByPtr;
use crate::form::target_value;
use crate::guard::field_length;
use crate::state::{Action, Field};

/// Properties of [`ConsolePane`].
#[derive(Properties, PartialEq, Clone)]
pub struct ConsolePaneProps {
    /// The scenario (its hosts).
    pub scenario: ByPtr<Scenario>,
    /// The host picked.
    pub host: AttrValue,
    /// The input line.
    pub input: AttrValue,
    /// The session's log.
    pub lines: Rc<ConsoleLog>,
    /// Whether a session is open.
    pub connected: bool,
    /// The input line's element id.
    pub input_id: AttrValue,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The console.
#[function_component(ConsolePane)]
pub fn console_pane(props: &ConsolePaneProps) -> Html {
    let d = &props.dispatch;
    let connected = props.connected;
    let on_host = d.reform(|e: Event| Action::ConsoleHost(target_value(&e)));
    let on_input = d.reform(|e: InputEvent| {
        // Measured in the page first: a refused line is never copied in.
        let len = e.target().map_or(0, |t| field_length(&t));
        if len > MAX_CONSOLE_LINE {
            Action::Refused(Field::Console, len)
        } else {
            Action::ConsoleInput(target_value(&e))
        }
    });
    // Pasted text with line breaks is typed as nc would send it: each whole
    // line sent in turn, what follows the last break left in the field.
    let on_paste = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let text = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|c| c.clipboard_data())
                .and_then(|data| data.get_data("text").ok())
                .unwrap_or_default();
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            if !text.contains(['\n', '\r']) {
                return;
            }
            e.prevent_default();
            let value = input.value();
            let at = |n: Option<u32>| {
                let units = n.unwrap_or(u32::MAX) as usize;
                value
                    .char_indices()
                    .scan(0usize, |seen, (i, c)| {
                        let here = *seen;
                        *seen += c.len_utf16();
                        Some((i, here))
                    })
                    .find(|(_, here)| *here >= units)
                    .map_or(value.len(), |(i, _)| i)
            };
            let (start, end) = (
                at(input.selection_start().ok().flatten()),
                at(input.selection_end().ok().flatten()),
            );
            let whole = format!("{}{}{}", &value[..start], text, &value[end.max(start)..]);
            let whole = whole.replace("\r\n", "\n").replace('\r', "\n");
            let mut lines: Vec<&str> = whole.split('\n').collect();
            let rest = lines.pop().unwrap_or_default().to_string();
            for line in lines {
                d.emit(Action::ConsoleInput(line.to_string()));
                d.emit(Action::ConsoleSend);
            }
            input.set_value(&rest);
            d.emit(Action::ConsoleInput(rest));
        })
    };
    let on_submit = d.reform(|e: SubmitEvent| {
        e.prevent_default();
        Action::ConsoleSend
    });
    let dropped = props.lines.dropped();
    // The log scrolls inside its panel, to its newest line.
    let log = use_node_ref();
    {
        let log = log.clone();
        let count = props.lines.lines().count() + dropped;
        use_effect_with(count, move |_| {
            if let Some(ol) = log.cast::<web_sys::HtmlElement>() {
                ol.set_scroll_top(ol.scroll_height());
            }
        });
    }
    html! {
        <div class="console-panel">
            <div class="console-bar">
                <label>{ "Host " }
                    <select aria-label="Console host" onchange={on_host}>
                        { for props.scenario.nodes.iter().filter(|n| n.role != Role::Resolver).map(|n| html! {
                            <option value={n.name.clone()} selected={n.name == props.host.as_str()}>{ n.name.clone() }</option>
                        }) }
                    </select>
                </label>
                <button onclick={d.reform(|_| Action::ConsoleOpen)}>{ if connected { "Reconnect" } else { "Connect" } }</button>
                <span class="hint">{ "Type SMTP as with nc host 25: the host's own server session answers, and mail it accepts travels on through the network." }</span>
            </div>
            <ol ref={log} class="console-log transcript" role="log" aria-live="polite" aria-label="Console">
                if dropped > 0 {
                    <li class="note"><span class="who"></span><span class="line">{ format!("({dropped} earlier lines not kept)") }</span></li>
                }
                { for props.lines.lines().map(|(who, text)| {
                    let class = match who { 'C' => "client", 'S' => "server", '!' => "problem", _ => "note" };
                    html! {
                        <li class={class}>
                            <span class="who">{ if *who == 'C' || *who == 'S' { format!("{who}:") } else { String::new() } }</span>
                            <span class="line">{ text.clone() }</span>
                        </li>
                    }
                }) }
            </ol>
            <form class="console-input" onsubmit={on_submit}>
                <input type="text" id={props.input_id.clone()} data-mxlab-max={MAX_CONSOLE_LINE.to_string()} data-mxlab-field="console"
                    aria-label="SMTP line" placeholder={if connected { "HELO student.example" } else { "press Connect first" }}
                    value={props.input.clone()} oninput={on_input} onpaste={on_paste} disabled={!connected} autocomplete="off" spellcheck="false" />
                <button type="submit" disabled={!connected}>{ "Send" }</button>
            </form>
        </div>
    }
}
