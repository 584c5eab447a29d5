//! The scenario form editor: hosts, DNS records, messages and faults as
//! fields, over a draft of the scenario's JSON. Every field is bound to a
//! JSON pointer, so the loader's problems (reported with their JSON path)
//! show next to the field they concern. Applying the form validates the
//! draft like any scenario text.

use mxlab_sim::Problem;
use serde_json::{json, Map, Value};
use web_sys::HtmlInputElement;
use yew::prelude::*;

mod sections;
pub use sections::view;

/// The `value` of the form control an event came from.
pub(crate) fn target_value(e: &Event) -> String {
    e.target()
        .and_then(|t| js_sys::Reflect::get(&t, &wasm_bindgen::JsValue::from_str("value")).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Gives the focus back to the page after a choice in a menu, so that the
/// shortcuts (Space, the arrows) work again rather than change the menu.
#[cfg(target_arch = "wasm32")]
pub(crate) fn release_focus(e: &Event) {
    use wasm_bindgen::JsCast;
    if let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.blur();
    }
}

/// What the form asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum FormMsg {
    /// Set (or, with `None`, remove) the value at a JSON pointer.
    Set(String, Option<Value>),
    /// Append a value to the array at a pointer (created if missing).
    Add(String, Value),
    /// Remove an element of the array at a pointer.
    Remove(String, usize),
    /// Validate the draft and run it.
    Apply,
    /// Back to the loaded scenario.
    Reset,
}

/// The form's draft of a scenario, from its JSON text
/// ([`mxlab_sim::Scenario::to_json`]): that JSON, as a value, so that one
/// serialiser serves both editors.
pub fn draft_of(scenario_json: &str) -> Value {
    serde_json::from_str(scenario_json).unwrap_or_default()
}

/// The JSON pointer of a problem's path: `$.nodes[0].role` → `/nodes/0/role`.
pub fn pointer_of(path: &str) -> String {
    let path = path.trim_start_matches('$').trim_start_matches('.');
    let mut out = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            let key = &rest[..open];
            if !key.is_empty() {
                out.push('/');
                out.push_str(key);
            }
            let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
            out.push('/');
            out.push_str(rest.get(open + 1..close).unwrap_or_default());
            rest = rest.get(close + 1..).unwrap_or_default();
        }
        if !rest.is_empty() {
            out.push('/');
            out.push_str(rest);
        }
    }
    out
}

/// Sets the value at `pointer`, creating objects on the way; `None`
/// removes it. Array indexes must exist.
pub fn set_at(root: &mut Value, pointer: &str, value: Option<Value>) {
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    let Some((last, parents)) = parts.split_last() else {
        if let Some(v) = value {
            *root = v;
        }
        return;
    };
    let mut here = root;
    for p in parents {
        here = match here {
            Value::Object(map) => map
                .entry((*p).to_string())
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => match p.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
        if here.is_null() {
            *here = Value::Object(Map::new());
        }
    }
    match (here, value) {
        (Value::Object(map), Some(v)) => {
            map.insert((*last).to_string(), v);
        }
        (Value::Object(map), None) => {
            map.remove(*last);
        }
        (Value::Array(items), Some(v)) => {
            if let Some(slot) = last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *slot = v;
            }
        }
        _ => {}
    }
}

/// Appends `value` to the array at `pointer` (made if missing).
pub fn push_at(root: &mut Value, pointer: &str, value: Value) {
    if root.pointer(pointer).is_none_or(|v| !v.is_array()) {
        set_at(root, pointer, Some(Value::Array(Vec::new())));
    }
    if let Some(Value::Array(items)) = root.pointer_mut(pointer) {
        items.push(value);
    }
}

/// Removes element `index` of the array at `pointer`.
pub fn remove_at(root: &mut Value, pointer: &str, index: usize) {
    if let Some(Value::Array(items)) = root.pointer_mut(pointer) {
        if index < items.len() {
            items.remove(index);
        }
    }
}

/// A list typed as text: items separated by commas or spaces.
pub fn list_value(text: &str) -> Option<Value> {
    let items: Vec<Value> = text
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_string()))
        .collect();
    (!items.is_empty()).then_some(Value::Array(items))
}

