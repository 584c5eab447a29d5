//! The packets: the lines in flight (lines sent together as a column beside
//! their link), the pending DNS questions and the answers, drawn on
//! a canvas over the stage in the stage's coordinates (hundreds of them
//! move every frame). The colours are the stage's own.

use std::collections::BTreeSet;
use std::rc::Rc;

use mxlab_sim::inspect::LineDetails;
use mxlab_sim::view::LineInFlight;
use mxlab_sim::View;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{ByPtr, RunRef};
use crate::layout::Point;
use crate::state::Positions;

/// Properties of [`Packets`].
#[derive(Properties, PartialEq, Clone)]
pub struct PacketsProps {
    /// The run (which messages are DSNs).
    pub run: RunRef,
    /// What is in flight.
    pub view: ByPtr<View>,
    /// Where each host is drawn.
    pub positions: Positions,
    /// The stage's viewBox: (x, y, width, height).
    pub view_box: (f64, f64, f64, f64),
    /// Presenter mode: larger type.
    pub presenter: bool,
    /// The dark theme (drawn again in its colours).
    pub dark: bool,
}

/// The packets canvas; `data-packets` counts what is drawn, `data-dns`
/// lists the DNS questions and answers drawn, `data-points` where each
/// line in flight is drawn (`x,y` in stage units, whole numbers; the
/// first [`POINTS_LISTED`]).
#[function_component(Packets)]
pub fn packets(props: &PacketsProps) -> Html {
    let canvas = use_node_ref();
    {
        // Drawn again after each change of what it shows.
        let (canvas, props) = (canvas.clone(), props.clone());
        use_effect(move || draw(&canvas, &props));
    }
    html! {
        <canvas class="packets" ref={canvas} aria-hidden="true"
            data-packets={(props.view.in_flight.len() + props.view.dns_pending.len()).to_string()}
            data-dns={dns_boxes(&props.view).iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join(" | ")}
            data-points={packet_points(&props.view, &props.positions, props.presenter)
                .iter()
                .take(POINTS_LISTED)
                .map(|(p, _)| format!("{:.0},{:.0}", p.x, p.y))
                .collect::<Vec<_>>()
                .join(" ")} />
    }
}

/// Properties of [`PacketInfo`].
#[derive(Properties, PartialEq)]
pub struct PacketInfoProps {
    /// The line whose packet was clicked.
    pub details: Rc<LineDetails>,
    /// Where actions go.
    pub dispatch: Callback<crate::state::Action>,
}

/// What a clicked packet is: its hosts and arrival, its line, what it
/// means and its octets.
#[function_component(PacketInfo)]
pub fn packet_info(props: &PacketInfoProps) -> Html {
    let p = &props.details;
    html! {
        <div class="packet-info" role="dialog" aria-label="Packet">
            <p class="packet-head">{ format!("{} → {} · arrives at {}", p.from, p.to, p.at) }</p>
            <p class="packet-line"><b>{ format!("{}: ", p.who) }</b>{ p.text.clone() }</p>
            <p class="packet-why">{ p.explanation.clone() }</p>
            <p class="packet-bytes"><span>{ "on the wire: " }</span><code>{ p.hex.clone() }</code></p>
            <button class="close" onclick={props.dispatch.reform(|_| crate::state::Action::Packet(None))}>{ "Close (Esc)" }</button>
        </div>
    }
}

/// Packets whose place `data-points` lists.
const POINTS_LISTED: usize = 64;

