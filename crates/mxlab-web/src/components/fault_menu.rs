//! The side panel: the lesson, the fault menu of the selected host or
//! link (each change made at the clock's moment: the future is computed
//! again from there), and the way back to the previous branch.

use mxlab_sim::scenario::{DownMode, Fault, FaultStage};
use mxlab_sim::{Scenario, SimTime};
use yew::prelude::*;

use super::{role_name, ByPtr};
use crate::form::target_value;
use crate::state::{Action, Selection};

/// Properties of [`SidePanel`].
#[derive(Properties, PartialEq)]
pub struct SidePanelProps {
    /// The scenario (its lesson and hosts).
    pub scenario: ByPtr<Scenario>,
    /// The host or link selected.
    pub selection: Option<Selection>,
    /// Whether the selected host is down at the clock's moment.
    pub down: bool,
    /// Whether the selected link has a fault at the clock's moment.
    pub faulty: bool,
    /// The clock's moment.
    pub t: SimTime,
    /// The forced reply's code.
    pub force_code: u16,
    /// The forced reply's stage.
    pub force_stage: FaultStage,
    /// Whether there is a previous branch to go back to.
    pub can_restore: bool,
    /// The element id of the menu's first action (the `f` key focuses it).
    pub first_id: AttrValue,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// Shown first (a clicked packet's details).
    #[prop_or_default]
    pub children: Html,
}

/// The lesson, the fault menu and the way back.
#[function_component(SidePanel)]
pub fn side_panel(props: &SidePanelProps) -> Html {
    let d = &props.dispatch;
    let menu = match &props.selection {
        Some(Selection::Host(h)) => host_menu(props, h),
        Some(Selection::Link(a, b)) => link_menu(props, a, b),
        None => html! {
            <p class="hint">{ "Click a host or a link to inject a fault (or press f)." }</p>
        },
    };
    html! {
        <aside class="side" aria-label="Lesson and faults">
            { props.children.clone() }
            <section class="lesson" aria-label="Lesson">
                <h2>{ props.scenario.name.clone() }</h2>
                <p>{ props.scenario.lesson.clone() }</p>
            </section>
            { menu }
            if props.can_restore {
                <button class="restore" onclick={d.reform(|_| Action::RestoreBranch)}>{ "Restore the previous branch" }</button>
            }
        </aside>
    }
}

/// A button that dispatches `action` when pressed.
fn act(d: &Callback<Action>, action: impl Fn() -> Action + 'static) -> Callback<MouseEvent> {
    d.reform(move |_| action())
}

/// The fault menu of host `h`.
fn host_menu(props: &SidePanelProps, h: &str) -> Html {
    let d = &props.dispatch;
    let node = props.scenario.nodes.iter().find(|n| n.name == h);
    let role = node.map(|n| role_name(n.role)).unwrap_or("host");
    let down = props.down;
    let mailbox = node
        .and_then(|n| n.policy.mailboxes.first())
        .map(|m| m.address.clone());
    let host = h.to_string();
    let (code, stage) = (props.force_code, props.force_stage);
    let on_code = d.reform(|e: Event| Action::ForceCode(target_value(&e).parse().unwrap_or(550)));
    let on_stage = d.reform(|e: Event| {
        let v = target_value(&e);
        Action::ForceStage(
            FaultStage::ALL
                .into_iter()
                .find(|s| s.name() == v)
                .unwrap_or(FaultStage::Rcpt),
        )
    });
    let first = if down {
        let host = host.clone();
        html! { <button id={props.first_id.clone()} onclick={act(d, move || Action::BringUp(host.clone()))}>{ "Bring up" }</button> }
    } else {
        let host = host.clone();
        html! { <button id={props.first_id.clone()} onclick={act(d, move || Action::Inject(Fault::HostDown { host: host.clone(), mode: DownMode::Refused }))}>{ "Take down" }</button> }
    };
    let (h2, h3, h4, h5, h6) = (
        host.clone(),
        host.clone(),
        host.clone(),
        host.clone(),
        host.clone(),
    );
    html! {
        <section class="fault-menu" aria-label={format!("Faults for {h}")}>
            <h2>{ h.to_string() }</h2>
            <p class="role">{ format!("{role} · {}", if down { "down" } else { "up" }) }</p>
            <p class="hint">{ format!("Inject at {} — the future is computed again from this moment.", props.t) }</p>
            <div class="actions">
                { first }
                <button onclick={act(d, move || Action::Inject(Fault::Greylisting { host: h2.clone() }))}>{ "Greylist" }</button>
                if let Some(mb) = mailbox {
                    <button onclick={act(d, move || Action::Inject(Fault::MailboxFull { host: h3.clone(), mailbox: mb.clone() }))}>{ "Mailbox full" }</button>
                }
                <button onclick={act(d, move || Action::Inject(Fault::DiskFull { host: h4.clone() }))}>{ "Disk full" }</button>
                <button onclick={act(d, move || Action::Inject(Fault::TlsFailure { host: h6.clone() }))}>{ "TLS fails" }</button>
            </div>
            <div class="force">
                <label>{ "Answer " }
                    <select aria-label="Reply code" onchange={on_code}>
                        { for mxlab_sim::scenario::FORCEABLE_CODES.iter().map(|c| html! {
                            <option value={c.to_string()} selected={*c == code}>{ c.to_string() }</option>
                        }) }
                    </select>
                </label>
                <label>{ " at " }
                    <select aria-label="Stage" onchange={on_stage}>
                        { for FaultStage::ALL.iter().map(|s| {
                            let v = s.name().to_string();
                            html! { <option value={v.clone()} selected={*s == stage}>{ v }</option> }
                        }) }
                    </select>
                </label>
                <button onclick={act(d, move || Action::Inject(Fault::ForcedReply { host: h5.clone(), stage, code, probability: 1.0 }))}>{ "Force reply" }</button>
            </div>
            <button class="close" onclick={d.reform(|_| Action::Select(None))}>{ "Close" }</button>
        </section>
    }
}

/// The fault menu of the link between `a` and `b`.
fn link_menu(props: &SidePanelProps, a: &str, b: &str) -> Html {
    let d = &props.dispatch;
    let (a1, b1, a2, b2) = (a.to_string(), b.to_string(), a.to_string(), b.to_string());
    let (a3, b3) = (a.to_string(), b.to_string());
    html! {
        <section class="fault-menu" aria-label={format!("Faults for the link {a} – {b}")}>
            <h2>{ format!("{a} – {b}") }</h2>
            <p class="hint">{ format!("Inject at {} — the future is computed again from this moment.", props.t) }</p>
            <div class="actions">
                <button id={props.first_id.clone()} onclick={act(d, move || Action::Inject(Fault::LinkPartition { a: a1.clone(), b: b1.clone() }))}>{ "Partition" }</button>
                <button onclick={act(d, move || Action::Inject(Fault::LinkLatency { a: a2.clone(), b: b2.clone(), latency_ms: 2000 }))}>{ "Latency 2 s" }</button>
                if props.faulty {
                    <button onclick={act(d, move || Action::Heal(a3.clone(), b3.clone()))}>{ "Heal" }</button>
                }
            </div>
            <button class="close" onclick={d.reform(|_| Action::Select(None))}>{ "Close" }</button>
        </section>
    }
}
