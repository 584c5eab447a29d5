//! The wheel zooms the stage (not in a page that embeds it: there the
//! wheel scrolls the page).

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Zoom factor per wheel notch.
const NOTCH: f64 = 1.15;

/// While `enabled`, each wheel notch over the element of `stage` is told
/// to `on_zoom` as a factor (in, or out). The listener is not passive, so
/// the page does not scroll at the same time.
#[hook]
pub fn use_wheel_zoom(stage: NodeRef, enabled: bool, on_zoom: Callback<f64>) {
    use_effect_with(enabled, move |enabled| {
        let listener = stage.get().filter(|_| *enabled).map(|stage| {
            EventListener::new_with_options(
                &stage,
                "wheel",
                EventListenerOptions::enable_prevent_default(),
                move |e| {
                    if let Some(w) = e.dyn_ref::<web_sys::WheelEvent>() {
                        w.prevent_default();
                        on_zoom.emit(if w.delta_y() < 0.0 {
                            NOTCH
                        } else {
                            1.0 / NOTCH
                        });
                    }
                },
            )
        });
        move || drop(listener)
    });
}
