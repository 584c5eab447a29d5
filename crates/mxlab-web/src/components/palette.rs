//! The palette over the drawing: a role to place (click it, then a place
//! on the drawing, or drag it there; from the keyboard, Enter adds it
//! where the layout puts it), the connect tool (from the keyboard: Enter
//! on one host, then on the other), the domains to
//! drop on a host as its MX, undo and redo, a new network; below it, the
//! numbers of the link selected (latency, jitter, loss) and the MX records
//! of the host selected (preference, remove). Every change is a
//! [`DrawMsg`] for the state.

use mxlab_sim::scenario::Role;
use mxlab_sim::Scenario;
use yew::prelude::*;

use super::{role_glyph, role_name, ByPtr};
use crate::draw::{self, Edit};
use crate::form::target_value;
use crate::state::{Action, DrawMsg, Selection, Tool};

/// Properties of [`Palette`].
#[derive(Properties, PartialEq)]
pub struct PaletteProps {
    /// The scenario drawn.
    pub scenario: ByPtr<Scenario>,
    /// The tool in use.
    pub tool: Tool,
    /// The host a connection starts from.
    pub from: Option<AttrValue>,
    /// The host or link selected.
    pub selection: Option<Selection>,
    /// The MX record selected: (domain, host).
    pub record: Option<(AttrValue, AttrValue)>,
    /// What the last gesture did, or why it could not.
    pub note: Option<AttrValue>,
    /// Whether there is something to undo.
    pub can_undo: bool,
    /// Whether there is something to redo.
    pub can_redo: bool,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

const ROLES: [Role; 5] = [
    Role::Mua,
    Role::Submission,
    Role::Relay,
    Role::Mx,
    Role::Resolver,
];

/// What the tool in use asks for next.
fn hint(tool: &Tool, from: Option<&str>) -> Option<String> {
    match (tool, from) {
        (Tool::Pointer, _) => None,
        (Tool::Place(r), _) => Some(format!(
            "Click a place on the drawing for the new {} (Esc to cancel).",
            role_name(*r)
        )),
        (Tool::Connect, None) => {
            Some("Press a host, release on another (or click one, then the other).".into())
        }
        (Tool::Connect, Some(a)) => Some(format!("From {a}: click the host to connect it to.")),
        (Tool::Mx(d), _) => Some(format!(
            "Release on (or click) the host to make it an MX of {d}."
        )),
    }
}

/// A number typed in a field, if it is one.
fn number<T: std::str::FromStr>(e: &Event) -> Option<T> {
    target_value(e).trim().parse().ok()
}

/// The palette.
#[function_component(Palette)]
pub fn palette(props: &PaletteProps) -> Html {
    let d = &props.dispatch;
    let tool = |t: Tool| d.reform(move |_| Action::Draw(DrawMsg::Tool(t.clone())));
    let tool_down = |t: Tool| {
        d.reform(move |e: PointerEvent| {
            // A drag starts here and ends on the drawing.
            e.prevent_default();
            Action::Draw(DrawMsg::Tool(t.clone()))
        })
    };
    // From the keyboard, Enter adds the host where the layout puts it (a
    // click would only pick the role: there is no pointer). Space stays
    // play and pause, as on every button.
    let add = |role: Role| {
        let d = d.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                d.emit(Action::Draw(DrawMsg::Add(role)));
            }
        })
    };
    let roles = ROLES.iter().map(|r| {
        let t = Tool::Place(*r);
        let pressed = props.tool == t;
        html! {
            <button type="button" class={classes!("role", format!("role-{}", role_glyph(*r).to_ascii_lowercase()))}
                aria-pressed={pressed.to_string()} data-role={format!("{r:?}").to_ascii_lowercase()}
                title={format!("Add a {}: click here, then on the drawing (or drag it there)", role_name(*r))}
                onpointerdown={tool_down(t.clone())} onclick={tool(t)} onkeydown={add(*r)}>
                <span class="glyph">{ role_glyph(*r) }</span>
                <span class="label">{ role_name(*r) }</span>
            </button>
        }
    });
    let connecting = props.tool == Tool::Connect;
    let domains = draw::domains(&props.scenario).into_iter().map(|dom| {
        let t = Tool::Mx(dom.clone());
        let pressed = props.tool == t;
        html! {
            <button type="button" class="domain" aria-pressed={pressed.to_string()} data-domain={dom.clone()}
                title={format!("Drag onto a host (or click here, then on the host) to make it an MX of {dom}")}
                onpointerdown={tool_down(t.clone())} onclick={tool(t)}>
                { format!("@{dom}") }
            </button>
        }
    });
    let on_domain = d.reform(|e: Event| {
        let v = target_value(&e).trim().trim_start_matches('@').to_string();
        Action::Draw(DrawMsg::Tool(if v.is_empty() {
            Tool::Pointer
        } else {
            Tool::Mx(v)
        }))
    });
    let hint = hint(&props.tool, props.from.as_deref());
    html! {
        <div class="palette" role="toolbar" aria-label="Draw the network">
            <div class="tools">
                <button type="button" class="pointer" aria-pressed={(props.tool == Tool::Pointer).to_string()}
                    title="Select and move (Esc)" onclick={tool(Tool::Pointer)}>{ "Select" }</button>
                { for roles }
                <button type="button" class="connect" aria-pressed={connecting.to_string()}
                    title="Connect two hosts: press one, release on the other" onclick={tool(Tool::Connect)}>{ "Connect" }</button>
                <span class="domains" aria-label="Domains: drop one on a host to make it their MX">
                    <span class="sep">{ "MX:" }</span>
                    { for domains }
                    <input type="text" class="new-domain" placeholder="domain…" aria-label="Another domain to give an MX"
                        size="10" spellcheck="false" onchange={on_domain} />
                </span>
                <span class="history">
                    <button type="button" class="undo" disabled={!props.can_undo} title="Undo (Ctrl+Z)"
                        onclick={d.reform(|_| Action::Undo)}>{ "Undo" }</button>
                    <button type="button" class="redo" disabled={!props.can_redo} title="Redo (Ctrl+Shift+Z)"
                        onclick={d.reform(|_| Action::Redo)}>{ "Redo" }</button>
                    <button type="button" class="new" title="Start a network with no hosts"
                        onclick={d.reform(|_| Action::Draw(DrawMsg::New))}>{ "New" }</button>
                </span>
            </div>
            { inspector(props) }
            if let Some(h) = hint.or_else(|| props.note.as_ref().map(|n| n.to_string())) {
                <p class="draw-note" role="status">{ h }</p>
            }
        </div>
    }
}

