//! Delivery latency as a distribution: a histogram over a log axis of
//! seconds with regular buckets (1, 2, 5, 10, 20, 50 … s), each bar
//! labelled with its count, and the p50, p90 and p99 marked on it and
//! stated in words.

use yew::prelude::*;

use super::chart::{empty, svg, use_size};
use super::Stats;
use crate::clock::duration;
use crate::components::ByPtr;
use crate::plot::svg::latency;

/// Properties of [`LatencyChart`].
#[derive(Properties, PartialEq)]
pub struct LatencyProps {
    /// The run's statistics.
    pub stats: ByPtr<Stats>,
    /// Presenter mode (larger type).
    pub presenter: bool,
}

/// A latency in words, and exactly: `40 min (2400.512 s)`.
pub fn said(secs: f64) -> String {
    let micros = (secs.max(0.0) * 1e6).round() as u64;
    format!("{} ({secs:.3} s)", duration(micros))
}

/// The latency histogram.
#[function_component(LatencyChart)]
pub fn latency_chart(props: &LatencyProps) -> Html {
    let node = use_node_ref();
    let size = use_size(node.clone(), props.presenter);
    let drawn = use_memo((props.stats.clone(), size), |(stats, size)| {
        latency(&stats.latencies, &stats.percentiles, *size).map(AttrValue::from)
    });
    let stats = &props.stats;
    let n = stats.latencies.len();
    let Some(markup) = &*drawn else {
        let why = match (stats.bounced, stats.queued) {
            (0, 0) => "no message of the scenario has reached a mailbox in this run.".to_string(),
            (b, q) => format!(
                "no message of the scenario has reached a mailbox in this run ({b} recipient(s) bounced, {q} still queued)."
            ),
        };
        return html! { <div class="plot" ref={node}>{ empty(&why) }</div> };
    };
    html! {
        <div class="plot" ref={node}>
            { svg(markup) }
            <p class="caption">
                { format!("From submission to the mailbox, {n} recipient{} of the scenario's messages over the whole run; \
                    a log axis, buckets 1–2–5 × 10ⁿ s. ", if n == 1 { "" } else { "s" }) }
                { for stats.percentiles.iter().map(|(p, v)| html! {
                    <span class="percentile" data-percentile={p.to_string()} data-secs={format!("{v:.6}")}>
                        { format!("p{p} {}", said(*v)) }
                    </span>
                }) }
            </p>
        </div>
    }
}
