//! The share dialog: the link of the moment on screen (or, when it is too
//! long for a link, the scenario file), and, for a page that embeds the
//! scenario, the options an author picks (what it shows, from which
//! moment, playing or not, looping, how fast, its colours, its size), a live
//! preview of the embed, and the two ways to write it: an iframe and the
//! package's `<mx-lab>` element. Each text has a button that copies it (the
//! shell writes the clipboard).

use std::cell::Cell;
use std::rc::Rc;

use mxlab_sim::SimTime;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::Export;
use crate::form::target_value;
use crate::share;
use crate::state::Action;

mod snippets;

pub use snippets::Choices;
use snippets::{Embed, Size, Speed, Theme, View};

/// Properties of [`ShareDialog`].
#[derive(Properties, PartialEq, Clone)]
pub struct ShareDialogProps {
    /// The link's hash, once the browser has made it.
    pub hash: Option<AttrValue>,
    /// The preset open, if the scenario is one, unchanged by hand: the
    /// embed code names it rather than carrying the link.
    pub unchanged_preset: Option<AttrValue>,
    /// The scenario's name.
    pub title: AttrValue,
    /// The moment on screen; the embed may start there (the moment when the
    /// dialog opened, as the link's).
    pub t: SimTime,
    /// The link field's element id.
    pub link_id: AttrValue,
    /// The iframe code field's element id.
    pub embed_id: AttrValue,
    /// The `<mx-lab>` element code field's element id.
    pub element_id: AttrValue,
    /// Downloads a file.
    pub on_export: Callback<Export>,
    /// Copies the text of the field with this id to the clipboard.
    pub on_copy: Callback<AttrValue>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// The author's choices, kept by the page while the dialog is closed so
    /// that opening it again shows them as they were left.
    pub remembered: Rc<Cell<Choices>>,
}

/// A button's callback that copies the field `id`.
fn copy(on_copy: &Callback<AttrValue>, id: &AttrValue) -> Callback<MouseEvent> {
    let id = id.clone();
    on_copy.reform(move |_| id.clone())
}