/// Draws the packets on `canvas`.
fn draw(canvas: &NodeRef, props: &PacketsProps) {
    let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() else {
        return;
    };
    let ratio = gloo::utils::window().device_pixel_ratio().max(1.0);
    let (cw, ch) = (
        f64::from(canvas.client_width()),
        f64::from(canvas.client_height()),
    );
    let (pw, ph) = ((cw * ratio).round() as u32, (ch * ratio).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok();
    ctx.clear_rect(0.0, 0.0, f64::from(pw), f64::from(ph));
    // The SVG's viewBox with preserveAspectRatio "meet": one scale, the
    // drawing centred.
    let (vx, vy, vw, vh) = props.view_box;
    let scale = (cw / vw).min(ch / vh);
    if scale <= 0.0 || !scale.is_finite() {
        return;
    }
    let ox = (cw - vw * scale) / 2.0 - vx * scale;
    let oy = (ch - vh * scale) / 2.0 - vy * scale;
    ctx.set_transform(
        ratio * scale,
        0.0,
        0.0,
        ratio * scale,
        ratio * ox,
        ratio * oy,
    )
    .ok();
    // The stage's colours (the canvas sits in it).
    let style = canvas
        .parent_element()
        .and_then(|e| gloo::utils::window().get_computed_style(&e).ok().flatten());
    let color = |name: &str, fallback: &str| {
        style
            .as_ref()
            .and_then(|s| s.get_property_value(name).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback.to_string())
    };
    let (plain, tls, bounce, fg, panel, muted) = (
        color("--packet", "#0969da"),
        color("--fault", "#8250df"),
        color("--bad", "#cf222e"),
        color("--packet-fg", "#ffffff"),
        color("--panel", "#ffffff"),
        color("--muted", "#59636e"),
    );
    let font = if props.presenter {
        "bold 14px ui-monospace, monospace"
    } else {
        "11px ui-monospace, monospace"
    };
    ctx.set_font(font);
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    let pos = |h: &str| props.positions.get(h).copied();
    let view = &props.view;
    let tls_conns: BTreeSet<u64> = view
        .connections
        .iter()
        .filter(|c| c.tls)
        .map(|c| c.conn)
        .collect();
    for (p, l) in packet_points(view, &props.positions, props.presenter) {
        let encrypted = tls_conns.contains(&l.conn);
        let is_bounce = l
            .message
            .as_ref()
            .is_some_and(|m| props.run.dsns.contains(m.as_str()));
        let word = if encrypted {
            "TLS".to_string()
        } else {
            mxlab_sim::inspect::packet_word(&l.text)
        };
        let w = 12.0 + text_width(&ctx, &word, 7.0);
        ctx.set_fill_style_str(if is_bounce {
            &bounce
        } else if encrypted {
            &tls
        } else {
            &plain
        });
        ctx.fill_rect(p.x - w / 2.0, p.y - 9.0, w, 18.0);
        ctx.set_fill_style_str(&fg);
        ctx.fill_text(&word, p.x, p.y + 1.0).ok();
    }
    // A DNS question halfway to the resolver; its answer beside the
    // asking host for the next few events.
    let boxed = |text: &str, p: Point, stroke: &str| {
        let w = 12.0 + text_width(&ctx, text, 7.0);
        ctx.set_fill_style_str(&panel);
        ctx.fill_rect(p.x - w / 2.0, p.y - 9.0, w, 18.0);
        ctx.set_stroke_style_str(stroke);
        ctx.stroke_rect(p.x - w / 2.0, p.y - 9.0, w, 18.0);
        ctx.set_fill_style_str(stroke);
        ctx.fill_text(text, p.x, p.y + 1.0).ok();
    };
    for d in dns_boxes(view) {
        let (Some(a), Some(b)) = (pos(d.host), pos(d.resolver)) else {
            continue;
        };
        if d.answer {
            boxed(&d.text, along(a, b, 0.15), &plain);
        } else {
            boxed(&d.text, a.towards(b, 0.5), &muted);
        }
    }
}

/// How wide `text` is drawn in the context's font, in the drawing's
/// units; `per_char` a character if the browser cannot measure it.
fn text_width(ctx: &web_sys::CanvasRenderingContext2d, text: &str, per_char: f64) -> f64 {
    ctx.measure_text(text)
        .map(|m| m.width())
        .ok()
        .filter(|w| w.is_finite() && *w > 0.0)
        .unwrap_or(per_char * text.chars().count() as f64)
}

/// A DNS question or answer drawn on a host's link to its resolver.
struct DnsBox<'a> {
    host: &'a str,
    resolver: &'a str,
    text: String,
    answer: bool,
}

