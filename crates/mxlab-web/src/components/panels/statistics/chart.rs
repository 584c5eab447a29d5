//! What the statistics plots share: the size they are drawn at (their
//! box's width and font, measured, so that text keeps its size on a
//! phone and on a projector), the frame around the plot, the axes with
//! their ticks and titles, and the words of an empty plot.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::plot::Tick;

/// The size a plot is drawn at, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// The width of its box.
    pub width: f64,
    /// The font size there.
    pub font: f64,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width: 480.0,
            font: 15.0,
        }
    }
}

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

/// Where a plot sits in its SVG: the margins that hold the axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The SVG's width.
    pub width: f64,
    /// The SVG's height.
    pub height: f64,
    /// The plot's left edge (the y axis).
    pub x0: f64,
    /// The plot's right edge.
    pub x1: f64,
    /// The plot's bottom (the x axis).
    pub y0: f64,
    /// The plot's top.
    pub y1: f64,
    /// The font size.
    pub font: f64,
}

impl Frame {
    /// The frame of a plot in a box of `size`, whose y labels are at most
    /// `y_chars` characters long.
    pub fn new(size: Size, y_chars: usize) -> Frame {
        let f = size.font;
        let width = size.width.max(16.0 * f);
        let height = (width * 0.34).clamp(12.0 * f, 17.0 * f);
        Frame {
            width,
            height,
            x0: 2.4 * f + char_width(f) * y_chars as f64,
            x1: width - 2.2 * f,
            y0: height - 3.0 * f,
            y1: 1.9 * f,
            font: f,
        }
    }

    /// How many labels of `chars` characters fit along the x axis.
    pub fn x_ticks(&self, chars: usize) -> usize {
        ((self.x1 - self.x0) / (char_width(self.font) * chars as f64 + 1.5 * self.font)) as usize
    }

    /// How many count ticks fit up the y axis.
    pub fn y_ticks(&self) -> usize {
        ((self.y0 - self.y1) / (2.2 * self.font)) as usize + 1
    }

    /// The SVG's `viewBox`.
    pub fn view_box(&self) -> String {
        format!("0 0 {:.0} {:.0}", self.width, self.height)
    }
}

/// The width of a character of a tick label (set at 0.85 em) in a font
/// of `font` pixels, about.
pub fn char_width(font: f64) -> f64 {
    font * 0.85 * 0.6
}

/// `v` as an SVG coordinate.
pub fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// The x axis: its line, a tick and a label at each of `ticks` (placed by
/// `at`), and its title under them.
pub fn x_axis(frame: &Frame, ticks: &[Tick], at: impl Fn(f64) -> f64, title: &str) -> Html {
    let f = frame.font;
    html! {
        <g class="axis x">
            <line x1={px(frame.x0)} y1={px(frame.y0)} x2={px(frame.x1)} y2={px(frame.y0)} />
            { for ticks.iter().map(|t| {
                let x = at(t.value);
                html! {
                    <g class="tick">
                        <line x1={px(x)} y1={px(frame.y0)} x2={px(x)} y2={px(frame.y0 + 0.35 * f)} />
                        <text x={px(x)} y={px(frame.y0 + 1.3 * f)} text-anchor="middle">{ t.label.clone() }</text>
                    </g>
                }
            }) }
            <text class="title" x={px((frame.x0 + frame.x1) / 2.0)} y={px(frame.height - 0.35 * f)} text-anchor="middle">{ title.to_string() }</text>
        </g>
    }
}

/// The y axis: its line, a label and a grid line across the plot at each
/// of `ticks` (placed by `at`), and its title along it.
pub fn y_axis(frame: &Frame, ticks: &[Tick], at: impl Fn(f64) -> f64, title: &str) -> Html {
    let f = frame.font;
    let mid = (frame.y0 + frame.y1) / 2.0;
    html! {
        <g class="axis y">
            { for ticks.iter().map(|t| {
                let y = at(t.value);
                html! {
                    <g class="tick">
                        <line class="grid" x1={px(frame.x0)} y1={px(y)} x2={px(frame.x1)} y2={px(y)} />
                        <text x={px(frame.x0 - 0.4 * f)} y={px(y + 0.3 * f)} text-anchor="end">{ t.label.clone() }</text>
                    </g>
                }
            }) }
            <line x1={px(frame.x0)} y1={px(frame.y0)} x2={px(frame.x0)} y2={px(frame.y1)} />
            <text class="title" x={px(0.9 * f)} y={px(mid)} text-anchor="middle"
                transform={format!("rotate(-90 {} {})", px(0.9 * f), px(mid))}>{ title.to_string() }</text>
        </g>
    }
}

/// An empty plot: what it would show, and why there is nothing yet.
pub fn empty(text: &str) -> Html {
    html! { <p class="empty" role="status">{ format!("Nothing to plot yet: {text}") }</p> }
}
