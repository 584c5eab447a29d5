//! The transport: restart, previous and next event, play and pause, the
//! speed, the clock, and the timeline with its markers, scrubbed.

use mxlab_sim::SimTime;
use yew::prelude::*;

use super::{Markers, RunRef};
use crate::clock::PACES;
use crate::form::{release_focus, target_value};
use crate::lab::{Clock, MarkerKind, SPEEDS};
use crate::state::Action;

/// Properties of [`Transport`].
#[derive(Properties, PartialEq)]
pub struct TransportProps {
    /// The run, once computed.
    pub run: Option<RunRef>,
    /// The clock.
    pub clock: Clock,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The transport bar.
#[function_component(Transport)]
pub fn transport(props: &TransportProps) -> Html {
    let d = &props.dispatch;
    let clock = props.clock;
    let t: SimTime = clock.t;
    let (n, position) = match &props.run {
        Some(r) => (r.events().len(), r.position(t)),
        None => (0, 0),
    };
    let on_seek = d.reform(|e: InputEvent| Action::Seek(target_value(&e).parse().unwrap_or(0)));
    let on_speed = d.reform(|e: Event| {
        let value = target_value(&e);
        release_focus(&e);
        match value.strip_prefix("lesson:") {
            Some(pace) => Action::Pace(pace.parse().unwrap_or(crate::clock::DEFAULT_PACE)),
            None => Action::Speed(value.parse().unwrap_or(1.0)),
        }
    });
    let chosen = clock.menu_value();
    // A pace or speed asked for by an option and not in the menu is
    // offered too, so the menu says what the clock does.
    let offered = PACES.iter().any(|(p, _)| format!("lesson:{p}") == chosen)
        || SPEEDS.iter().any(|s| s.to_string() == chosen);
    let other = (!offered).then(|| match clock.pace {
        Some(p) => format!("Lesson pace ({p} s a step)"),
        None => format!("{}×", clock.speed),
    });
    html! {
        <section class="transport" aria-label="Transport">
            <div class="buttons">
                <button aria-label="Restart (Home)" onclick={d.reform(|_| Action::Restart)}>{ "|◀◀" }</button>
                <button aria-label="Previous event (←)" onclick={d.reform(|_| Action::StepBack)}>{ "◀|" }</button>
                <button class="play" aria-label={if clock.playing { "Pause (space)" } else { "Play (space)" }}
                    onclick={d.reform(|_| Action::PlayPause)}>{ if clock.playing { "❚❚" } else { "▶" } }</button>
                <button aria-label="Next event (→)" onclick={d.reform(|_| Action::StepForward)}>{ "▶|" }</button>
                <label class="speed">{ "Speed " }
                    <select aria-label="Speed" onchange={on_speed}>
                        { for PACES.iter().map(|(p, name)| {
                            let value = format!("lesson:{p}");
                            let selected = value == chosen;
                            html! {
                                <option selected={selected} value={value}>{ format!("{name} ({p} s a step)") }</option>
                            }
                        }) }
                        { for SPEEDS.iter().map(|s| html! {
                            <option value={s.to_string()} selected={s.to_string() == chosen}>{ format!("{s}×") }</option>
                        }) }
                        if let Some(label) = other {
                            <option value={chosen.clone()} selected=true>{ label }</option>
                        }
                    </select>
                </label>
                <span class="clock" aria-live="off" data-micros={t.as_micros().to_string()}>
                    { t.to_string() }
                </span>

            </div>
            <div class="timeline">
                if let Some(run) = &props.run {
                    <Markers run={run.clone()} />
                }
                <input type="range" aria-label="Timeline" min="0" max={n.to_string()} value={position.to_string()}
                    oninput={on_seek} aria-valuetext={format!("{} of {n} events, {}", position, t)} />
                <div class="legend">
                    { for [MarkerKind::Delivered, MarkerKind::Deferred, MarkerKind::Bounced, MarkerKind::Fault, MarkerKind::Fork].iter().map(|k| html! {
                        <span class={classes!("key", k.class())}>{ k.class() }</span>
                    }) }
                </div>
            </div>
        </section>
    }
}