/// A list of objects typed as one word each (a mailbox's address, a
/// signer's `domain:selector`): an object already there for the same
/// `key` keeps its other fields (a quota, a forward, a list, a key), a new
/// one is made by `make`.
pub fn keyed_list(
    text: &str,
    existing: Option<&Value>,
    key: &str,
    make: fn(&str) -> Value,
) -> Option<Value> {
    let old = existing.and_then(Value::as_array);
    let items = list_value(text)?;
    let items = items
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(|word| {
            let new = make(word);
            let same = |o: &&Value| {
                o.get(key)
                    .and_then(Value::as_str)
                    .zip(new.get(key).and_then(Value::as_str))
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
            };
            match old.and_then(|o| o.iter().find(same)) {
                Some(Value::Object(kept)) => {
                    let mut kept = kept.clone();
                    if let Value::Object(fresh) = new {
                        kept.extend(fresh);
                    }
                    Value::Object(kept)
                }
                _ => new,
            }
        });
    Some(Value::Array(items.collect()))
}

/// A mailbox typed as its address.
fn mailbox_of(word: &str) -> Value {
    json!({"address": word})
}

/// A DKIM signer typed as `domain:selector`.
fn signer_of(word: &str) -> Value {
    let (domain, selector) = word.split_once(':').unwrap_or((word, ""));
    json!({"domain": domain, "selector": selector})
}

/// MX records typed as `10 mx1.example.org, 20 mx2.example.org` (`0 .`
/// for a null MX). A record without a number keeps the text as is, so
/// the loader reports it.
pub fn mx_value(text: &str) -> Option<Value> {
    let items: Vec<Value> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|r| {
            let mut words = r.split_whitespace();
            match (words.next().map(str::parse::<u64>), words.next()) {
                (Some(Ok(p)), Some(x)) => json!({"preference": p, "exchange": x}),
                _ => json!({"preference": r, "exchange": ""}),
            }
        })
        .collect();
    (!items.is_empty()).then_some(Value::Array(items))
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                Value::Object(o) if o.contains_key("exchange") => format!(
                    "{} {}",
                    text_of(o.get("preference")),
                    text_of(o.get("exchange"))
                ),
                Value::Object(o) if o.contains_key("address") => text_of(o.get("address")),
                Value::Object(o) if o.contains_key("selector") => {
                    format!(
                        "{}:{}",
                        text_of(o.get("domain")),
                        text_of(o.get("selector"))
                    )
                }
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// How a field is typed.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    List,
    Mailboxes,
    /// DKIM signers typed as `domain:selector`.
    Signers,
    Bool,
    Long,
    /// A list of strings that may hold spaces and commas, one per line
    /// (TXT records).
    Lines,
    Choice(&'static [&'static str]),
    /// A host of the scenario, of these roles (any, when empty).
    Host(&'static [&'static str]),
}

/// The names of the draft's hosts whose role is one of `roles` (any, when
/// empty), in order.
pub fn host_names(draft: &Value, roles: &[&str]) -> Vec<String> {
    draft
        .pointer("/nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|n| {
            roles.is_empty()
                || n.get("role")
                    .and_then(Value::as_str)
                    .is_some_and(|r| roles.contains(&r))
        })
        .filter_map(|n| n.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

struct Form<'a> {
    draft: &'a Value,
    problems: &'a [Problem],
    on: &'a Callback<FormMsg>,
}

