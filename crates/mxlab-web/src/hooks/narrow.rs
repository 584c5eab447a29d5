//! Whether the screen is narrow (a phone held upright): the stage then
//! lays its hosts out in rows, as the page's stylesheet stacks its parts
//! at the same width.

use gloo::events::EventListener;
use yew::prelude::*;

/// The media query of a narrow screen; the same width as the
/// stylesheet's phone layout.
pub const NARROW: &str = "(max-width: 600px)";

/// While `enabled`, tells `on_narrow` whether the screen is narrow: once
/// at the start, and again each time it changes (the phone is turned).
#[hook]
pub fn use_narrow(enabled: bool, on_narrow: Callback<bool>) {
    use_effect_with(enabled, move |enabled| {
        let query = enabled
            .then(|| gloo::utils::window().match_media(NARROW).ok().flatten())
            .flatten();
        let listener = query.map(|q| {
            on_narrow.emit(q.matches());
            let q2 = q.clone();
            EventListener::new(&q, "change", move |_| on_narrow.emit(q2.matches()))
        });
        move || drop(listener)
    });
}
