//! The statistics panel: what the run ended with, recipients queued over
//! time on one host or all (with the clock's moment and the faults'
//! windows), delivery latency as a distribution with its percentiles, and
//! attempts per hop and end to end; each plot's numbers download as CSV.
//!
//! Everything plotted is read from the trace by `mxlab_sim::inspect` once
//! per run ([`Stats`]); the plots' arithmetic is [`crate::plot`]'s; only
//! the queue plot's line at the clock's moment is drawn again each frame.

mod attempts;
mod chart;
mod latency;
mod queue;

use std::rc::Rc;

use mxlab_sim::inspect::csv::{attempts_csv, latency_csv, queue_csv};
use mxlab_sim::inspect::{fault_windows, Attempts, FaultWindow, QueueSeries};
use mxlab_sim::summary::{deliveries, Delivery};
use mxlab_sim::SimTime;
use yew::prelude::*;

use crate::components::{download, ByPtr, RunRef};
use crate::form::target_value;
use crate::lab::Run;
use crate::state::Action;
use attempts::AttemptsChart;
use latency::{said, LatencyChart};
use queue::QueueChart;

/// Properties of [`Statistics`].
#[derive(Properties, PartialEq, Clone)]
pub struct StatisticsProps {
    /// The run.
    pub run: RunRef,
    /// The clock's moment.
    pub t: SimTime,
    /// Presenter mode (larger type).
    pub presenter: bool,
    /// Where actions go (a download that fails is an error to show).
    pub dispatch: Callback<Action>,
}

/// What the panel plots, read from a run's trace once.
#[derive(Debug)]
pub struct Stats {
    /// Recipients queued over time.
    pub queues: QueueSeries,
    /// The faults' windows.
    pub faults: Vec<FaultWindow>,
    /// Each delivery of a scenario's message to a mailbox.
    pub deliveries: Vec<Delivery>,
    /// Their latencies in seconds, sorted (the summary's).
    pub latencies: Vec<f64>,
    /// p50, p90 and p99 of them, by the summary's rule (as `mxlab run`
    /// and `mxlab sweep` compute them); empty with no delivery.
    pub percentiles: Vec<(u8, f64)>,
    /// Attempts per hop and end to end.
    pub attempts: Attempts,
    /// Recipients bounced.
    pub bounced: usize,
    /// Recipients still queued at the end.
    pub queued: usize,
    /// The time of the run's last event.
    pub end: SimTime,
}

impl Stats {
    fn read(run: &Run) -> Stats {
        let trace = run.events();
        let s = &run.summary;
        Stats {
            queues: QueueSeries::read(trace),
            faults: fault_windows(trace),
            deliveries: deliveries(&run.scenario, trace),
            latencies: s.latencies_secs.clone(),
            percentiles: [50u8, 90, 99]
                .into_iter()
                .filter_map(|p| Some((p, s.latency_percentile(f64::from(p))?)))
                .collect(),
            attempts: Attempts::read(trace),
            bounced: s.bounced,
            queued: s.queued,
            end: run.end(),
        }
    }
}

/// A file name for the run's `what`: `retry-and-backoff-seed3-queues.csv`.
fn file_name(run: &Run, what: &str) -> String {
    let mut slug = String::new();
    for c in run.scenario.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "mxlab" } else { slug };
    format!("{slug}-seed{}-{what}.csv", run.seed)
}

/// The statistics panel of a run.
#[function_component(Statistics)]
pub fn statistics(props: &StatisticsProps) -> Html {
    let run = &props.run;
    let stats = use_memo(props.run.clone(), |run| Rc::new(Stats::read(run)));
    let stats = ByPtr((*stats).clone());
    let host = use_state(|| None::<String>);
    // A host of another run (the scenario changed) is not in this one.
    let shown = (*host).clone().filter(|h| stats.queues.hosts.contains(h));
    let on_host = {
        let host = host.clone();
        Callback::from(move |e: Event| {
            let v = target_value(&e);
            host.set((!v.is_empty()).then_some(v));
        })
    };
    let csv = |what: &'static str| {
        let (run, stats, dispatch) = (props.run.clone(), stats.clone(), props.dispatch.clone());
        Callback::from(move |_| {
            let text = match what {
                "queues" => queue_csv(&stats.queues),
                "latencies" => latency_csv(&stats.deliveries),
                _ => attempts_csv(&stats.attempts),
            };
            if let Err(e) = download(&file_name(&run, what), "text/csv", &text) {
                dispatch.emit(Action::Error(e));
            }
        })
    };
    let s = &run.summary;
    let p = |q: u8| {
        stats
            .percentiles
            .iter()
            .find(|(p, _)| *p == q)
            .map_or("–".to_string(), |(_, v)| said(*v))
    };
    let figures = [
        ("delivered", "delivered", s.delivered.to_string()),
        ("bounced", "bounced", s.bounced.to_string()),
        ("still queued", "queued", s.queued.to_string()),
        (
            "connections tried, all hops",
            "attempts",
            s.attempts.to_string(),
        ),
        ("latency p50", "p50", p(50)),
        ("latency p90", "p90", p(90)),
        ("latency p99", "p99", p(99)),
    ];
    html! {
        <div class="statistics">
            <dl class="summary">
                { for figures.into_iter().map(|(name, key, value)| html! {
                    <div><dt>{ name }</dt><dd data-stat={key}>{ value }</dd></div>
                }) }
            </dl>
            <figure class="queue-figure">
                <div class="figure-bar">
                    <h3>{ "Queued recipients over time" }</h3>
                    <label>{ "Queue of " }
                        <select aria-label="Queue of" onchange={on_host}>
                            <option value="" selected={shown.is_none()}>{ "all hosts together" }</option>
                            { for stats.queues.hosts.iter().map(|h| html! {
                                <option value={h.clone()} selected={shown.as_ref() == Some(h)}>{ h.clone() }</option>
                            }) }
                        </select>
                    </label>
                    <button class="download" data-csv="queues" onclick={csv("queues")}>{ "Download CSV" }</button>
                </div>
                <QueueChart stats={stats.clone()} host={shown.map(AttrValue::from)} t={props.t} presenter={props.presenter} />
            </figure>
            <figure class="latency-figure">
                <div class="figure-bar">
                    <h3>{ "Delivery latency" }</h3>
                    <button class="download" data-csv="latencies" onclick={csv("latencies")}>{ "Download CSV" }</button>
                </div>
                <LatencyChart stats={stats.clone()} presenter={props.presenter} />
            </figure>
            <figure class="attempts-figure">
                <div class="figure-bar">
                    <h3>{ "Attempts per message" }</h3>
                    <button class="download" data-csv="attempts" onclick={csv("attempts")}>{ "Download CSV" }</button>
                </div>
                <AttemptsChart stats={stats} presenter={props.presenter} />
            </figure>
        </div>
    }
}
