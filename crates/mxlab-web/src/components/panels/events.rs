//! The Events panel: the trace's events around the clock's moment (time,
//! from → to, what, its explanation and RFC section), filtered by class
//! (SMTP, DNS, queue, fault, DSN). It follows the clock, and a click on a
//! row moves the clock to that event.

use mxlab_sim::inspect::{event_rows, EventClass, EventRow};
use mxlab_sim::SimTime;
use yew::prelude::*;

use super::ConsoleLines;
use crate::components::RunRef;
use crate::lab::Run;
use crate::state::Action;

/// Rows shown before the current event (itself included) and after it.
const BEFORE: usize = 8;
const AFTER: usize = 16;
/// Events read each way looking for rows of the classes shown.
const SCAN: usize = 20_000;

/// Properties of [`Events`].
#[derive(Properties, PartialEq, Clone)]
pub struct EventsProps {
    /// The run.
    pub run: RunRef,
    /// The clock's moment.
    pub t: SimTime,
    /// The classes shown (`EventClass::bit`s).
    pub classes: u8,
    /// The console's session, if one was opened: its lines are listed at
    /// its moment (SMTP rows).
    #[prop_or_default]
    pub console: Option<ConsoleLines>,
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
    // The console's lines, where its moment falls among the rows shown.
    let console = props
        .console
        .as_ref()
        .filter(|_| classes & EventClass::Smtp.bit() != 0)
        .and_then(|c| console_place(&rows, c.at).map(|place| (c, place)));
    let console_rows = |c: &ConsoleLines| {
        let host = c.host.clone();
        let at = c.at;
        let open = d.reform(|_| Action::ConsoleTranscript);
        html! {
            { for c.lines.lines().map(move |(who, text)| {
                let hosts = match who {
                    'C' => format!("YOU → {host}"),
                    'S' => format!("{host} → YOU"),
                    _ => "console".to_string(),
                };
                let why = ConsoleLines::explained(*who, text)
                    .unwrap_or_else(|| "typed by hand in the Console panel".into());
                let what = if matches!(who, 'C' | 'S') { format!("{who}: {text}") } else { text.clone() };
                html! {
                    <tr class="class-smtp console" onclick={open.clone()}>
                        <td class="time">{ at.to_string() }</td>
                        <td class="hosts">{ hosts }</td>
                        <td class="what">{ what }</td>
                        <td class="why">{ why }</td>
                    </tr>
                }
            }) }
        }
    };
    let row = |k: usize, r: &EventRow| {
        let current = Some(k) == current;
        // Every event of the clock's instant is now.
        let now = r.index < at && r.at == props.t;
        let position = r.index + 1;
        let onclick = d.reform(move |_| Action::Seek(position));
        let to =
            r.to.as_deref()
                .map(|t| format!(" → {t}"))
                .unwrap_or_default();
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
    };
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
            if rows.is_empty() && console.is_none() {
                <p class="hint">{ "No event of the classes shown." }</p>
            } else {
                <table class="event-list">
                    <thead><tr><th>{ "time" }</th><th>{ "from → to" }</th><th>{ "what" }</th><th>{ "why" }</th></tr></thead>
                    <tbody>
                        { for rows.iter().enumerate().map(|(k, r)| html! {
                            <>
                                if let Some((c, _)) = console.filter(|(_, place)| *place == k) {
                                    { console_rows(c) }
                                }
                                { row(k, r) }
                            </>
                        }) }
                        if let Some((c, _)) = console.filter(|(_, place)| *place == rows.len()) {
                            { console_rows(c) }
                        }
                    </tbody>
                </table>
            }
        </div>
    }
}

/// Where the console's lines, typed at `at`, go among `rows`: before the
/// first row after `at`; `None` when `at` is outside the rows' span (the
/// list shows other moments).
fn console_place(rows: &[EventRow], at: SimTime) -> Option<usize> {
    let place = rows.partition_point(|r| r.at <= at);
    let full = rows.len() >= BEFORE + AFTER;
    let starts = rows.first().is_none_or(|r| r.index == 0);
    match place {
        0 if !rows.is_empty() && !starts => None,
        p if p == rows.len() && full => None,
        p => Some(p),
    }
}
