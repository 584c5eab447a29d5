//! What the statistics plots share: the size they are drawn at (their
//! box's width and font, measured, so that text keeps its size on a
//! phone and on a projector), a plot's SVG in the page, and the words of
//! an empty plot.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub use crate::plot::svg::Size;

/// The size of the element of `node` now, if it is laid out.
fn measure(el: &web_sys::Element) -> Option<Size> {
    let width = f64::from(el.client_width());
    let font = gloo::utils::window()
        .get_computed_style(el)
        .ok()
        .flatten()
        .and_then(|s| s.get_property_value("font-size").ok())
        .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f > 0.0)
        .unwrap_or(15.0);
    (width > 0.0).then_some(Size { width, font })
}

/// The size of the element of `node`, measured once it is drawn, again
/// whenever it is resized, and when `presenter` (the type's size) changes.
#[hook]
pub fn use_size(node: NodeRef, presenter: bool) -> Size {
    let size = use_state_eq(Size::default);
    {
        let size = size.clone();
        use_effect_with(presenter, move |_| {
            let watch = node.cast::<web_sys::Element>().and_then(|el| {
                if let Some(s) = measure(&el) {
                    size.set(s);
                }
                let watched = el.clone();
                let changed = Closure::<dyn FnMut()>::new(move || {
                    if let Some(s) = measure(&watched) {
                        size.set(s);
                    }
                });
                let observer =
                    web_sys::ResizeObserver::new(changed.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                Some((observer, changed))
            });
            move || {
                if let Some((observer, _changed)) = watch {
                    observer.disconnect();
                }
            }
        });
    }
    *size
}

/// An empty plot: what it would show, and why there is nothing yet.
pub fn empty(text: &str) -> Html {
    html! { <p class="empty" role="status">{ format!("Nothing to plot yet: {text}") }</p> }
}

/// A plot's SVG markup (written by [`crate::plot::svg`], its text
/// escaped there) in the page.
pub fn svg(markup: &AttrValue) -> Html {
    Html::from_html_unchecked(markup.clone())
}
