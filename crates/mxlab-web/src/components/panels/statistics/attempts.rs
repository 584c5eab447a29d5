//! Attempts per message, counted two ways and each said in words: per hop
//! (the tries a host's queue needed to hand a message on; 1 = the first
//! try went through) and end to end (the connections a message needed
//! from its first hop to its mailbox). Each a histogram of whole numbers
//! with its counts written on the bars.

use std::collections::BTreeMap;

use yew::prelude::*;

use super::chart::{empty, px, use_size, x_axis, y_axis, Frame, Size};
use super::Stats;
use crate::components::ByPtr;
use crate::plot::{count_ticks, int_bins, Bin, Linear, Tick};

/// Properties of [`AttemptsChart`].
#[derive(Properties, PartialEq)]
pub struct AttemptsProps {
    /// The run's statistics.
    pub stats: ByPtr<Stats>,
    /// Presenter mode (larger type).
    pub presenter: bool,
}

/// The two attempt histograms.
#[function_component(AttemptsChart)]
pub fn attempts_chart(props: &AttemptsProps) -> Html {
    let node = use_node_ref();
    let size = use_size(node.clone(), props.presenter);
    let drawn = use_memo((props.stats.clone(), size), |(stats, size)| {
        let a = &stats.attempts;
        let per_hop = a.per_hop();
        let end_to_end = a.end_to_end();
        let hops: usize = per_hop.values().sum();
        let retried: usize = per_hop.range(2..).map(|(_, c)| c).sum();
        let messages: usize = end_to_end.values().sum();
        let first_try = |c: u32| if c == 1 { "" } else { "s" };
        html! {
            <>
                <h4>{ "Per hop" }</h4>
                <p class="caption" data-scope="per-hop">
                    { format!("Tries each host's queue needed to hand a message on: 1 = it went through at the first try. \
                        {hops} hop{} of the scenario's messages; {retried} needed more than one try.", first_try(hops as u32)) }
                </p>
                { bars(*size, &per_hop, Axes {
                    aria: "Attempts per hop",
                    x: "tries on one hop",
                    y: "hops",
                    what: |b: &Bin| format!("{} hop(s) needed {} tr{}", b.count, b.label(), if b.lo == 1 && b.hi == 1 { "y" } else { "ies" }),
                    none: "no host has tried to hand a message on in this run.",
                }) }
                <h4>{ "End to end" }</h4>
                <p class="caption" data-scope="end-to-end">
                    { format!("Connections a message needed from its first hop to its mailbox, every hop and every MX tried counted \
                        (a message that crossed 2 hops at the first try needed 2). {messages} message{} reached a mailbox; DSNs are in the CSV only.",
                        first_try(messages as u32)) }
                </p>
                { bars(*size, &end_to_end, Axes {
                    aria: "Connections per message, end to end",
                    x: "connections per message",
                    y: "messages",
                    what: |b: &Bin| format!("{} message(s) needed {} connection(s)", b.count, b.label()),
                    none: "no message of the scenario has reached a mailbox in this run.",
                }) }
            </>
        }
    });
    html! {
        <div class="plot" ref={node}>{ (*drawn).clone() }</div>
    }
}

/// What a histogram's axes and bars say.
struct Axes<F: Fn(&Bin) -> String> {
    aria: &'static str,
    x: &'static str,
    y: &'static str,
    what: F,
    none: &'static str,
}

/// A histogram of whole numbers: a bar per bin with its count above it.
fn bars<F: Fn(&Bin) -> String>(size: Size, hist: &BTreeMap<u32, usize>, axes: Axes<F>) -> Html {
    if hist.is_empty() {
        return empty(axes.none);
    }
    let most = hist.values().copied().max().unwrap_or(0);
    let (_, top) = count_ticks(most, 6);
    let frame = Frame::new(size, top.to_string().len());
    let f = frame.font;
    let bins = int_bins(hist, frame.x_ticks(4).max(1));
    let (y_ticks, top) = count_ticks(most, frame.y_ticks());
    let y = Linear {
        domain: (0.0, top as f64),
        range: (frame.y0, frame.y1),
    };
    let slot = (frame.x1 - frame.x0) / bins.len().max(1) as f64;
    let centre = |i: f64| frame.x0 + (i + 0.5) * slot;
    let x_ticks: Vec<Tick> = bins
        .iter()
        .enumerate()
        .map(|(i, b)| Tick {
            value: i as f64,
            label: b.label(),
        })
        .collect();
    html! {
        <svg viewBox={frame.view_box()} width={px(frame.width)} height={px(frame.height)} role="img" aria-label={axes.aria}>
            { y_axis(&frame, &y_ticks, |v| y.at(v), axes.y) }
            { x_axis(&frame, &x_ticks, centre, axes.x) }
            <g class="bars">
                { for bins.iter().enumerate().filter(|(_, b)| b.count > 0).map(|(i, b)| {
                    let w = (slot * 0.7).min(6.0 * f);
                    let top = y.at(b.count as f64);
                    let c = centre(i as f64);
                    html! {
                        <g class="bar" data-lo={b.lo.to_string()} data-hi={b.hi.to_string()} data-count={b.count.to_string()}>
                            <rect x={px(c - w / 2.0)} y={px(top)} width={px(w)} height={px(frame.y0 - top)}>
                                <title>{ (axes.what)(b) }</title>
                            </rect>
                            <text class="count" x={px(c)} y={px(top - 0.3 * f)} text-anchor="middle">{ b.count.to_string() }</text>
                        </g>
                    }
                }) }
            </g>
        </svg>
    }
}