/// The DNS questions waiting (`MX example.org?`) and the answers of the
/// last few events.
fn dns_boxes(view: &View) -> Vec<DnsBox<'_>> {
    let questions = view.dns_pending.iter().map(|q| DnsBox {
        host: &q.host,
        resolver: &q.resolver,
        text: format!("{} {}?", q.qtype.as_str(), q.name),
        answer: false,
    });
    let answers = view
        .dns_answered
        .iter()
        .filter(|d| view.events_applied.saturating_sub(d.after_events) <= DNS_ANSWER_SHOWN_EVENTS)
        .map(|d| DnsBox {
            host: &d.host,
            resolver: &d.resolver,
            text: dns_answer(d),
            answer: true,
        });
    questions.chain(answers).collect()
}

/// Where each line in flight is drawn, in stage units. Lines sent
/// together (a pipelined MAIL, RCPT and DATA, an EHLO reply) travel as a
/// column beside their link, not one on another.
pub fn packet_points<'a>(
    view: &'a View,
    positions: &Positions,
    presenter: bool,
) -> Vec<(Point, &'a LineInFlight)> {
    let pos = |h: &str| positions.get(h).copied();
    let mut columns: Vec<(Point, usize)> = Vec::new();
    let mut out = Vec::with_capacity(view.in_flight.len());
    for l in &view.in_flight {
        let (Some(a), Some(b)) = (pos(&l.from), pos(&l.to)) else {
            continue;
        };
        let p = along(a, b, l.fraction);
        let k = match columns
            .iter_mut()
            .find(|(q, _)| (q.x - p.x).hypot(q.y - p.y) < 14.0)
        {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                columns.push((p, 0));
                0
            }
        };
        let step = if presenter { 22.0 } else { 19.0 };
        out.push((column_place(p, a, b, k, step), l));
    }
    out
}

/// Where the `k`th packet of a column starting at `p` (on the way from `a`
/// to `b`, `step` units a line) is drawn. Labels are lines of text, so
/// across a link that runs more across than down, the column is a stack
/// beside it; along one that runs down (a phone's rows, where the links
/// are short) it is two labels wide, and grows towards the receiver, so
/// the labels never cover the sender's box.
fn column_place(p: Point, a: Point, b: Point, k: usize, step: f64) -> Point {
    if (b.x - a.x).abs() >= (b.y - a.y).abs() {
        p.across(a, b, k as f64 * step)
    } else {
        let (row, side) = ((k / 2) as f64, (k % 2) as f64);
        Point {
            x: p.x + side * 3.0 * step,
            y: p.y + (row * step).copysign(b.y - a.y),
        }
    }
}

/// The line in flight drawn nearest `at` (stage units), within a packet's
/// reach.
pub fn packet_at(view: &View, positions: &Positions, presenter: bool, at: Point) -> Option<usize> {
    packet_points(view, positions, presenter)
        .into_iter()
        .map(|(p, l)| {
            (
                (p.x - at.x).abs() / 30.0 + (p.y - at.y).abs() / 10.0,
                l.index,
            )
        })
        .filter(|(d, _)| *d <= 1.2)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, i)| i)
}

/// Events for which a DNS answer stays drawn after it came.
const DNS_ANSWER_SHOWN_EVENTS: usize = 8;

/// `MX example.org: 10 mx1 · 20 mx2` (exchanges by their first label),
/// or `MX example.org: no records`.
fn dns_answer(d: &mxlab_sim::view::DnsAnswered) -> String {
    let records = mxlab_sim::inspect::dns_records(&d.answer, true);
    format!("{} {}: {records}", d.qtype.as_str(), d.name)
}

/// Host boxes are drawn this far (stage units) around their centre: a
/// packet travels between the two boxes' edges, not from inside them.
const HOST_INSET: f64 = 44.0;

/// The point `fraction` of the way from host `a` to host `b`, between
/// the edges of their boxes.
fn along(a: Point, b: Point, fraction: f64) -> Point {
    let len = (b.x - a.x).hypot(b.y - a.y);
    if len <= 2.0 * HOST_INSET {
        return a.towards(b, fraction);
    }
    let inset = HOST_INSET / len;
    a.towards(b, inset + fraction * (1.0 - 2.0 * inset))
}
