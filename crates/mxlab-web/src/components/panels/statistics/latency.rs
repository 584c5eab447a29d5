//! Delivery latency as a distribution: a histogram over a log axis of
//! seconds with regular buckets (1, 2, 5, 10, 20, 50 … s), each bar
//! labelled with its count, and the p50, p90 and p99 marked on it and
//! stated in words.

use yew::prelude::*;

use super::chart::{char_width, empty, px, use_size, x_axis, y_axis, Frame, Size};
use super::Stats;
use crate::components::ByPtr;
use crate::plot::{count_ticks, decade_ticks, decades, duration, log_buckets, Linear, Log};

/// Properties of [`LatencyChart`].
#[derive(Properties, PartialEq)]
pub struct LatencyProps {
    /// The run's statistics.
    pub stats: ByPtr<Stats>,
    /// Presenter mode (larger type).
    pub presenter: bool,
}

/// A percentile in words: `40 min (2400.512 s)`.
pub fn said(secs: f64) -> String {
    format!("{} ({secs:.3} s)", duration(secs))
}

/// The latency histogram.
#[function_component(LatencyChart)]
pub fn latency_chart(props: &LatencyProps) -> Html {
    let node = use_node_ref();
    let size = use_size(node.clone(), props.presenter);
    let drawn = use_memo((props.stats.clone(), size), |(stats, size)| {
        draw(stats, *size)
    });
    let stats = &props.stats;
    let n = stats.latencies.len();
    let caption = if n == 0 {
        html! {}
    } else {
        html! {
            <p class="caption">
                { format!("Submission to mailbox, {n} recipient{} of the scenario's messages, whole run; log scale, buckets 1–2–5 × 10ⁿ s. ",
                    if n == 1 { "" } else { "s" }) }
                { for stats.percentiles.iter().map(|(p, v)| html! {
                    <span class="percentile" data-percentile={p.to_string()} data-secs={format!("{v:.6}")}>
                        { format!("p{p} {}", said(*v)) }
                    </span>
                }) }
            </p>
        }
    };
    html! {
        <div class="plot" ref={node}>
            { (*drawn).clone() }
            { caption }
        </div>
    }
}

/// The plot, or why it is empty.
fn draw(stats: &Stats, size: Size) -> Html {
    if stats.latencies.is_empty() {
        let why = match (stats.bounced, stats.queued) {
            (0, 0) => "no message of the scenario has reached a mailbox in this run.".to_string(),
            (b, q) => format!(
                "no message of the scenario has reached a mailbox in this run ({b} recipient(s) bounced, {q} still queued)."
            ),
        };
        return empty(&why);
    }
    let buckets = log_buckets(&stats.latencies);
    let most = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    let (_, top) = count_ticks(most, 6);
    let frame = Frame::new(size, top.to_string().len());
    let f = frame.font;
    let (y_ticks, top) = count_ticks(most, frame.y_ticks());
    let domain = decades(&buckets);
    let x = Log {
        domain,
        range: (frame.x0, frame.x1),
    };
    let y = Linear {
        domain: (0.0, top as f64),
        range: (frame.y0, frame.y1),
    };
    let x_ticks = decade_ticks(domain, frame.x_ticks(6));
    // Percentiles too close to be labelled apart share a label.
    let mut marks: Vec<(f64, String)> = Vec::new();
    for (p, v) in &stats.percentiles {
        let at = x.at(*v);
        match marks.last_mut() {
            Some((x0, label))
                if at - *x0 < char_width(f) * (label.chars().count() as f64 + 1.0) =>
            {
                label.push_str(&format!(" p{p}"));
            }
            _ => marks.push((at, format!("p{p}"))),
        }
    }
    html! {
        <svg viewBox={frame.view_box()} width={px(frame.width)} height={px(frame.height)} role="img" aria-label="Delivery latency"
            data-buckets={buckets.len().to_string()}>
            { y_axis(&frame, &y_ticks, |v| y.at(v), "recipients") }
            { x_axis(&frame, &x_ticks, |v| x.at(v), "delivery latency (log scale)") }
            <g class="bars">
                { for buckets.iter().filter(|b| b.count > 0).map(|b| {
                    let (left, right) = (x.at(b.lo) + 1.0, x.at(b.hi) - 1.0);
                    let top = y.at(b.count as f64);
                    html! {
                        <g class="bar" data-lo={format!("{}", b.lo)} data-hi={format!("{}", b.hi)} data-count={b.count.to_string()}>
                            <rect x={px(left)} y={px(top)} width={px((right - left).max(1.0))} height={px(frame.y0 - top)}>
                                <title>{ format!("{} delivered in {} to {}", b.count, duration(b.lo), duration(b.hi)) }</title>
                            </rect>
                            <text class="count" x={px((left + right) / 2.0)} y={px(top - 0.3 * f)} text-anchor="middle">{ b.count.to_string() }</text>
                        </g>
                    }
                }) }
            </g>
            <g class="percentiles">
                { for stats.percentiles.iter().map(|(p, v)| {
                    let at = x.at(*v);
                    html! {
                        <line class="percentile" data-percentile={p.to_string()} x1={px(at)} y1={px(frame.y1 - 0.4 * f)} x2={px(at)} y2={px(frame.y0)}>
                            <title>{ format!("p{p}: {}", said(*v)) }</title>
                        </line>
                    }
                }) }
                { for marks.iter().map(|(at, label)| html! {
                    <text x={px(*at)} y={px(frame.y1 - 0.6 * f)}
                        text-anchor={if *at > (frame.x0 + frame.x1) / 2.0 { "end" } else { "start" }}>{ label.clone() }</text>
                }) }
            </g>
        </svg>
    }
}
