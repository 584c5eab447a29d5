//! Sharing: what a share link of the moment on screen holds (the
//! scenario, the moment, the selected host, the speed and everything done
//! by hand), opening one, and the share dialog with the embed code.

use std::rc::Rc;

use mxlab_sim::SimTime;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{App, Export, Msg, Selection};
use crate::lab::Injected;
use crate::options::encode_component;
use crate::share::{self, Shared};

impl App {
    /// What a share link of this moment restores.
    pub(super) fn shared(&self) -> Shared {
        Shared {
            scenario: (*self.scenario).clone(),
            seed: None,
            t: self.clock.t,
            host: match &self.selection {
                Some(Selection::Host(h)) => Some(h.clone()),
                _ => None,
            },
            speed: Some(self.clock.speed),
            injections: self
                .run
                .as_ref()
                .map(|r| r.injections.clone())
                .unwrap_or_default(),
        }
    }

    /// Opens what a share link restores: its scenario, run from zero with
    /// what was done by hand, at its moment, host and speed.
    pub(super) fn open_shared(&mut self, ctx: &Context<Self>, shared: Shared) {
        self.load(ctx, Rc::new(shared.scenario.clone()));
        self.preset = "custom".into();
        if let Some(speed) = shared.speed {
            self.clock.speed = speed;
        }
        self.restore = Some((shared.t, shared.host.clone()));
        // Messages typed from now on get ids after the link's own.
        self.typed_messages = shared
            .injections
            .iter()
            .filter(|i| matches!(i.what, Injected::Message { .. }))
            .count();
        let scenario = self.scenario.clone();
        self.start_run(ctx, scenario, shared.injections, SimTime::ZERO);
    }

    /// The share dialog: the link, or the file when the link is too long,
    /// and the embed code.
    pub(super) fn view_share(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let location = gloo::utils::window().location();
        let href = location.href().unwrap_or_default();
        let base = href.split('#').next().unwrap_or_default().to_string();
        let page = base.split('?').next().unwrap_or_default().to_string();
        let dir = page
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        let Some(hash) = self.share_link.clone() else {
            return html! {
                <div class="share-dialog" role="dialog" aria-label="Share">
                    <p>{ "Preparing the link…" }</p>
                </div>
            };
        };
        let url = format!("{page}#{hash}");
        let too_long = url.len() > share::MAX_LINK;
        let unchanged =
            self.preset != "custom" && self.run.as_ref().is_none_or(|r| r.injections.is_empty());
        let scenario_param = if unchanged {
            self.preset.clone()
        } else {
            encode_component(&hash)
        };
        let title = self
            .scenario
            .name
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let snippet = format!(
            "<iframe src=\"{dir}embed.html?view=both&amp;autoplay=1&amp;scenario={scenario_param}\" \
             title=\"MX Lab: {title}\" width=\"800\" height=\"560\" style=\"border:0;max-width:100%\" loading=\"lazy\"></iframe>"
        );
        let copy = |id: String| {
            Callback::from(move |_: MouseEvent| {
                let el = gloo::utils::document().get_element_by_id(&id);
                let text = el
                    .as_ref()
                    .and_then(|e| e.dyn_ref::<HtmlInputElement>().map(HtmlInputElement::value))
                    .or_else(|| {
                        el.as_ref().and_then(|e| {
                            e.dyn_ref::<HtmlTextAreaElement>()
                                .map(HtmlTextAreaElement::value)
                        })
                    })
                    .unwrap_or_default();
                let _ = gloo::utils::window()
                    .navigator()
                    .clipboard()
                    .write_text(&text);
                if let Some(i) = el.as_ref().and_then(|e| e.dyn_ref::<HtmlInputElement>()) {
                    i.select();
                }
                if let Some(t) = el.as_ref().and_then(|e| e.dyn_ref::<HtmlTextAreaElement>()) {
                    t.select();
                }
            })
        };
        html! {
            <div class="share-dialog" role="dialog" aria-modal="false" aria-label="Share">
                <h2>{ "Share this moment" }</h2>
                if too_long {
                    <p class="too-long" role="alert">{ format!(
                        "This scenario is too large for a link ({} characters; links over {} are cut by mail and chat programs). Share the scenario file instead.",
                        url.len(), share::MAX_LINK) }</p>
                    <button onclick={link.callback(|_| Msg::Export(Export::Scenario))}>{ "Download the scenario file" }</button>
                } else {
                    <label for={self.opts.id("share-link")}>{ "Link to the scenario, the time, the selected host, the speed and what was changed by hand" }</label>
                    <div class="row">
                        <input id={self.opts.id("share-link")} type="text" readonly=true value={url} />
                        <button onclick={copy(self.opts.id("share-link"))}>{ "Copy link" }</button>
                    </div>
                }
                <label for={self.opts.id("embed-code")}>{ "Embed code (an iframe that plays this scenario)" }</label>
                <div class="row">
                    <textarea id={self.opts.id("embed-code")} readonly=true value={snippet} />
                    <button onclick={copy(self.opts.id("embed-code"))}>{ "Copy embed code" }</button>
                </div>
                <button class="close" onclick={link.callback(|_| Msg::ShareOpen(false))}>{ "Close" }</button>
            </div>
        }
    }
}
