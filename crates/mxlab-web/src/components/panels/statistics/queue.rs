//! Recipients queued over time, on one host or all together: a step line
//! over a time axis, the faults' windows shaded behind it, and a line at
//! the clock's moment that follows playback and seeking.

use mxlab_sim::inspect::{peak, value_at};
use mxlab_sim::SimTime;
use yew::prelude::*;

use super::chart::{empty, px, use_size, x_axis, y_axis, Frame};
use super::Stats;
use crate::components::ByPtr;
use crate::plot::{count_ticks, step_path, time_ticks, Linear};

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

fn secs(t: SimTime) -> f64 {
    t.as_micros() as f64 / 1e6
}

/// The queue plot.
#[function_component(QueueChart)]
pub fn queue_chart(props: &QueueProps) -> Html {
    let node = use_node_ref();
    let size = use_size(node.clone(), props.presenter);
    let stats = &props.stats;
    let host = props.host.as_deref();
    let series = stats.queues.of(host);
    let whose = host.unwrap_or("all hosts together").to_string();
    // What does not move with the clock is drawn once per host and size.
    let drawn = use_memo(
        (props.stats.clone(), props.host.clone(), size),
        |(stats, host, size)| {
            (!stats.queues.hosts.is_empty()).then(|| Drawn::new(stats, host.as_deref(), *size))
        },
    );
    let body = if let Some(d) = &*drawn {
        let frame = d.frame;
        let t = props.t.min(stats.end);
        let x = d.x.at(secs(t));
        let now = value_at(series, t);
        html! {
            <svg viewBox={frame.view_box()} width={px(frame.width)} height={px(frame.height)} role="img"
                aria-label="Queued recipients over time" data-host={whose.clone()}
                data-x0={px(frame.x0)} data-x1={px(frame.x1)} data-end-s={format!("{:.6}", secs(stats.end))}>
                { d.bands.clone() }
                { d.axes.clone() }
                <path class="series" d={d.path.clone()} />
                <g class="cursor" data-t-us={t.as_micros().to_string()} data-x={px(x)} data-queued={now.to_string()}>
                    <line x1={px(x)} y1={px(frame.y1 - 0.6 * frame.font)} x2={px(x)} y2={px(frame.y0)} />
                    <text x={px(x)} y={px(frame.y1 - 0.8 * frame.font)}
                        text-anchor={if x > (frame.x0 + frame.x1) / 2.0 { "end" } else { "start" }}>
                        { format!("now {t}: {now}") }
                    </text>
                </g>
            </svg>
        }
    } else {
        empty("no message has entered a queue in this run.")
    };
    let (peak_text, now_text) = match peak(series) {
        Some((at, n)) => (
            format!("peak {n} at {at}"),
            format!(
                "At {}: {} queued.",
                props.t.min(stats.end),
                value_at(series, props.t)
            ),
        ),
        None => ("nothing queued".to_string(), String::new()),
    };
    let largest = match (host, stats.queues.largest()) {
        (None, Some((h, at, n))) => format!(" The largest single queue: {n} on {h} at {at}."),
        _ => String::new(),
    };
    html! {
        <div class="plot" ref={node}>
            { body }
            <p class="caption">
                { format!("Recipients queued on {whose} ({peak_text}).{largest} Shaded: faults in force. {now_text}") }
            </p>
        </div>
    }
}

/// The parts of the plot that do not move with the clock.
pub struct Drawn {
    frame: Frame,
    x: Linear,
    path: String,
    axes: Html,
    bands: Html,
}

impl Drawn {
    fn new(stats: &Stats, host: Option<&str>, size: super::chart::Size) -> Drawn {
        let series = stats.queues.of(host);
        let top_value = peak(series).map_or(0, |p| p.1);
        let (_, top) = count_ticks(top_value, 6);
        let frame = Frame::new(size, top.to_string().len().max(1));
        let (y_ticks, top) = count_ticks(top_value, frame.y_ticks());
        let end = secs(stats.end).max(1e-6);
        let x = Linear {
            domain: (0.0, end),
            range: (frame.x0, frame.x1),
        };
        let y = Linear {
            domain: (0.0, top as f64),
            range: (frame.y0, frame.y1),
        };
        let x_ticks = time_ticks(end, frame.x_ticks(7));
        let points: Vec<(f64, usize)> = series.iter().map(|(t, n)| (secs(*t), *n)).collect();
        let path = step_path(&points, x, y, end);
        let axes = html! {
            <>
                { y_axis(&frame, &y_ticks, |v| y.at(v), "recipients queued") }
                { x_axis(&frame, &x_ticks, |v| x.at(v), "simulated time since the start") }
            </>
        };
        let f = frame.font;
        let bands = html! {
            <g class="faults">
                { for stats.faults.iter().map(|w| {
                    let from = x.at(secs(w.from));
                    let until = x.at(secs(w.until.unwrap_or(stats.end)));
                    let width = (until - from).max(2.0);
                    let label = w.fault.label();
                    let span = match w.until {
                        Some(u) => format!("{label}: from {} to {u}", w.from),
                        None => format!("{label}: from {} to the end", w.from),
                    };
                    let fits = width > super::chart::char_width(f) * label.chars().count() as f64 + f;
                    html! {
                        <g class="fault-band" data-fault={label.clone()} data-from-us={w.from.as_micros().to_string()}
                            data-until-us={w.until.map(|u| u.as_micros().to_string())}>
                            <rect x={px(from)} y={px(frame.y1)} width={px(width)} height={px(frame.y0 - frame.y1)}>
                                <title>{ span }</title>
                            </rect>
                            if fits {
                                <text x={px(from + 0.3 * f)} y={px(frame.y1 + 1.1 * f)}>{ label }</text>
                            }
                        </g>
                    }
                }) }
            </g>
        };
        Drawn {
            frame,
            x,
            path,
            axes,
            bands,
        }
    }
}
