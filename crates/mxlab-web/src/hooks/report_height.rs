//! An embed in an iframe tells the page around it how tall its content
//! is, so that one line of script there can size the iframe to fit:
//! `{ mxlab: "height", height: N }` by `postMessage`, each time the height
//! changes.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The message sent: `{ mxlab: "height", height }`.
fn message(height: i32) -> JsValue {
    let m = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&m, &"mxlab".into(), &"height".into());
    let _ = js_sys::Reflect::set(&m, &"height".into(), &height.into());
    m.into()
}

/// While `enabled` and the page is framed, posts the height of the
/// element of `shell` to the framing page whenever it changes.
#[hook]
pub fn use_report_height(shell: NodeRef, enabled: bool) {
    use_effect_with(enabled, move |enabled| {
        let watch = enabled
            .then(|| {
                let window = gloo::utils::window();
                let parent = window.parent().ok().flatten().filter(|p| *p != window)?;
                let el = shell.cast::<web_sys::HtmlElement>()?;
                let watched = el.clone();
                let mut last = -1;
                let changed = Closure::<dyn FnMut()>::new(move || {
                    let height = watched.offset_height();
                    if height != last {
                        last = height;
                        let _ = parent.post_message(&message(height), "*");
                    }
                });
                let observer =
                    web_sys::ResizeObserver::new(changed.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                Some((observer, changed))
            })
            .flatten();
        move || {
            if let Some((observer, _changed)) = watch {
                observer.disconnect();
            }
        }
    });
}
