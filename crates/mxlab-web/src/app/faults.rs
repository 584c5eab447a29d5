//! Live changes made by hand: a fault injected, a host brought back up, a
//! link healed, each at the clock's moment. The run forks there
//! ([`Computation::fork`]: from its last checkpoint at or before the
//! moment, not from zero), and the previous branch is kept to go back to.
//! The fault menu of the selected host or link is drawn here.

use mxlab_sim::scenario::{DownMode, Fault, Stage};
use mxlab_sim::SimTime;
use yew::prelude::*;

use super::{role_name, App, Msg, Selection};
use crate::compute::Computation;
use crate::form::target_value;
use crate::lab::{Injected, Injection};

impl App {
    /// Forks the run where `new` is done (its earliest moment); the clock
    /// shows `at` once the branch is computed.
    pub(super) fn fork(&mut self, ctx: &Context<Self>, new: Vec<Injection>, at: SimTime) {
        let Some(run) = self.run.clone() else { return };
        self.branches.push(run.clone());
        self.compute(ctx, Computation::fork(&run, new), at);
    }

    /// Injects `fault` now, for good.
    pub(super) fn inject(&mut self, ctx: &Context<Self>, fault: Fault) {
        let now = self.clock.t;
        self.fork(ctx, vec![Injection::fault(now, fault)], now);
    }

