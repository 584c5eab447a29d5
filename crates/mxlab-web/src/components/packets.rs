//! The packets: the lines in flight and the pending DNS queries, drawn on
//! a canvas over the stage in the stage's coordinates (hundreds of them
//! move every frame). The colours are the stage's own.

use std::collections::BTreeSet;

use mxlab_sim::View;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{ByPtr, RunRef};
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

/// The packets canvas; `data-packets` counts what is drawn.
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
            data-packets={(props.view.in_flight.len() + props.view.dns_pending.len()).to_string()} />
    }
}

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
    for l in &view.in_flight {
        let (Some(a), Some(b)) = (pos(&l.from), pos(&l.to)) else {
            continue;
        };
        let p = a.towards(b, l.fraction);
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
        let w = 12.0 + 7.0 * word.chars().count() as f64;
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
    for q in &view.dns_pending {
        let (Some(a), Some(b)) = (pos(&q.host), pos(&q.resolver)) else {
            continue;
        };
        let p = a.towards(b, 0.5);
        ctx.set_fill_style_str(&panel);
        ctx.fill_rect(p.x - 30.0, p.y - 9.0, 60.0, 18.0);
        ctx.set_stroke_style_str(&muted);
        ctx.stroke_rect(p.x - 30.0, p.y - 9.0, 60.0, 18.0);
        ctx.set_fill_style_str(&muted);
        ctx.fill_text("DNS?", p.x, p.y + 1.0).ok();
    }
}
