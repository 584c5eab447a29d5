//! The keyboard shortcuts (space, arrows, Home, `f`), listened for on the
//! document for the app's own page, or on the instance's element for a
//! simulator mounted in a page.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Dispatches each shortcut's key to `on_key`, listening on the element
/// of `shell` when `contained`, else on the document. Space on a button
/// presses it; the shortcuts leave form controls alone.
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
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| {
                            matches!(
                                el.tag_name().as_str(),
                                "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON"
                            )
                        });
                    if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let key = e.key();
                    if matches!(
                        key.as_str(),
                        " " | "ArrowLeft" | "ArrowRight" | "Home" | "f"
                    ) {
                        e.prevent_default();
                        on_key.emit(key);
                    }
                },
            )
        });
        move || drop(listener)
    });
}
