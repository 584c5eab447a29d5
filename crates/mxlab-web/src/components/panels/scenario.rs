//! The Scenario panel: import and export, the form editor, and the JSON
//! editor with its problems, then its warnings, listed beside the lines
//! they are on. The JSON
//! editor is not a controlled field: a controlled one has its whole text
//! read back from the page at every redraw, megabytes at every frame; the
//! app's text is put into it when its version changes.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::bounds::{self, ProblemList, MAX_TEXT};
use crate::components::{ByPtr, Export};
use crate::form::{self, target_value};
use crate::guard::field_length;
use crate::state::{Action, Field};

/// Properties of [`ScenarioPane`].
#[derive(Properties, PartialEq, Clone)]
pub struct ScenarioPaneProps {
    /// The scenario's JSON text, as the app holds it.
    pub json: ByPtr<str>,
    /// The text's version: the editor is filled again when it changes.
    pub json_version: u64,
    /// Whether a text over the size filled unasked may be shown.
    pub big_json_shown: bool,
    /// The form's draft.
    pub form: Rc<serde_json::Value>,
    /// The form (true) or the JSON text.
    pub form_mode: bool,
    /// The last validation's problems and warnings.
    pub problems: Rc<ProblemList>,
    /// The JSON editor's element id.
    pub json_id: AttrValue,
    /// The problem list's element id.
    pub problems_id: AttrValue,
    /// A file was chosen to import.
    pub on_file: Callback<web_sys::File>,
    /// Downloads a file.
    pub on_export: Callback<Export>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// Puts `json` into the editor `id` if it does not show `version` yet.
fn show_json(id: &str, json: &str, version: u64) {
    let Some(el) = gloo::utils::document().get_element_by_id(id) else {
        return;
    };
    let version = version.to_string();
    if el.get_attribute("data-version").as_deref() == Some(version.as_str()) {
        return;
    }
    if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(json);
        let _ = el.set_attribute("data-version", &version);
    }
}

/// Selects line `n` (1-based) of the editor `id`, and scrolls it into
/// view.
fn goto_line(id: &str, n: usize) {
    let el = gloo::utils::document().get_element_by_id(id);
    let Some(area) = el.and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok()) else {
        return;
    };
    // The text as it is now (the author may have typed since the problems
    // were listed).
    let json = area.value();
    // Offsets in UTF-16 code units, as the DOM counts them.
    let before: usize = json
        .split_inclusive('\n')
        .take(n.saturating_sub(1))
        .map(|l| l.encode_utf16().count())
        .sum();
    let len = json
        .lines()
        .nth(n.saturating_sub(1))
        .map_or(0, |l| l.encode_utf16().count());
    let (start, end) = (
        u32::try_from(before).unwrap_or(0),
        u32::try_from(before + len).unwrap_or(0),
    );
    let _ = area.focus();
    let _ = area.set_selection_range(start, end);
    let lines = json.lines().count().max(1) as f64;
    let top = f64::from(area.scroll_height()) * n.saturating_sub(1) as f64 / lines;
    area.set_scroll_top((top as i32 - area.client_height() / 3).max(0));
}

