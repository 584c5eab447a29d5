//! The share dialog: the link of the moment on screen (or, when it is too
//! long for a link, the scenario file), and the embed code, each with a
//! button that copies it (the shell writes the clipboard).

use yew::prelude::*;

use super::Export;
use crate::options::encode_component;
use crate::share;
use crate::state::Action;

/// Properties of [`ShareDialog`].
#[derive(Properties, PartialEq)]
pub struct ShareDialogProps {
    /// The link's hash, once the browser has made it.
    pub hash: Option<AttrValue>,
    /// The preset open, if the scenario is one, unchanged by hand: the
    /// embed code names it rather than carrying the link.
    pub unchanged_preset: Option<AttrValue>,
    /// The scenario's name.
    pub title: AttrValue,
    /// The link field's element id.
    pub link_id: AttrValue,
    /// The embed code field's element id.
    pub embed_id: AttrValue,
    /// Downloads a file.
    pub on_export: Callback<Export>,
    /// Copies the text of the field with this id to the clipboard.
    pub on_copy: Callback<AttrValue>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// A button's callback that copies the field `id`.
fn copy(on_copy: &Callback<AttrValue>, id: &AttrValue) -> Callback<MouseEvent> {
    let id = id.clone();
    on_copy.reform(move |_| id.clone())
}

/// The share dialog.
#[function_component(ShareDialog)]
pub fn share_dialog(props: &ShareDialogProps) -> Html {
    let location = gloo::utils::window().location();
    let href = location.href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default().to_string();
    let page = base.split('?').next().unwrap_or_default().to_string();
    let dir = page
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    let Some(hash) = props.hash.clone() else {
        return html! {
            <div class="share-dialog" role="dialog" aria-label="Share">
                <p>{ "Preparing the link…" }</p>
            </div>
        };
    };
    let url = format!("{page}#{hash}");
    let too_long = url.len() > share::MAX_LINK;
    let scenario_param = match &props.unchanged_preset {
        Some(preset) => preset.to_string(),
        None => encode_component(&hash),
    };
    let title = props
        .title
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let snippet = format!(
        "<iframe src=\"{dir}embed.html?view=both&amp;autoplay=1&amp;scenario={scenario_param}\" \
         title=\"MX Lab: {title}\" width=\"800\" height=\"560\" style=\"border:0;max-width:100%\" loading=\"lazy\"></iframe>"
    );
    html! {
        <div class="share-dialog" role="dialog" aria-modal="false" aria-label="Share">
            <h2>{ "Share this moment" }</h2>
            if too_long {
                <p class="too-long" role="alert">{ format!(
                    "This scenario is too large for a link ({} characters; links over {} are cut by mail and chat programs). Share the scenario file instead.",
                    url.len(), share::MAX_LINK) }</p>
                <button onclick={props.on_export.reform(|_| Export::Scenario)}>{ "Download the scenario file" }</button>
            } else {
                <label for={props.link_id.clone()}>{ "Link to the scenario, the time, the selected host, the speed and what was changed by hand" }</label>
                <div class="row">
                    <input id={props.link_id.clone()} type="text" readonly=true value={url} />
                    <button onclick={copy(&props.on_copy, &props.link_id)}>{ "Copy link" }</button>
                </div>
            }
            <label for={props.embed_id.clone()}>{ "Embed code (an iframe that plays this scenario)" }</label>
            <div class="row">
                <textarea id={props.embed_id.clone()} readonly=true value={snippet} />
                <button onclick={copy(&props.on_copy, &props.embed_id)}>{ "Copy embed code" }</button>
            </div>
            <button class="close" onclick={props.dispatch.reform(|_| Action::ShareOpen(false))}>{ "Close" }</button>
        </div>
    }
}
