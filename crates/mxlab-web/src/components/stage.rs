//! The stage: the network as hosts (labelled with their role and state,
//! queue and mailbox badges) and links (open, on TLS, selected), the
//! packets drawn over them, dragging hosts, panning and zooming, and the
//! progress of a run being computed; connections being opened and those
//! refused or timed out; the caption of the moment and an idle skip.

use std::rc::Rc;

use mxlab_sim::inspect::LineDetails;
use mxlab_sim::trace::ConnectFailure;
use mxlab_sim::{Scenario, SimTime, View};
use yew::prelude::*;

use super::{packet_at, role_glyph, role_name, ByPtr, PacketInfo, Packets, RunRef};
use crate::hooks::use_wheel_zoom;
use crate::layout::{Arc, Point};
use crate::state::{Action, DrawMsg, Selection, StageLayout};

/// Properties of [`Stage`].
#[derive(Properties, PartialEq)]
pub struct StageProps {
    /// The run, once computed.
    pub run: Option<RunRef>,
    /// The scenario.
    pub scenario: ByPtr<Scenario>,
    /// What is seen at the clock's moment.
    pub view: ByPtr<View>,
    /// The clock's moment.
    pub t: SimTime,
    /// Where hosts are drawn, the zoom and the pan.
    pub layout: StageLayout,
    /// The host or link selected.
    pub selection: Option<Selection>,
    /// The progress of the run being computed, if one is.
    pub computing: Option<f64>,
    /// The idle gap being skipped, said over the drawing.
    pub skip: Option<AttrValue>,
    /// What is happening now, in one line.
    pub caption: Option<AttrValue>,
    /// The line whose packet was clicked, with its details, when the
    /// stage shows them itself (an embed: the app shows them beside it).
    pub packet: Option<Rc<LineDetails>>,
    /// The host a console session is open with, if one is.
    pub console: Option<AttrValue>,
    /// Presenter mode (larger packets).
    pub presenter: bool,
    /// The dark theme (the packets' colours).
    pub dark: bool,
    /// Whether the wheel zooms (not in a page that embeds the stage).
    pub wheel_zoom: bool,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// The palette drawn over the stage (none in an embed).
    #[prop_or_default]
    pub toolbar: Html,
    /// The palette's tool, by name (`pointer`, `place`, `connect`, `mx`).
    #[prop_or_default]
    pub tool: AttrValue,
    /// The host a connection being drawn starts from.
    #[prop_or_default]
    pub link_from: Option<AttrValue>,
}

/// The stage.
#[function_component(Stage)]
pub fn stage(props: &StageProps) -> Html {
    let stage_ref = use_node_ref();
    use_wheel_zoom(
        stage_ref.clone(),
        props.wheel_zoom,
        props.dispatch.reform(Action::Zoom),
    );
    let svg_ref = use_node_ref();
    // Where the pointer is while a connection is drawn: the line follows it.
    let pointer = use_state(|| None::<Point>);
    {
        let pointer = pointer.clone();
        use_effect_with(props.link_from.clone(), move |_| pointer.set(None));
    }
    html! {
        <main class="mxlab-stage" aria-label="Network stage" ref={stage_ref} data-tool={props.tool.clone()}>
            { props.toolbar.clone() }
            // Always there, two lines high, so that the drawing and the
            // controls under it do not move as the captions come and go.
            <p class={classes!("caption", props.caption.is_none().then_some("idle"))} aria-live="polite">
                { props.caption.clone().unwrap_or_else(|| AttrValue::from("Before the first event: press ▶ or Space to play, → to step.")) }
            </p>
            { network(props, &svg_ref, &pointer) }
            if let Some(p) = &props.packet {
                <PacketInfo details={p.clone()} dispatch={props.dispatch.clone()} />
            }
            if let Some(skip) = &props.skip {
                <div class="skipping" role="status">{ skip.clone() }</div>
            }
            if let Some(progress) = props.computing {
                <div class="computing" role="progressbar" aria-label="Computing the run"
                    aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{:.0}", progress * 100.0)}>
                    <span>{ format!("computing… {:.0}%", progress * 100.0) }</span>
                    <progress max="1" value={progress.to_string()} />
                </div>
            }
        </main>
    }
}

