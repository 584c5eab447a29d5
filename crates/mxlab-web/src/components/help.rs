//! The sheet of keyboard shortcuts, opened with `?`.

use yew::prelude::*;

use crate::state::Action;

/// The shortcuts, as the sheet lists them.
pub const SHORTCUTS: [(&str, &str); 13] = [
    ("Space", "play or pause (anywhere but in a text field)"),
    ("→  ←", "next or previous event"),
    ("Home", "back to the start"),
    ("End", "to the end of the run"),
    ("Tab", "reach the hosts and links of the drawing"),
    ("↑  ↓", "on the drawing: the previous or next host or link"),
    ("Enter", "select the host or link that has the focus"),
    ("f", "the fault menu of the selected host (or the first MX)"),
    (
        "Esc",
        "close this sheet, the share dialog, the palette's tool or the fault menu",
    ),
    ("Delete", "delete the selected host, link or MX record"),
    (
        "Ctrl+Z",
        "undo a scenario edit (Ctrl+Shift+Z or Ctrl+Y: redo)",
    ),
    ("?", "open or close this sheet"),
    ("wheel", "zoom the drawing; drag a host to move it"),
];

/// Properties of [`Help`].
#[derive(Properties, PartialEq, Clone)]
pub struct HelpProps {
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The sheet of keyboard shortcuts.
#[function_component(Help)]
pub fn help(props: &HelpProps) -> Html {
    html! {
        <div class="help-sheet" role="dialog" aria-modal="false" aria-label="Keyboard shortcuts">
            <h2>{ "Keyboard shortcuts" }</h2>
            <dl>
                { for SHORTCUTS.iter().map(|(key, what)| html! {
                    <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></>
                }) }
            </dl>
            <button class="close" onclick={props.dispatch.reform(|_| Action::Help(false))}>{ "Close (Esc)" }</button>
        </div>
    }
}
