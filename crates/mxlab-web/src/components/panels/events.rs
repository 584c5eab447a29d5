//! The Events panel: the trace's events around the clock's moment (time,
//! from → to, what, its explanation and RFC section), filtered by class
//! (SMTP, DNS, queue, fault, DSN). It follows the clock, and a click on a
//! row moves the clock to that event.

use mxlab_sim::inspect::{event_rows, EventClass};
use mxlab_sim::SimTime;
use yew::prelude::*;

use crate::components::RunRef;
use crate::lab::Run;
use crate::state::Action;

/// Rows shown before the current event (itself included) and after it.
const BEFORE: usize = 8;
const AFTER: usize = 16;
/// Events read each way looking for rows of the classes shown.
const SCAN: usize = 20_000;

/// Properties of [`Events`].
#[derive(Properties, PartialEq)]
pub struct EventsProps {
    /// The run.
    pub run: RunRef,
    /// The clock's moment.
    pub t: SimTime,
    /// The classes shown (`EventClass::bit`s).
    pub classes: u8,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The event list.
#[function_component(Events)]
pub fn events(props: &EventsProps) -> Html {
    let run: &Run = &props.run;
    let d = &props.dispatch;
    let at = run.position(props.t);
    let (rows, current) = event_rows(run.events(), at, props.classes, BEFORE, AFTER, SCAN);
    let classes = props.classes;
    html! {
        <div class="events">
            <fieldset class="filters">
                <legend>{ "Show" }</legend>
                { for EventClass::ALL.iter().map(|c| {
                    let c = *c;
                    let on = classes & c.bit() != 0;
                    let toggle = d.reform(move |_| Action::EventClasses(classes ^ c.bit()));
                    html! {
                        <label class={classes!("filter", format!("class-{}", c.label().to_ascii_lowercase()))}>
                            <input type="checkbox" checked={on} onchange={toggle} />{ c.label() }
                        </label>
                    }
                }) }
            </fieldset>
            if rows.is_empty() {
                <p class="hint">{ "No event of the classes shown." }</p>
            } else {
                <table class="event-list">
                    <thead><tr><th>{ "time" }</th><th>{ "from → to" }</th><th>{ "what" }</th><th>{ "why" }</th></tr></thead>
                    <tbody>
                        { for rows.iter().enumerate().map(|(k, r)| {
                            let current = Some(k) == current;
                            // Every event of the clock's instant is now.
                            let now = r.index < at && r.at == props.t;
                            let position = r.index + 1;
                            let onclick = d.reform(move |_| Action::Seek(position));
                            let to = r.to.as_deref().map(|t| format!(" → {t}")).unwrap_or_default();
                            html! {
                                <tr class={classes!(
                                        format!("class-{}", r.class.label().to_ascii_lowercase()),
                                        now.then_some("now"),
                                        (r.index >= at).then_some("later"))}
                                    aria-current={current.then_some("step")} data-index={r.index.to_string()} onclick={onclick}>
                                    <td class="time">{ r.at.to_string() }</td>
                                    <td class="hosts">{ format!("{}{to}", r.from) }</td>
                                    <td class="what">{ r.what.clone() }</td>
                                    <td class="why">{ format!("{} ({})", r.explanation, r.rfc) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}