/// The numbers of the link selected, or the MX records of the host
/// selected, editable; and how to delete it.
fn inspector(props: &PaletteProps) -> Html {
    let d = &props.dispatch;
    let s = &props.scenario;
    let delete = d.reform(|_| Action::Draw(DrawMsg::Delete));
    match &props.selection {
        Some(Selection::Link(a, b)) => {
            let (lat, jit, loss) = draw::link_of(s, a, b).map_or(
                (
                    s.default_link.latency_ms,
                    s.default_link.jitter_ms,
                    s.default_link.loss,
                ),
                |l| (l.latency_ms, l.jitter_ms, l.loss),
            );
            let set = |which: u8| {
                let (a, b) = (a.clone(), b.clone());
                d.reform(move |e: Event| {
                    // Not a number: the validator says what is expected.
                    let (mut l, mut j, mut x) = (lat, jit, loss);
                    match which {
                        0 => l = number(&e).unwrap_or(u64::MAX),
                        1 => j = number(&e).unwrap_or(u64::MAX),
                        _ => x = number(&e).unwrap_or(f64::NAN),
                    }
                    Action::Draw(DrawMsg::Edit(Edit::SetLink(a.clone(), b.clone(), l, j, x)))
                })
            };
            html! {
                <div class="draw-edit link" data-link={format!("{a} {b}")}>
                    <span class="what">{ format!("Link {a} – {b}") }</span>
                    <label>{ "latency " }<input type="number" class="latency" min="0" value={lat.to_string()} onchange={set(0)} />{ " ms" }</label>
                    <label>{ "jitter " }<input type="number" class="jitter" min="0" value={jit.to_string()} onchange={set(1)} />{ " ms" }</label>
                    <label>{ "loss " }<input type="number" class="loss" min="0" max="1" step="0.05" value={loss.to_string()} onchange={set(2)} /></label>
                    <button type="button" class="delete" onclick={delete}>{ "Delete link" }</button>
                </div>
            }
        }
        Some(Selection::Host(h)) => {
            let role = s.nodes.iter().find(|n| n.name == *h).map(|n| n.role);
            let records = draw::mx_of(s, h).into_iter().map(|(dom, pref)| {
                let (d1, h1) = (dom.clone(), h.clone());
                // Not a number: the validator says what is expected.
                let on_pref = d.reform(move |e: Event| {
                    let p = number::<u64>(&e).unwrap_or(u64::MAX);
                    Action::Draw(DrawMsg::Edit(Edit::SetPreference(d1.clone(), h1.clone(), p)))
                });
                let (d2, h2) = (dom.clone(), h.clone());
                let remove = d.reform(move |_| Action::Draw(DrawMsg::Edit(Edit::RemoveMx(d2.clone(), h2.clone()))));
                let (d3, h3) = (dom.clone(), h.clone());
                let selected = props
                    .record
                    .as_ref()
                    .is_some_and(|(x, y)| x.as_str() == dom && y.as_str() == h.as_str());
                let pick = d.reform(move |_| Action::Draw(DrawMsg::Record(Some((d3.clone(), h3.clone())))));
                html! {
                    <span class={classes!("record", selected.then_some("selected"))} data-domain={dom.clone()}>
                        <button type="button" class="pick" aria-pressed={selected.to_string()} onclick={pick}
                            title="Select this record (Delete removes it)">{ format!("MX of {dom}") }</button>
                        <label>{ "preference " }<input type="number" class="preference" min="0" max="65535" value={pref.to_string()} onchange={on_pref} /></label>
                        <button type="button" class="remove" aria-label={format!("Remove the MX record of {dom}")} onclick={remove}>{ "✕" }</button>
                    </span>
                }
            });
            html! {
                <div class="draw-edit host" data-host={h.clone()}>
                    <span class="what">{ format!("{h} ({})", role.map_or("?", role_name)) }</span>
                    { for records }
                    <button type="button" class="delete" onclick={delete}>{ "Delete host" }</button>
                </div>
            }
        }
        None => html! {},
    }
}