/// The Scenario panel.
#[function_component(ScenarioPane)]
pub fn scenario_pane(props: &ScenarioPaneProps) -> Html {
    {
        // Drawn for the first time (maybe just fetched): the editor is made
        // if the scenario changed while the panel was away.
        let dispatch = props.dispatch.clone();
        use_effect_with((), move |_| dispatch.emit(Action::EditorsShown));
    }
    {
        let (id, json, version) = (
            props.json_id.clone(),
            props.json.clone(),
            props.json_version,
        );
        let shown = !props.form_mode;
        use_effect(move || {
            if shown {
                show_json(&id, &json, version);
            }
        });
    }
    let d = &props.dispatch;
    let on_edit = d.reform(|e: InputEvent| {
        // Measured in the page first: a refused text is never copied in.
        let len = e.target().map_or(0, |t| field_length(&t));
        if len > MAX_TEXT {
            Action::Refused(Field::Json, len)
        } else {
            Action::EditJson(target_value(&e))
        }
    });
    let on_file = {
        let on_file = props.on_file.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                on_file.emit(file);
            }
        })
    };
    let export = |what: Export| props.on_export.reform(move |_| what);
    let problems = &props.problems;
    // A problem, or a warning (legal, probably not meant: it does not stop
    // the scenario from running), beside the line its path begins on
    // (located once, when the text was validated).
    let entry = |p: &mxlab_sim::Problem, line: Option<usize>, warning: bool| {
        let line = line.filter(|_| !props.form_mode);
        let id = props.json_id.clone();
        html! {
            <li class={if warning { "warning" } else { "problem" }}>
                if warning {
                    <span class="severity">{ "warning: " }</span>
                }
                <code class="path">{ if p.path.is_empty() { "$".to_string() } else { format!("$.{}", p.path.trim_start_matches("$.")) } }</code>
                <span class="message">{ p.message.clone() }</span>
                if let Some(n) = line {
                    <button class="goto" onclick={Callback::from(move |_| goto_line(&id, n))}>{ format!("line {n}") }</button>
                }
            </li>
        }
    };
    html! {
        <div class="scenario-panel">
            <div class="io">
                <label class="import">{ "Import a scenario file " }
                    <input type="file" accept=".json,application/json" onchange={on_file} />
                </label>
                <button onclick={export(Export::Scenario)}>{ "Export scenario" }</button>
                <button onclick={export(Export::Trace)}>{ "Export trace" }</button>
                <button onclick={export(Export::Transcripts)}>{ "Export transcripts" }</button>
            </div>
            <div class="mode" role="group" aria-label="Editor">
                <button aria-pressed={props.form_mode.to_string()} onclick={d.reform(|_| Action::FormMode(true))}>{ "Form" }</button>
                <button aria-pressed={(!props.form_mode).to_string()} onclick={d.reform(|_| Action::FormMode(false))}>{ "JSON" }</button>
            </div>
            if props.form_mode {
                { form::view(&props.form, &problems.problems(), &d.reform(Action::Form)) }
            } else if props.json.len() > bounds::EDITOR_FILLS_AT_MOST && !props.big_json_shown {
                <p class="hint big-json">
                    { format!("This scenario's JSON is {}: shown here, it would hold the page for seconds. \
                        Export the scenario to edit it in a text editor and import it again, or ",
                        mxlab_sim::budget::bytes(props.json.len() as u64)) }
                    <button class="show-json" onclick={d.reform(|_| Action::ShowBigJson)}>{ "show it here anyway" }</button>
                </p>
            } else {
            <label for={props.json_id.clone()}>{ "Scenario JSON" }</label>
            // Not kept in the page's session history (autocomplete off):
            // Chromium saves a field's whole text there a second after
            // each change, one block of work per megabyte or so.
            <textarea id={props.json_id.clone()} spellcheck="false" autocomplete="off" autocapitalize="off" oninput={on_edit}
                data-mxlab-max={MAX_TEXT.to_string()} data-mxlab-field="json"
                aria-invalid={(!problems.is_empty()).to_string()} aria-describedby={props.problems_id.clone()} />
            <button class="apply" onclick={d.reform(|_| Action::ApplyJson)}>{ "Validate and run" }</button>
            }
            <ul id={props.problems_id.clone()} class="problems" aria-live="polite">
                { for problems.listed.iter().map(|(p, line)| entry(p, *line, false)) }
                if problems.more > 0 {
                    <li class="problem more">
                        <span class="message">{ format!("and {} more (the first {} are listed)", problems.more, problems.listed.len()) }</span>
                    </li>
                }
                { for problems.warnings.iter().map(|(p, line)| entry(p, *line, true)) }
                if problems.more_warnings > 0 {
                    <li class="warning more">
                        <span class="message">{ format!("and {} more warnings (the first {} are listed)", problems.more_warnings, problems.warnings.len()) }</span>
                    </li>
                }
            </ul>
        </div>
    }
}