/// Whether the checkbox an event came from is ticked.
fn target_checked(e: &Event) -> bool {
    e.target()
        .and_then(|t| js_sys::Reflect::get(&t, &wasm_bindgen::JsValue::from_str("checked")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The width of the preview, in CSS pixels: the embed is drawn at its
/// real size and scaled down to it.
const PREVIEW_WIDTH: f64 = 320.0;

/// The site's directory (with its trailing `/`) and the app's page.
fn site() -> (String, String) {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default();
    let page = base.split('?').next().unwrap_or_default().to_string();
    let dir = page
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    (dir, page)
}

/// The share dialog.
#[function_component(ShareDialog)]
pub fn share_dialog(props: &ShareDialogProps) -> Html {
    let choices = use_state(|| props.remembered.get());
    {
        let remembered = props.remembered.clone();
        use_effect_with(*choices, move |c| remembered.set(*c));
    }
    // The moment on screen when the dialog opened, as in the link: the clock
    // may play on behind the dialog without reloading the preview.
    let moment = use_state(|| props.t);
    let root = use_node_ref();
    {
        let root = root.clone();
        use_effect_with((), move |()| {
            // The shell the dialog opened in, for giving the focus back
            // to its Share button when the dialog closes.
            let shell = root.cast::<web_sys::HtmlElement>().and_then(|el| {
                let _ = el.focus();
                el.closest(".mxlab-shell").ok().flatten()
            });
            move || {
                let share = shell
                    .and_then(|s| {
                        s.query_selector("header.mxlab-header button.share")
                            .ok()
                            .flatten()
                    })
                    .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(button) = share {
                    let _ = button.focus();
                }
            }
        });
    }
    let body = match props.hash.clone() {
        None => html! { <p>{ "Preparing the link…" }</p> },
        Some(hash) => contents(props, &hash, &choices, *moment),
    };
    html! {
        <div class="share-dialog" role="dialog" aria-modal="false" aria-label="Share"
            tabindex="-1" ref={root}>
            <h2>{ "Share this moment" }</h2>
            { body }
            <button class="close" onclick={props.dispatch.reform(|_| Action::ShareOpen(false))}>{ "Close" }</button>
        </div>
    }
}

/// The dialog once the link is made.
fn contents(
    props: &ShareDialogProps,
    hash: &str,
    choices: &UseStateHandle<Choices>,
    moment: SimTime,
) -> Html {
    let (dir, page) = site();
    let url = format!("{page}#{hash}");
    let too_long = url.len() > share::MAX_LINK;
    let scenario = props.unchanged_preset.as_deref().unwrap_or(hash);
    let c = **choices;
    let embed = Embed {
        dir: &dir,
        scenario,
        title: &props.title,
        t: moment,
        choices: c,
    };
    let link = if too_long {
        html! {
            <>
                <p class="too-long" role="alert">{ format!(
                    "This scenario is too large for a link ({} characters; links over {} are cut by mail and chat programs). Share the scenario file instead.",
                    url.len(), share::MAX_LINK) }</p>
                <button onclick={props.on_export.reform(|_| Export::Scenario)}>{ "Download the scenario file" }</button>
            </>
        }
    } else {
        html! {
            <>
                <label for={props.link_id.clone()}>{ "Link to the scenario, the time, the selected host, the speed and what was changed by hand" }</label>
                <div class="row">
                    <input id={props.link_id.clone()} type="text" readonly=true value={url} />
                    <button onclick={copy(&props.on_copy, &props.link_id)}>{ "Copy link" }</button>
                </div>
            </>
        }
    };
    html! {
        <>
            { link }
            <section class="share-embed" aria-label="Embed it in a page">
                <h3>{ "Embed it in a page" }</h3>
                <div class="share-layout">
                    { options(choices, moment) }
                    if too_long {
                        <p class="share-preview-box hint">{ "No preview: the scenario is too large for an address. Download the scenario file and share it, or embed a preset." }</p>
                    } else {
                        { preview(&embed) }
                    }
                </div>
                <label for={props.embed_id.clone()}>{ "Iframe (works in any page that allows iframes)" }</label>
                <div class="row">
                    <textarea id={props.embed_id.clone()} readonly=true rows="4" value={embed.iframe()} />
                    <button onclick={copy(&props.on_copy, &props.embed_id)}>{ "Copy iframe" }</button>
                </div>
                <label for={props.element_id.clone()}>{ "The <mx-lab> element (one script per page, then one element per simulator)" }</label>
                <div class="row">
                    <textarea id={props.element_id.clone()} readonly=true rows="3" value={embed.element()} />
                    <button onclick={copy(&props.on_copy, &props.element_id)}>{ "Copy element" }</button>
                </div>
            </section>
        </>
    }
}

/// A menu of `items` as (value, label), `chosen` selected; `set` makes the
/// new choices from the value picked.
fn menu(
    label: &'static str,
    class: &'static str,
    items: Vec<(String, String)>,
    chosen: &str,
    choices: &UseStateHandle<Choices>,
    set: fn(Choices, &str) -> Choices,
) -> Html {
    let handle = choices.clone();
    let onchange = Callback::from(move |e: Event| handle.set(set(*handle, &target_value(&e))));
    html! {
        <label class={classes!("choice", class)}>
            <span>{ label }</span>
            <select {onchange}>
                { for items.into_iter().map(|(value, text)| {
                    let selected = value == chosen;
                    html! { <option {selected} {value}>{ text }</option> }
                }) }
            </select>
        </label>
    }
}

/// A checkbox; `set` makes the new choices from whether it is ticked.
fn check(
    label: String,
    class: &'static str,
    on: bool,
    choices: &UseStateHandle<Choices>,
    set: fn(Choices, bool) -> Choices,
) -> Html {
    let handle = choices.clone();
    let onchange = Callback::from(move |e: Event| handle.set(set(*handle, target_checked(&e))));
    html! {
        <label class={classes!("choice", "check", class)}>
            <input type="checkbox" checked={on} {onchange} />
            <span>{ label }</span>
        </label>
    }
}

/// The grid of options.
fn options(choices: &UseStateHandle<Choices>, moment: SimTime) -> Html {
    let c = **choices;
    let views = View::ALL
        .iter()
        .map(|v| (v.name().to_string(), v.label().to_string()))
        .collect();
    let speeds = Speed::ALL.iter().map(|s| (s.value(), s.label())).collect();
    let themes = Theme::ALL
        .iter()
        .map(|t| (t.value().to_string(), t.label().to_string()))
        .collect();
    let sizes = Size::ALL
        .iter()
        .map(|s| (s.value().to_string(), s.label().to_string()))
        .collect();
    html! {
        <fieldset class="share-options">
            <legend>{ "Options" }</legend>
            { menu("Show", "view", views, c.view.name(), choices,
                |c, v| Choices { view: View::parse(v).unwrap_or(c.view), ..c }) }
            { menu("Speed", "speed", speeds, &c.speed.value(), choices,
                |c, v| Choices { speed: Speed::parse(v).unwrap_or(c.speed), ..c }) }
            { menu("Theme", "theme", themes, c.theme.value(), choices,
                |c, v| Choices { theme: Theme::parse(v).unwrap_or(c.theme), ..c }) }
            { menu("Size", "size", sizes, c.size.value(), choices,
                |c, v| Choices { size: Size::parse(v).unwrap_or(c.size), ..c }) }
            { check("Play once loaded".into(), "autoplay", c.autoplay, choices,
                |c, on| Choices { autoplay: on, ..c }) }
            { check("Start again at the end".into(), "loop", c.looping, choices,
                |c, on| Choices { looping: on, ..c }) }
            { check(format!("Start at the moment on screen ({moment})"), "start", c.start, choices,
                |c, on| Choices { start: on, ..c }) }
        </fieldset>
    }
}

/// The embed as chosen, drawn at its real size and scaled down.
fn preview(embed: &Embed<'_>) -> Html {
    let (w, h) = embed.choices.size.pixels();
    let scale = PREVIEW_WIDTH / f64::from(w);
    let box_style = format!(
        "width:{PREVIEW_WIDTH}px;height:{:.0}px",
        f64::from(h) * scale
    );
    let frame_style = format!("width:{w}px;height:{h}px;transform:scale({scale:.4})");
    html! {
        <figure class="share-preview-box">
            <div class="share-preview-frame" style={box_style}>
                <iframe class="share-preview" src={embed.url()} title="Preview of the embed"
                    style={frame_style} />
            </div>
            <figcaption>{ format!("Preview, at {:.0}%", scale * 100.0) }</figcaption>
        </figure>
    }
}
