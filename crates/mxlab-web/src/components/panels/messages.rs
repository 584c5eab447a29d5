//! The Messages panel: every mailbox at the clock's moment, and the
//! message inspector: the envelope against the headers, the Received
//! chain growing hop by hop, each host's SPF, DKIM and DMARC verdicts,
//! and a bounce's delivery status report.

use mxlab_sim::inspect::AuthStep;
use mxlab_sim::{SimTime, View};
use yew::prelude::*;

use crate::components::{ByPtr, RunRef};
use crate::lab::Run;
use crate::state::Action;

/// Properties of [`Messages`].
#[derive(Properties, PartialEq, Clone)]
pub struct MessagesProps {
    /// The run.
    pub run: RunRef,
    /// What is seen at the clock's moment.
    pub view: ByPtr<View>,
    /// The clock's moment.
    pub t: SimTime,
    /// The message inspected.
    pub message: Option<AttrValue>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The mailboxes and the inspector.
#[function_component(Messages)]
pub fn messages(props: &MessagesProps) -> Html {
    let (run, t) = (&props.run, props.t);
    let mailboxes = props.view.mailboxes.iter().map(|(mb, ids)| {
        html! {
            <li class="mailbox" data-mailbox={mb.to_string()}>
                <strong>{ mb.to_string() }</strong>
                <ul>
                    { for ids.iter().map(|id| {
                        let id2 = id.to_string();
                        let dsn = run.dsns.contains(id.as_str());
                        html! {
                            <li class={classes!(dsn.then_some("dsn"))}>
                                <button onclick={props.dispatch.reform(move |_| Action::Message(id2.clone()))}>
                                    { if dsn { format!("{id} (delivery status notification)") } else { id.to_string() } }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            </li>
        }
    });
    html! {
        <div class="messages">
            <ul class="mailboxes" aria-label="Mailboxes">
                if props.view.mailboxes.is_empty() {
                    <li class="hint">{ format!("No mailbox holds a message at {t}.") }</li>
                }
                { for mailboxes }
            </ul>
            { for props.message.as_ref().map(|id| inspector(run, id, t)) }
        </div>
    }
}

/// The inspector of message `id` at `t`.
fn inspector(run: &Run, id: &str, t: SimTime) -> Html {
    let spec = run.scenario.messages.iter().find(|m| m.id == id);
    let hops = run.hops(id, t);
    html! {
        <section class="inspector" aria-label={format!("Message {id}")}>
            <h3>{ format!("Message {id}") }</h3>
            if let Some(m) = spec {
                <div class="envelope">
                    <h4>{ "Envelope (what the servers deliver by)" }</h4>
                    <p>{ format!("MAIL FROM:<{}>", m.mail_from) }</p>
                    { for m.rcpt_to.iter().map(|r| html! { <p>{ format!("RCPT TO:<{r}>") }</p> }) }
                </div>
            } else if let Some(r) = run.dsn_report(id) {
                <div class="envelope">
                    <h4>{ "Envelope" }</h4>
                    <p>{ "MAIL FROM:<> (the null reverse-path: a bounce is never bounced, RFC 5321 §4.5.5)" }</p>
                    <p>{ format!("RCPT TO:<{}>", r.to) }</p>
                </div>
                <div class="dsn-report">
                    <h4>{ format!("Delivery status notification about {} (RFC 3464), sent by {} at {}", r.original, r.reporting, r.at) }</h4>
                    <pre>{ r.fields() }</pre>
                </div>
            }
            { for run.auth_steps(id, t).iter().map(auth_step) }
            <h4>{ "Headers, hop by hop (the Received chain grows at each relay)" }</h4>
            if hops.is_empty() {
                <p class="hint">{ "Not on the wire yet at this time." }</p>
            }
            <ol class="hops">
                { for hops.iter().map(|h| html! {
                    <li class="hop">
                        <p class="hop-title">{ format!("{} → {} at {}", h.from, h.to, h.at) }</p>
                        <pre>{ h.headers.join("\n") }</pre>
                    </li>
                }) }
            </ol>
        </section>
    }
}

/// One host's SPF, DKIM and DMARC verdicts on the message, and the header
/// fields it wrote.
fn auth_step(s: &AuthStep) -> Html {
    let fate = if s.refused() {
        "refused: these fields were never written"
    } else {
        "written on top of the message"
    };
    html! {
        <div class="auth-step">
            <h4>{ format!("Authentication at {} (received from {}) at {}", s.host, s.client, s.at) }</h4>
            <ul class="auth-verdicts">
                { for s.verdicts.iter().map(|v| {
                    let mut what = format!("{} {} for {}", v.check.label(), v.result, v.domain);
                    if !v.action.is_empty() && v.action != "none" {
                        what.push_str(&format!(" → {}", v.action));
                    }
                    html! {
                        <li class={classes!("auth-verdict", format!("auth-{}", v.result))} title={v.rfc.clone()}>
                            <strong>{ what }</strong>{ ": " }{ &v.explanation }
                            <span class="rfc">{ format!(" ({})", v.rfc) }</span>
                        </li>
                    }
                }) }
            </ul>
            if !s.headers.is_empty() {
                <p class="hint">{ format!("Header fields {fate}:") }</p>
                <pre class="auth-headers">{ s.headers.trim_end() }</pre>
            }
        </div>
    }
}
