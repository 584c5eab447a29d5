//! Attempts per message, counted two ways and each said in words: per hop
//! (the tries a host's queue needed to hand a message on; 1 = the first
//! try went through) and end to end (the connections a message needed
//! from its first hop to its mailbox). Each a histogram of whole numbers
//! with its counts written on the bars.

use yew::prelude::*;

use super::chart::{empty, svg, use_size};
use super::Stats;
use crate::components::ByPtr;
use crate::plot::svg::{bars, Labels};
use crate::plot::Bin;

/// Properties of [`AttemptsChart`].
#[derive(Properties, PartialEq)]
pub struct AttemptsProps {
    /// The run's statistics.
    pub stats: ByPtr<Stats>,
    /// Presenter mode (larger type).
    pub presenter: bool,
}

const PER_HOP: Labels = Labels {
    name: "Attempts per hop",
    x: "tries on one hop",
    y: "hops",
    bar: |b: &Bin| {
        format!(
            "{} hop(s) needed {} tr{}",
            b.count,
            b.label(),
            if b.lo == 1 && b.hi == 1 { "y" } else { "ies" }
        )
    },
};

const END_TO_END: Labels = Labels {
    name: "Connections per message, end to end",
    x: "connections per message",
    y: "messages",
    bar: |b: &Bin| format!("{} message(s) needed {} connection(s)", b.count, b.label()),
};

/// `s` unless there is one.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The two attempt histograms.
#[function_component(AttemptsChart)]
pub fn attempts_chart(props: &AttemptsProps) -> Html {
    let node = use_node_ref();
    let size = use_size(node.clone(), props.presenter);
    let drawn = use_memo((props.stats.clone(), size), |(stats, size)| {
        let a = &stats.attempts;
        (
            bars(&a.per_hop(), &PER_HOP, *size).map(AttrValue::from),
            bars(&a.end_to_end(), &END_TO_END, *size).map(AttrValue::from),
        )
    });
    let a = &props.stats.attempts;
    let per_hop = a.per_hop();
    let hops: usize = per_hop.values().sum();
    let retried: usize = per_hop.range(2..).map(|(_, c)| c).sum();
    let messages: usize = a.end_to_end().values().sum();
    let (hop_plot, message_plot) = &*drawn;
    html! {
        <div class="plot" ref={node}>
            <h4>{ "Per hop" }</h4>
            <p class="caption" data-scope="per-hop">
                { format!("Tries each host's queue needed to hand a message on: 1 = it went through at the first try. \
                    {hops} hop{} of messages (DSNs aside); {retried} needed more than one try.", plural(hops)) }
            </p>
            { hop_plot.as_ref().map_or_else(|| empty("no host has tried to hand a message on in this run."), svg) }
            <h4>{ "End to end" }</h4>
            <p class="caption" data-scope="end-to-end">
                { format!("Connections a message needed from its first hop to its mailbox, every hop and every MX tried \
                    counted (a message that crossed 2 hops at the first try needed 2). {messages} message{} reached a mailbox \
                    (DSNs aside: they are in the CSV).", plural(messages)) }
            </p>
            { message_plot.as_ref().map_or_else(|| empty("no message has reached a mailbox in this run."), svg) }
        </div>
    }
}