/// How long (virtual time) a connection that could not be opened stays
/// drawn: long enough to be seen beside the next attempt.
const FAILED_SHOWN_MICROS: u64 = 10_000_000;

/// Connections being opened (dashed) and those that could not be
/// (dashed red, a ✕ where they died, and why).
fn attempts(props: &StageProps, view: &View, pos: &dyn Fn(&str) -> Option<Point>) -> Html {
    let t = props.t.as_micros();
    let hosts: Vec<Point> = props.layout.positions.values().copied().collect();
    let dialing = view.dialing.iter().filter_map(|d| {
        let (a, b) = (pos(&d.client)?, pos(&d.server)?);
        // An arc on the other side from a failed one's.
        let arc = Arc::clear_of(a, b, -34.0, &hosts);
        let mid = arc.at(0.5);
        Some(html! {
            <g class="attempt dialing" data-client={d.client.to_string()} data-server={d.server.to_string()}>
                <path d={arc.path()} />
                <text class="why" x={mid.x.to_string()} y={(mid.y + 18.0).to_string()} text-anchor="middle">
                    { format!("connecting to :{}…", d.port) }
                </text>
            </g>
        })
    });
    let failed = view
        .failed
        .iter()
        .filter(|f| t.saturating_sub(f.at.as_micros()) <= FAILED_SHOWN_MICROS)
        .filter_map(|f| {
            let (a, b) = (pos(&f.client)?, pos(&f.server)?);
            // An arc beside the straight links (hosts in a row would hide
            // it), with the ✕ where it died: at the server's end, or on
            // the way for a SYN the link or the client's own network
            // dropped.
            let arc = Arc::clear_of(a, b, 46.0, &hosts);
            let died = match f.reason {
                ConnectFailure::Refused | ConnectFailure::NoAddress => arc.at(0.8),
                ConnectFailure::Timeout | ConnectFailure::Lost => arc.at(0.5),
            };
            let why = match f.reason {
                ConnectFailure::Refused => "refused",
                ConnectFailure::Timeout => "timed out",
                ConnectFailure::Lost => "lost",
                ConnectFailure::NoAddress => "no address",
            };
            let title = format!("{} → {}:{}: connection {why} at {}", f.client, f.server, f.port, f.at);
            Some(html! {
                <g class="attempt failed" data-client={f.client.to_string()} data-server={f.server.to_string()} data-why={why}>
                    <title>{ title }</title>
                    <path d={arc.path()} />
                    <text class="died" x={died.x.to_string()} y={(died.y + 7.0).to_string()} text-anchor="middle">{ "✕" }</text>
                    <text class="why" x={died.x.to_string()} y={(died.y - 14.0).to_string()} text-anchor="middle">
                        { format!(":{} {why}", f.port) }
                    </text>
                </g>
            })
        });
    html! { <>{ for dialing }{ for failed }</> }
}

/// The console's client, drawn below the host it is typing to while its
/// session is open, with its link.
fn console_host(props: &StageProps, pos: &dyn Fn(&str) -> Option<Point>) -> Html {
    let Some(host) = props.console.as_ref() else {
        return html! {};
    };
    let Some(to) = pos(host) else {
        return html! {};
    };
    let me = crate::layout::console_spot(to, props.layout.width, props.layout.height);
    html! {
        <g class="console-client" data-console={host.to_string()}>
            <title>{ format!("the console: you, typing SMTP to {host}") }</title>
            // From box edge to box edge.
            { {
                let (a, b) = (me.towards(to, 0.2), to.towards(me, 0.2));
                html! { <line class="console-link" x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} /> }
            } }
            <g class="host console" transform={format!("translate({},{})", me.x, me.y)}>
                <rect x="-34" y="-20" width="68" height="40" rx="8" />
                <text class="glyph" y="5" text-anchor="middle">{ "YOU" }</text>
                <text class="name" y="36" text-anchor="middle">{ "console" }</text>
            </g>
        </g>
    }
}