impl Form<'_> {
    fn problems_at(&self, pointer: &str) -> Vec<String> {
        self.problems
            .iter()
            .filter(|p| {
                let at = pointer_of(&p.path);
                at == pointer || at.starts_with(&format!("{pointer}/"))
            })
            .map(|p| p.message.clone())
            .collect()
    }

    fn field(&self, label: &str, pointer: String, kind: Kind) -> Html {
        let current = self.draft.pointer(&pointer);
        let problems = self.problems_at(&pointer);
        let invalid = !problems.is_empty();
        let p = pointer.clone();
        let set = self
            .on
            .reform(move |v: Option<Value>| FormMsg::Set(p.clone(), v));
        let input = match kind {
            Kind::Bool => {
                let checked = current.and_then(Value::as_bool).unwrap_or(false);
                let set = set.clone();
                html! {
                    <input type="checkbox" checked={checked} aria-invalid={invalid.to_string()}
                        onchange={Callback::from(move |e: Event| {
                            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                            set.emit(on.then_some(Value::Bool(true)));
                        })} />
                }
            }
            Kind::Choice(options) => {
                let value = text_of(current);
                html! {
                    <select aria-invalid={invalid.to_string()} onchange={Callback::from(move |e: Event| {
                        let v = target_value(&e);
                        set.emit((!v.is_empty()).then_some(Value::String(v)));
                    })}>
                        { for options.iter().map(|o| html! { <option value={*o} selected={value == *o}>{ *o }</option> }) }
                    </select>
                }
            }
            Kind::Host(roles) => {
                let value = text_of(current);
                let names = host_names(self.draft, roles);
                // A name that is no host stays shown, for its problem.
                let stray = (!value.is_empty() && !names.contains(&value)).then(|| value.clone());
                html! {
                    <select aria-invalid={invalid.to_string()} onchange={Callback::from(move |e: Event| {
                        let v = target_value(&e);
                        set.emit((!v.is_empty()).then_some(Value::String(v)));
                    })}>
                        <option value="" selected={value.is_empty()}>{ "(none)" }</option>
                        if let Some(s) = stray {
                            <option value={s.clone()} selected=true>{ format!("{s} (no such host)") }</option>
                        }
                        { for names.iter().map(|n| html! { <option value={n.clone()} selected={value == *n}>{ n.clone() }</option> }) }
                    </select>
                }
            }
            Kind::Lines => {
                let text = current
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default();
                html! {
                    <textarea rows="2" value={text} aria-invalid={invalid.to_string()} spellcheck="false"
                        data-mxlab-max={crate::bounds::MAX_TEXT.to_string()} data-mxlab-field="form"
                        onchange={Callback::from(move |e: Event| {
                            let items: Vec<Value> = target_value(&e).lines().map(str::trim)
                                .filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect();
                            set.emit((!items.is_empty()).then_some(Value::Array(items)));
                        })} />
                }
            }
            Kind::Long => html! {
                <textarea rows="2" value={text_of(current)} aria-invalid={invalid.to_string()}
                    data-mxlab-max={crate::bounds::MAX_TEXT.to_string()} data-mxlab-field="form"
                    onchange={Callback::from(move |e: Event| {
                        let v = target_value(&e);
                        set.emit(Some(Value::String(v.replace("\r\n", "\n").replace('\n', "\r\n"))));
                    })} />
            },
            _ => {
                let ty = if kind == Kind::Number {
                    "number"
                } else {
                    "text"
                };
                let existing = current.cloned();
                html! {
                    <input type={ty} value={text_of(current)} aria-invalid={invalid.to_string()} spellcheck="false"
                        data-mxlab-max={crate::bounds::MAX_TEXT.to_string()} data-mxlab-field="form"
                        onchange={Callback::from(move |e: Event| {
                            let v = target_value(&e);
                            let t = v.trim();
                            set.emit(match kind {
                                _ if t.is_empty() => None,
                                Kind::Number => Some(t.parse::<u64>().map_or(Value::String(t.into()), Value::from)),
                                Kind::List => list_value(t),
                                Kind::Mailboxes => keyed_list(t, existing.as_ref(), "address", mailbox_of),
                                Kind::Signers => keyed_list(t, existing.as_ref(), "domain", signer_of),
                                _ => Some(Value::String(t.into())),
                            });
                        })} />
                }
            }
        };
        html! {
            <label class={classes!("field", invalid.then_some("invalid"))} data-pointer={pointer}>
                <span class="label">{ label.to_string() }</span>
                { input }
                { for problems.iter().map(|m| html! { <span class="problem">{ m.clone() }</span> }) }
            </label>
        }
    }

    fn rows(
        &self,
        title: &str,
        pointer: &str,
        add_label: &str,
        template: Value,
        row: impl Fn(&str, usize) -> Html,
    ) -> Html {
        let n = self
            .draft
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        // A scenario of thousands of messages stays editable: the form
        // shows the first rows, the JSON view has them all.
        let shown = n.min(MAX_ROWS);
        let (p, t) = (pointer.to_string(), template);
        let add = self
            .on
            .reform(move |_: MouseEvent| FormMsg::Add(p.clone(), t.clone()));
        html! {
            <fieldset class="rows">
                <legend>{ title.to_string() }</legend>
                { for (0..shown).map(|i| {
                    let p = pointer.to_string();
                    let remove = self.on.reform(move |_: MouseEvent| FormMsg::Remove(p.clone(), i));
                    html! {
                        <div class="row">
                            { row(&format!("{pointer}/{i}"), i) }
                            <button type="button" class="remove" aria-label={format!("Remove {} {}", title.to_lowercase(), i + 1)} onclick={remove}>{ "Remove" }</button>
                        </div>
                    }
                }) }
                if n > shown {
                    <p class="hint more">{ format!("… and {} more: edit them in the JSON view.", n - shown) }</p>
                }
                { for self.problems_at(pointer).into_iter().filter(|_| n == 0).map(|m| html! { <span class="problem">{ m }</span> }) }
                <button type="button" class="add" onclick={add}>{ add_label.to_string() }</button>
            </fieldset>
        }
    }
}

/// Rows of one list the form shows; the JSON view has every one.
pub const MAX_ROWS: usize = 50;

#[cfg(test)]
mod tests;
