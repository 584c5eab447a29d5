//! Recipients queued over time, on one host or all together: a step line
//! over a time axis, the faults' windows shaded behind it, and a line at
//! the clock's moment that follows playback and seeking.

use mxlab_sim::inspect::{peak, value_at};
use mxlab_sim::SimTime;
use yew::prelude::*;

use super::chart::{empty, svg, use_size};
use super::Stats;
use crate::components::ByPtr;
use crate::plot::svg::{px, queue, Band, Frame};
use crate::plot::Linear;

/// Properties of [`QueueChart`].
#[derive(Properties, PartialEq)]
pub struct QueueProps {
    /// The run's statistics.
    pub stats: ByPtr<Stats>,
    /// The host whose queue is drawn; all hosts together when `None`.
    pub host: Option<AttrValue>,
    /// The clock's moment.
    pub t: SimTime,
    /// Presenter mode (larger type).
    pub presenter: bool,
}

/// Faults named in the caption at most (each has its hover text).
const SAID: usize = 4;

/// The queue plot.
#[function_component(QueueChart)]
pub fn queue_chart(props: &QueueProps) -> Html {
    let node = use_node_ref();
    let size = use_size(node.clone(), props.presenter);
    // What does not move with the clock is drawn once per host and size.
    let drawn = use_memo(
        (props.stats.clone(), props.host.clone(), size),
        |(stats, host, size)| -> Option<(AttrValue, Frame, Linear)> {
            if stats.queues.hosts.is_empty() {
                return None;
            }
            let bands: Vec<Band> = stats
                .faults
                .iter()
                .map(|w| Band {
                    from: w.from,
                    until: w.until,
                    label: w.fault.label(),
                })
                .collect();
            let plot = queue(stats.queues.of(host.as_deref()), stats.end, &bands, *size);
            Some((AttrValue::from(plot.svg), plot.frame, plot.x))
        },
    );
    let stats = &props.stats;
    let host = props.host.as_deref();
    let series = stats.queues.of(host);
    let whose = host.unwrap_or("all hosts together");
    let t = props.t.min(stats.end);
    let now = value_at(series, t);
    let Some((markup, frame, x)) = &*drawn else {
        return html! {
            <div class="plot" ref={node}>{ empty("no message has entered a queue in this run.") }</div>
        };
    };
    let at = x.at(t.as_micros() as f64 / 1e6);
    let label = format!("now {t}: {now} queued");
    // The label reads to the right of the line, or to its left where it
    // would run off the plot, or as far right as it fits (its type is
    // 0.8 em, as the stylesheet sets it).
    let (w, gap) = (label.chars().count() as f64 * 0.8 * 0.62 * frame.font, 4.0);
    let offset = if at + gap + w <= frame.width {
        gap
    } else if at - gap - w >= 0.0 {
        -gap - w
    } else {
        (frame.width - at - w).max(-at)
    };
    let cursor = format!(
        "left: {}px; top: {}px; height: {}px",
        px(at),
        px(frame.y1 - 0.9 * frame.font),
        px(frame.y0 - frame.y1 + 0.9 * frame.font)
    );
    let peak_text = match peak(series) {
        Some((at, n)) => format!("peak {n} at {at}"),
        None => "nothing queued".to_string(),
    };
    let largest = match (host, stats.queues.largest(stats.end)) {
        (None, Some((h, at, n))) => format!(" The largest single queue: {n} on {h} at {at}."),
        _ => String::new(),
    };
    // The faults shaded, in words (the first few).
    let mut shaded = String::new();
    for (i, w) in stats.faults.iter().enumerate() {
        if i == SAID {
            shaded.push_str(&format!("; and {} more", stats.faults.len() - SAID));
            break;
        }
        let until = w.until.map_or("the end".to_string(), |u| u.to_string());
        shaded.push_str(&format!(
            "{}{} from {} to {until}",
            if i == 0 {
                " Shaded, the faults: "
            } else {
                "; "
            },
            w.fault.label(),
            w.from
        ));
    }
    if !shaded.is_empty() {
        shaded.push('.');
    }
    html! {
        <div class="plot" ref={node}>
            <div class="plot-area" data-host={whose.to_string()}>
                { svg(markup) }
                <div class="cursor" style={cursor}
                    data-t-us={t.as_micros().to_string()} data-x={px(at)} data-queued={now.to_string()}>
                    <span style={format!("left: {}px", px(offset))}>{ label }</span>
                </div>
            </div>
            <p class="caption">
                { format!("Recipients queued on {whose} ({peak_text}).{largest}{shaded}") }
            </p>
        </div>
    }
}
