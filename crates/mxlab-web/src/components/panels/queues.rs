//! The Queues panel: every host's queue at the clock's moment, one row per
//! recipient with its attempts, last error and next retry.

use mxlab_sim::{SimTime, View};
use yew::prelude::*;

use crate::components::ByPtr;

/// Properties of [`Queues`].
#[derive(Properties, PartialEq, Clone)]
pub struct QueuesProps {
    /// What is seen at the clock's moment.
    pub view: ByPtr<View>,
    /// The clock's moment.
    pub t: SimTime,
}

/// The queues.
#[function_component(Queues)]
pub fn queues(props: &QueuesProps) -> Html {
    let queued: Vec<_> = props
        .view
        .queues
        .iter()
        .filter(|(_, q)| !q.is_empty())
        .collect();
    if queued.is_empty() {
        return html! { <p class="hint">{ format!("Every queue is empty at {}.", props.t) }</p> };
    }
    html! {
        <div class="queues">
            { for queued.iter().map(|(host, q)| html! {
                <table class="queue" data-host={host.to_string()}>
                    <caption>{ format!("{host}: {} queued", q.len()) }</caption>
                    <thead><tr><th>{ "message" }</th><th>{ "recipient" }</th><th>{ "attempts" }</th><th>{ "last error" }</th><th>{ "next retry" }</th></tr></thead>
                    <tbody>
                        { for q.iter().map(|r| html! {
                            <tr>
                                <td>{ r.message.to_string() }</td>
                                <td>{ r.recipient.to_string() }</td>
                                <td class="attempts">{ r.attempts.to_string() }</td>
                                <td class="error">{ r.last_error.clone().unwrap_or_default() }</td>
                                <td class="next">{ r.next_attempt.map(|t| t.to_string()).unwrap_or_else(|| "now".into()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }) }
        </div>
    }
}
