//! The page's header (the title, the preset picker, share, theme and
//! presenter mode) and the banner that shows a problem.

use mxlab_sim::presets::PRESETS;
use yew::prelude::*;

use crate::form::{release_focus, target_value};
use crate::state::Action;

/// Properties of [`Header`].
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// The preset picked (`custom` for the author's own scenario).
    pub preset: AttrValue,
    /// The preset picker's element id.
    pub picker_id: AttrValue,
    /// Dark theme.
    pub dark: bool,
    /// Presenter mode.
    pub presenter: bool,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The header.
#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let d = &props.dispatch;
    let on_preset = d.reform(|e: Event| {
        release_focus(&e);
        Action::Preset(target_value(&e))
    });
    html! {
        <header class="mxlab-header">
            <h1>{ "MX Lab" }</h1>
            <label class="preset">
                <span>{ "Scenario" }</span>
                <select id={props.picker_id.clone()} onchange={on_preset} aria-label="Preset scenario">
                    { for PRESETS.iter().map(|(name, _)| {
                        let title = mxlab_sim::presets::title(name).unwrap_or(name);
                        html! { <option value={*name} selected={props.preset == *name}>{ title }</option> }
                    }) }
                    if props.preset == "custom" {
                        <option value="custom" selected=true disabled=true>{ "custom scenario" }</option>
                    }
                </select>
            </label>
            <span class="tagline">{ "See how mail really moves: SMTP, DNS, queues, retries and bounces" }</span>
            <div class="toggles">
                <button class="share" onclick={d.reform(|_| Action::ShareOpen(true))}>{ "Share" }</button>
                <button aria-pressed={props.dark.to_string()} onclick={d.reform(|_| Action::ToggleTheme)}>
                    { if props.dark { "Light theme" } else { "Dark theme" } }
                </button>
                <button aria-pressed={props.presenter.to_string()} onclick={d.reform(|_| Action::TogglePresenter)}>
                    { "Presenter mode" }
                </button>
            </div>
        </header>
    }
}

/// Properties of [`Banner`].
#[derive(Properties, PartialEq)]
pub struct BannerProps {
    /// The problem shown, if any.
    pub error: Option<AttrValue>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The banner: a problem, in text, until dismissed.
#[function_component(Banner)]
pub fn banner(props: &BannerProps) -> Html {
    match &props.error {
        Some(e) => html! {
            <div class="banner" role="alert">
                <span class="banner-text">{ e.clone() }</span>
                <button class="dismiss" aria-label="Dismiss the message" onclick={props.dispatch.reform(|_| Action::DismissError)}>{ "×" }</button>
            </div>
        },
        None => html! {},
    }
}