    /// Brings `host` back up now: every fault striking it ends. A host
    /// that is not down is left alone, with an error.
    pub(super) fn bring_up(&mut self, ctx: &Context<Self>, host: &str) {
        let now = self.clock.t;
        let down = self
            .view
            .hosts_down
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host));
        if !down {
            self.error = Some(format!("{host} is not down at {now}"));
            return;
        }
        let what = Injected::BringUp {
            host: host.to_string(),
        };
        self.fork(ctx, vec![Injection { at: now, what }], now);
    }

    /// Heals the link between `a` and `b` now: its partition, latency or
    /// loss ends. A link without a fault is left alone, with an error.
    pub(super) fn heal(&mut self, ctx: &Context<Self>, a: &str, b: &str) {
        let now = self.clock.t;
        if !self.link_faulty(a, b) {
            self.error = Some(format!("the link {a} – {b} has no fault at {now}"));
            return;
        }
        let what = Injected::Heal {
            a: a.to_string(),
            b: b.to_string(),
        };
        self.fork(ctx, vec![Injection { at: now, what }], now);
    }

    /// Whether a partition, latency or loss fault strikes the link between
    /// `a` and `b` at the clock's moment.
    fn link_faulty(&self, a: &str, b: &str) -> bool {
        let is = |x: &str, y: &str| {
            (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
                || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
        };
        self.view.faults.iter().any(|f| match f {
            Fault::LinkPartition { a: x, b: y }
            | Fault::LinkLatency { a: x, b: y, .. }
            | Fault::LinkLoss { a: x, b: y, .. } => is(x, y),
            _ => false,
        })
    }

    /// The lesson, the fault menu of the selected host or link, and the
    /// way back to the previous branch.
    pub(super) fn view_side(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let lesson = self.scenario.lesson.clone();
        let menu = match &self.selection {
            Some(Selection::Host(h)) => {
                let node = self.scenario.nodes.iter().find(|n| n.name == *h);
                let role = node.map(|n| role_name(n.role)).unwrap_or("host");
                let down = self
                    .view
                    .hosts_down
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(h));
                let mailbox = node
                    .and_then(|n| n.policy.mailboxes.first())
                    .map(|m| m.address.clone());
                let (h1, h2, h3, h4, h5, h6) = (
                    h.clone(),
                    h.clone(),
                    h.clone(),
                    h.clone(),
                    h.clone(),
                    h.clone(),
                );
                let (code, stage) = (self.force_code, self.force_stage);
                let on_code = link
                    .callback(|e: Event| Msg::ForceCode(target_value(&e).parse().unwrap_or(550)));
                let on_stage = link.callback(|e: Event| {
                    let v = target_value(&e);
                    Msg::ForceStage(
                        Stage::ALL
                            .into_iter()
                            .find(|s| s.name() == v)
                            .unwrap_or(Stage::Rcpt),
                    )
                });
                html! {
                    <section class="fault-menu" aria-label={format!("Faults for {h}")}>
                        <h2>{ h.clone() }</h2>
                        <p class="role">{ format!("{role} · {}", if down { "down" } else { "up" }) }</p>
                        <p class="hint">{ format!("Inject at {} — the future is computed again from this moment.", self.clock.t) }</p>
                        <div class="actions">
                            if down {
                                <button id={self.opts.id("fault-menu-first")} onclick={link.callback(move |_| Msg::BringUp(h1.clone()))}>{ "Bring up" }</button>
                            } else {
                                <button id={self.opts.id("fault-menu-first")} onclick={link.callback(move |_| Msg::Inject(Fault::HostDown { host: h1.clone(), mode: DownMode::Refused }))}>{ "Take down" }</button>
                            }
                            <button onclick={link.callback(move |_| Msg::Inject(Fault::Greylisting { host: h2.clone() }))}>{ "Greylist" }</button>
                            if let Some(mb) = mailbox {
                                <button onclick={link.callback(move |_| Msg::Inject(Fault::MailboxFull { host: h3.clone(), mailbox: mb.clone() }))}>{ "Mailbox full" }</button>
                            }
                            <button onclick={link.callback(move |_| Msg::Inject(Fault::DiskFull { host: h4.clone() }))}>{ "Disk full" }</button>
                            <button onclick={link.callback(move |_| Msg::Inject(Fault::TlsFailure { host: h6.clone() }))}>{ "TLS fails" }</button>
                        </div>
                        <div class="force">
                            <label>{ "Answer " }
                                <select aria-label="Reply code" onchange={on_code}>
                                    { for [421u16, 450, 451, 452, 550, 552, 554].iter().map(|c| html! {
                                        <option value={c.to_string()} selected={*c == code}>{ c.to_string() }</option>
                                    }) }
                                </select>
                            </label>
                            <label>{ " at " }
                                <select aria-label="Stage" onchange={on_stage}>
                                    { for Stage::ALL.iter().map(|s| {
                                        let v = s.name().to_string();
                                        html! { <option value={v.clone()} selected={*s == stage}>{ v }</option> }
                                    }) }
                                </select>
                            </label>
                            <button onclick={link.callback(move |_| Msg::Inject(Fault::ForcedReply { host: h5.clone(), stage, code, probability: 1.0 }))}>{ "Force reply" }</button>
                        </div>
                        <button class="close" onclick={link.callback(|_| Msg::Select(None))}>{ "Close" }</button>
                    </section>
                }
            }
            Some(Selection::Link(a, b)) => {
                let (a1, b1, a2, b2) = (a.clone(), b.clone(), a.clone(), b.clone());
                let (a3, b3) = (a.clone(), b.clone());
                let faulty = self.link_faulty(a, b);
                html! {
                    <section class="fault-menu" aria-label={format!("Faults for the link {a} – {b}")}>
                        <h2>{ format!("{a} – {b}") }</h2>
                        <p class="hint">{ format!("Inject at {} — the future is computed again from this moment.", self.clock.t) }</p>
                        <div class="actions">
                            <button id={self.opts.id("fault-menu-first")} onclick={link.callback(move |_| Msg::Inject(Fault::LinkPartition { a: a1.clone(), b: b1.clone() }))}>{ "Partition" }</button>
                            <button onclick={link.callback(move |_| Msg::Inject(Fault::LinkLatency { a: a2.clone(), b: b2.clone(), latency_ms: 2000 }))}>{ "Latency 2 s" }</button>
                            if faulty {
                                <button onclick={link.callback(move |_| Msg::Heal(a3.clone(), b3.clone()))}>{ "Heal" }</button>
                            }
                        </div>
                        <button class="close" onclick={link.callback(|_| Msg::Select(None))}>{ "Close" }</button>
                    </section>
                }
            }
            None => html! {
                <p class="hint">{ "Click a host or a link to inject a fault (or press f)." }</p>
            },
        };
        html! {
            <aside class="side" aria-label="Lesson and faults">
                <section class="lesson" aria-label="Lesson">
                    <h2>{ self.scenario.name.clone() }</h2>
                    <p>{ lesson }</p>
                </section>
                { menu }
                if !self.branches.is_empty() {
                    <button class="restore" onclick={link.callback(|_| Msg::RestoreBranch)}>{ "Restore the previous branch" }</button>
                }
            </aside>
        }
    }
}
