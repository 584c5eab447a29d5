//! The keyboard shortcuts (space, arrows, Home, `f`, Esc, `?`, Delete and
//! Backspace, Ctrl+Z and Ctrl+Shift+Z or Ctrl+Y), listened
//! for on the document for the app's own page, or on the instance's
//! element for a simulator mounted in a page.
//!
//! Space is play/pause everywhere but in a text field: on a button it does
//! not press the button (a fault menu's button would inject a fault), in a
//! menu it does not open the menu. The arrows and Home are left to the
//! control that has the focus when it uses them (a menu, the timeline).

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Dispatches each shortcut's key to `on_key`, listening on the element
/// of `shell` when `contained`, else on the document.
#[hook]
pub fn use_keyboard(shell: NodeRef, contained: bool, on_key: Callback<String>) {
    use_effect_with((), move |_| {
        let target: Option<web_sys::EventTarget> = if contained {
            shell.get().map(Into::into)
        } else {
            Some(gloo::utils::document().into())
        };
        // Not passive: the shortcuts keep space from scrolling the page.
        let listener = target.map(|t| {
            EventListener::new_with_options(
                &t,
                "keydown",
                EventListenerOptions::enable_prevent_default(),
                move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    // Ctrl+Z (⌘Z) undoes, Ctrl+Shift+Z or Ctrl+Y redoes:
                    // named `Undo` and `Redo` for the state.
                    let key = match (e.ctrl_key() || e.meta_key(), e.alt_key()) {
                        (false, false) => e.key(),
                        (true, false) => match e.key().as_str() {
                            "z" | "Z" if e.shift_key() => "Redo".to_string(),
                            "z" | "Z" => "Undo".to_string(),
                            "y" | "Y" => "Redo".to_string(),
                            _ => return,
                        },
                        _ => return,
                    };
                    let target = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                    let focus = target.as_ref().map_or(Focus::Page, Focus::of);
                    // On the drawing, ↑ and ↓ move between its hosts and
                    // links (← and → still step the run).
                    if let (Some(el), "ArrowUp" | "ArrowDown") = (&target, key.as_str()) {
                        if move_on_drawing(el, key == "ArrowDown") {
                            e.prevent_default();
                        }
                        return;
                    }
                    if focus.leaves(&key) {
                        return;
                    }
                    e.prevent_default();
                    on_key.emit(key);
                },
            )
        });
        move || drop(listener)
    });
}

/// Moves the focus from a host or link of the drawing to the next (or
/// previous) one; whether `el` was one.
fn move_on_drawing(el: &web_sys::Element, forward: bool) -> bool {
    let Some(stage) = el.closest("main.mxlab-stage").ok().flatten() else {
        return false;
    };
    if !(el.matches("g.host, g.link").unwrap_or(false)) {
        return false;
    }
    let Ok(all) = stage.query_selector_all("g.link[tabindex], g.host[tabindex]") else {
        return false;
    };
    let items: Vec<web_sys::Element> = (0..all.length())
        .filter_map(|i| all.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .collect();
    let Some(at) = items.iter().position(|i| i == el) else {
        return false;
    };
    let n = items.len();
    let next = if forward {
        (at + 1) % n
    } else {
        (at + n - 1) % n
    };
    if let Some(svg) = items
        .get(next)
        .and_then(|e| e.clone().dyn_into::<web_sys::SvgElement>().ok())
    {
        let _ = svg.focus();
    }
    true
}

/// Where the focus is, as the shortcuts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    /// The page, a host or a link of the drawing.
    Page,
    /// A field one types into: every key is its own.
    Text,
    /// A menu or the timeline: its arrow keys and Home are its own.
    Control,
    /// A button: Enter presses it, Space does not.
    Button,
    /// Inside a dialog (the share dialog, the help): its controls have
    /// every key (Space ticks a box), but Esc, which closes it.
    Dialog,
}

impl Focus {
    fn of(el: &web_sys::Element) -> Focus {
        if el.closest("[role=dialog]").ok().flatten().is_some() {
            return Focus::Dialog;
        }
        match el.tag_name().as_str() {
            "TEXTAREA" => Focus::Text,
            "INPUT" => match el.get_attribute("type").as_deref() {
                Some("range" | "checkbox" | "radio" | "button" | "file") => Focus::Control,
                _ => Focus::Text,
            },
            "SELECT" => Focus::Control,
            "BUTTON" => Focus::Button,
            _ if el.get_attribute("contenteditable").is_some() => Focus::Text,
            _ => Focus::Page,
        }
    }

    /// Whether `key` is left to the focused element (not a shortcut here).
    fn leaves(self, key: &str) -> bool {
        let shortcut = matches!(
            key,
            " " | "ArrowLeft"
                | "ArrowRight"
                | "Home"
                | "End"
                | "f"
                | "Escape"
                | "?"
                | "Delete"
                | "Backspace"
                | "Undo"
                | "Redo"
        );
        match self {
            Focus::Text => true,
            Focus::Control => !matches!(key, " " | "Escape" | "?"),
            Focus::Dialog => key != "Escape",
            Focus::Button | Focus::Page => !shortcut,
        }
    }
}