/// The stage point (viewBox units) under a point of the page.
fn stage_point(svg: &NodeRef, client_x: i32, client_y: i32) -> Option<Point> {
    let svg: web_sys::Element = svg.cast()?;
    let rect = svg.get_bounding_client_rect();
    let vb = svg.get_attribute("viewBox")?;
    let v: Vec<f64> = vb.split(' ').filter_map(|x| x.parse().ok()).collect();
    let (vx, vy, vw, vh) = (*v.first()?, *v.get(1)?, *v.get(2)?, *v.get(3)?);
    // preserveAspectRatio meet: one scale, the content centred.
    let scale = (rect.width() / vw).min(rect.height() / vh);
    if scale <= 0.0 {
        return None;
    }
    let ox = (rect.width() - vw * scale) / 2.0;
    let oy = (rect.height() - vh * scale) / 2.0;
    Some(Point {
        x: vx + (f64::from(client_x) - rect.left() - ox) / scale,
        y: vy + (f64::from(client_y) - rect.top() - oy) / scale,
    })
}

/// The hosts, links and packets, and the zoom buttons.
fn network(props: &StageProps, svg_ref: &NodeRef, pointer: &UseStateHandle<Option<Point>>) -> Html {
    let d = &props.dispatch;
    let Some(run) = &props.run else {
        return html! {
            <svg viewBox="0 0 1000 420" role="img" aria-label="Network stage">
                <text class="empty" x="500" y="210" text-anchor="middle">{ "Computing the run…" }</text>
            </svg>
        };
    };
    let view = &props.view;
    let layout = &props.layout;
    let pos = |h: &str| layout.positions.get(h).copied();
    let (vx, vy, vw, vh) = layout.view_box();
    let vb = format!("{vx} {vy} {vw} {vh}");
    let open = |a: &str, b: &str| {
        view.connections
            .iter()
            .find(|c| (c.client == a && c.server == b) || (c.client == b && c.server == a))
    };
    // The line whose packet is drawn under a click, if any.
    let packet_under = {
        let (svg, view, positions, presenter) = (
            svg_ref.clone(),
            props.view.clone(),
            layout.positions.clone(),
            props.presenter,
        );
        Rc::new(move |e: &MouseEvent| {
            let at = stage_point(&svg, e.client_x(), e.client_y())?;
            packet_at(&view, &positions, presenter, at)
        })
    };
    // The pairs that talked, then the links the scenario lists that have
    // not (yet): a link just drawn shows before any mail crosses it.
    let listed = props.scenario.links.iter().filter(|l| {
        !run.links.iter().any(|(a, b, _)| {
            (l.a.eq_ignore_ascii_case(a) && l.b.eq_ignore_ascii_case(b))
                || (l.a.eq_ignore_ascii_case(b) && l.b.eq_ignore_ascii_case(a))
        })
    });
    let all_links: Vec<(String, String, bool)> = run
        .links
        .iter()
        .cloned()
        .chain(listed.map(|l| (l.a.clone(), l.b.clone(), false)))
        .collect();
    let links = all_links.iter().filter_map(|(a, b, dns)| {
        let (pa, pb) = (pos(a)?, pos(b)?);
        let conn = open(a, b);
        let selected = matches!(&props.selection, Some(Selection::Link(x, y)) if (x == a && y == b) || (x == b && y == a));
        let class = classes!("link", dns.then_some("dns"), conn.map(|_| "open"), selected.then_some("selected"));
        let (a2, b2) = (a.clone(), b.clone());
        let (dc, packet_under) = (d.clone(), packet_under.clone());
        let onclick = Callback::from(move |e: MouseEvent| {
            // A click on a packet drawn over the link is the packet's.
            if packet_under(&e).is_none() {
                dc.emit(Action::Select(Some(Selection::Link(a2.clone(), b2.clone()))));
            }
        });
        let (a3, b3) = (a.clone(), b.clone());
        let dl = d.clone();
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                dl.emit(Action::Select(Some(Selection::Link(a3.clone(), b3.clone()))));
            }
        });
        let mid = pa.towards(pb, 0.5);
        let label = format!("link {a} – {b}");
        Some(html! {
            <g class={class} data-link={format!("{a} {b}")} tabindex="0" role="button" aria-label={label.clone()}
                onkeydown={onkeydown}>
                <line x1={pa.x.to_string()} y1={pa.y.to_string()} x2={pb.x.to_string()} y2={pb.y.to_string()} />
                <line class="hit" x1={pa.x.to_string()} y1={pa.y.to_string()} x2={pb.x.to_string()} y2={pb.y.to_string()}
                    onclick={onclick}><title>{ label }</title></line>
                if let Some(c) = conn {
                    // The port, at the server's end of the link.
                    { {
                        let at = pos(c.server.as_str()).map_or(mid, |ps| {
                            let other = if c.server.as_str() == a.as_str() { pb } else { pa };
                            ps.towards(other, 0.22)
                        });
                        html! {
                            <text class="port" x={at.x.to_string()} y={(at.y - 8.0).to_string()} text-anchor="middle" data-port={c.port.to_string()}>
                                { format!(":{}", c.port) }
                                <title>{ mxlab_sim::inspect::port_purpose(c.port).map_or_else(|| format!("port {}", c.port), str::to_string) }</title>
                            </text>
                        }
                    } }
                }
                if conn.is_some_and(|c| c.tls) {
                    // A padlock drawn, not an emoji (a box without an
                    // emoji font).
                    <g class="lock" transform={format!("translate({},{})", mid.x, mid.y - 16.0)}>
                        <path d="M-4 -2 v-3 a4 4 0 0 1 8 0 v3" />
                        <rect x="-6.5" y="-2" width="13" height="10" rx="2" />
                        <title>{ "TLS (STARTTLS, RFC 3207, or implicit TLS, RFC 8314)" }</title>
                    </g>
                }
            </g>
        })
    });
    let attempts = attempts(props, view, &pos);
    let hosts = props.scenario.nodes.iter().filter_map(|n| {
        let p = pos(&n.name)?;
        let down = view.hosts_down.iter().any(|h| h.eq_ignore_ascii_case(&n.name));
        let busy = view.connections.iter().any(|c| c.client == n.name.as_str() || c.server == n.name.as_str());
        let queued = view.queues.get(n.name.as_str()).map_or(0, |q| q.len());
        let stored: usize = view
            .mailboxes
            .iter()
            .filter(|(addr, _)| run.mailbox_hosts.get(addr.to_ascii_lowercase().as_str()).is_some_and(|h| *h == n.name))
            .map(|(_, m)| m.len())
            .sum();
        let selected = props.selection == Some(Selection::Host(n.name.clone()));
        let class = classes!(
            "host",
            format!("role-{}", role_glyph(n.role).to_ascii_lowercase()),
            down.then_some("down"),
            busy.then_some("busy"),
            selected.then_some("selected"),
            (props.link_from.as_deref() == Some(n.name.as_str())).then_some("link-from")
        );
        let name = n.name.clone();
        let name2 = n.name.clone();
        let onclick = d.reform(move |_| Action::Select(Some(Selection::Host(name.clone()))));
        let name3 = n.name.clone();
        let dh = d.clone();
        // Enter selects the host; with the palette's connect or MX tool,
        // it is also a press and a release on it (the keyboard's gesture).
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                dh.emit(Action::Select(Some(Selection::Host(name3.clone()))));
                dh.emit(Action::DragStart(name3.clone()));
                dh.emit(Action::Draw(DrawMsg::Release(0.0, 0.0, Some(name3.clone()))));
                dh.emit(Action::DragEnd);
            }
        });
        let onpointerdown = d.reform(move |e: PointerEvent| {
            e.stop_propagation();
            Action::DragStart(name2.clone())
        });
        let state = if down { "down" } else if busy { "busy" } else { "up" };
        // A host an MX record names says so, with its preference (a relay
        // that is a domain's backup MX is drawn as an MX).
        let mx = mxlab_sim::inspect::mx_label(&props.scenario, &n.name);
        let glyph = if mx.is_some() { "MX" } else { role_glyph(n.role) };
        let title = match &mx {
            Some(l) => format!("{} ({}, {l}): {state}, {queued} queued", n.name, role_name(n.role)),
            None => format!("{} ({}): {state}, {queued} queued", n.name, role_name(n.role)),
        };
        Some(html! {
            <g class={class} transform={format!("translate({},{})", p.x, p.y)} onclick={onclick} onpointerdown={onpointerdown}
                data-host={n.name.clone()} data-state={state} tabindex="0" role="button" aria-label={title.clone()}
                onkeydown={onkeydown}>
                <title>{ title }</title>
                <rect x="-34" y="-20" width="68" height="40" rx="8" />
                <text class="glyph" y="5" text-anchor="middle">{ glyph }</text>
                <text class="name" y="36" text-anchor="middle">{ n.name.clone() }</text>
                if let Some(l) = &mx {
                    <text class="role-label" y="54" text-anchor="middle">{ l.clone() }</text>
                }
                if down {
                    <text class="down-mark" x="30" y="-14" text-anchor="middle">{ "✕" }</text>
                }
                if queued > 0 {
                    <g class="badge queue" transform="translate(34,-20)">
                        <circle r="11" /><text y="4" text-anchor="middle">{ queued.to_string() }</text>
                        <title>{ format!("{queued} recipient(s) queued") }</title>
                    </g>
                }
                if stored > 0 {
                    <g class="badge mailbox" transform="translate(-34,-20)">
                        <circle r="11" /><text y="4" text-anchor="middle">{ stored.to_string() }</text>
                        <title>{ format!("{stored} message(s) in mailboxes") }</title>
                    </g>
                }
            </g>
        })
    });
    let svg = svg_ref.clone();
    let (follow, connecting) = (pointer.clone(), props.link_from.is_some());
    let to_stage = move |e: PointerEvent| {
        // Not the event's current target: events are delegated.
        let p = stage_point(&svg, e.client_x(), e.client_y())?;
        if connecting {
            follow.set(Some(p));
        }
        Some(Action::DragMove(p.x, p.y))
    };
    // The connection being drawn, from its host to the pointer, under the
    // hosts (and never under the pointer: the release is the host's).
    let rubber = match (props.link_from.as_deref().and_then(pos), **pointer) {
        (Some(a), Some(b)) => html! {
            <line class="rubber" pointer-events="none" x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} />
        },
        _ => html! {},
    };
    // A click near a packet shows its line (hosts keep their own clicks;
    // a link leaves a click on a packet to it).
    let (d2, under) = (d.clone(), packet_under.clone());
    let onclick = Callback::from(move |e: MouseEvent| {
        if let Some(i) = under(&e) {
            d2.emit(Action::Packet(Some(i)));
        }
    });
    // A release ends a gesture of the palette's (over a host, or at a
    // place), then the drag.
    let (svg, dr) = (svg_ref.clone(), d.clone());
    let onpointerup = Callback::from(move |e: PointerEvent| {
        use wasm_bindgen::JsCast;
        let host = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("g.host[data-host]").ok().flatten())
            .and_then(|g| g.get_attribute("data-host"));
        if let Some(p) = stage_point(&svg, e.client_x(), e.client_y()) {
            dr.emit(Action::Draw(DrawMsg::Release(p.x, p.y, host)));
        }
        dr.emit(Action::DragEnd);
    });
    let dispatch = d.clone();
    let onpointermove = Callback::from(move |e: PointerEvent| {
        if let Some(action) = to_stage(e) {
            dispatch.emit(action);
        }
    });
    html! {
        <>
            // The packets' canvas covers the drawing exactly (not the
            // caption above it), whatever height the drawing has.
            <div class="drawing">
            <svg ref={svg_ref.clone()} viewBox={vb} role="img" aria-label={format!("Network of {} hosts at {}", props.scenario.nodes.len(), props.t)}
                onclick={onclick} onpointermove={onpointermove} onpointerup={onpointerup}
                onpointerleave={d.reform(|_| Action::DragEnd)} onpointerdown={d.reform(|_| Action::PanStart)}>
                <g class="links">{ for links }{ attempts }{ rubber }</g>
                <g class="hosts">{ for hosts }</g>
                { console_host(props, &pos) }
            </svg>
            // Packets are drawn on a canvas over the stage: hundreds of
            // them move every frame.
            <Packets run={run.clone()} view={props.view.clone()} positions={layout.positions.clone()}
                view_box={layout.view_box()} presenter={props.presenter} dark={props.dark} />
            </div>
            <div class="stage-tools">
                <button aria-label="Zoom in" onclick={d.reform(|_| Action::Zoom(1.25))}>{ "+" }</button>
                <button aria-label="Zoom out" onclick={d.reform(|_| Action::Zoom(0.8))}>{ "−" }</button>
                <button aria-label="Reset the layout" onclick={d.reform(|_| Action::ResetView)}>{ "Fit" }</button>
            </div>
        </>
    }
}
