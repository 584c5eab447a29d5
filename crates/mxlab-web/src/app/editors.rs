//! The app's text editors: the scenario's JSON editor (validated once per
//! text, its problems located once) and the console (one line at a time,
//! its log bounded), with what is refused when a text is over their
//! limits (see [`crate::bounds`] and [`crate::guard`]).

use std::rc::Rc;

use mxlab_sim::scenario::Role;
use mxlab_sim::{Problem, Scenario};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{problems_of, App, Export, Msg, Tab};
use crate::bounds::{self, ProblemList, MAX_CONSOLE_LINE, MAX_TEXT};
use crate::form::{self, target_value};
use crate::guard::field_length;

impl App {
    /// Validates the editor's text and loads it; its problems are listed
    /// (and located in the text, once) if it is not valid.
    pub(super) fn apply_json(&mut self, ctx: &Context<Self>) {
        if let Some(e) = bounds::text_too_large("the scenario text", self.json.len()) {
            self.error = Some(e);
            return;
        }
        let problems = match Scenario::from_json(&self.json) {
            Ok(s) => match bounds::scenario_too_large(&s) {
                None => {
                    // Keep the author's own text and formatting, and the
                    // editor as it is (not filled again); the form, if it
                    // is the one shown, is made from what was applied.
                    self.preset = "custom".into();
                    self.load_run(ctx, Rc::new(s));
                    self.editors_stale = self.form_mode;
                    self.ready_editors();
                    return;
                }
                Some(why) => vec![Problem::new("lesson", why)],
            },
            Err(e) => problems_of(&e),
        };
        self.problems = ProblemList::new(&self.json, problems);
        self.error = Some(format!(
            "the scenario has {} problem{}: see the Scenario panel",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        ));
        self.tab = Tab::Scenario;
    }

    /// Replaces the scenario text, and the editor's text with it.
    pub(super) fn set_json(&mut self, text: AttrValue) {
        self.json = text;
        self.json_version += 1;
        self.big_json_shown = false;
    }

    /// Puts the app's scenario text into the JSON editor if the editor
    /// does not show that version yet. The editor is not a controlled
    /// field: a controlled one has its whole text read back from the page
    /// at every redraw, megabytes at every frame.
    pub(super) fn show_json(&self) {
        let id = self.opts.id("scenario-json");
        let Some(el) = gloo::utils::document().get_element_by_id(&id) else {
            return;
        };
        let version = self.json_version.to_string();
        if el.get_attribute("data-version").as_deref() == Some(version.as_str()) {
            return;
        }
        if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
            area.set_value(&self.json);
            let _ = el.set_attribute("data-version", &version);
        }
    }

    /// Puts a bounded field back as the app holds it, should a refused
    /// text have reached it.
    pub(super) fn restore_field(&self, field: &str) {
        let (id, max, value) = match field {
            "json" => (
                self.opts.id("scenario-json"),
                MAX_TEXT,
                self.json.to_string(),
            ),
            "console" => (
                self.opts.id("console-input"),
                MAX_CONSOLE_LINE,
                self.console_input.clone(),
            ),
            _ => return,
        };
        let Some(el) = gloo::utils::document().get_element_by_id(&id) else {
            return;
        };
        if field_length(&el) <= max {
            return;
        }
        if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
            area.set_value(&value);
        } else if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
            input.set_value(&value);
        }
    }

    pub(super) fn view_console(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_host = link.callback(|e: Event| Msg::ConsoleHost(target_value(&e)));
        let on_input = link.callback(|e: InputEvent| {
            // Measured in the page first: a refused line is never copied in.
            let len = e.target().map_or(0, |t| field_length(&t));
            if len > MAX_CONSOLE_LINE {
                Msg::Refused("console".into(), len)
            } else {
                Msg::ConsoleInput(target_value(&e))
            }
        });
        let on_submit = link.callback(|e: SubmitEvent| {
            e.prevent_default();
            Msg::ConsoleSend
        });
        let connected = self
            .console
            .as_ref()
            .is_some_and(|c| c.console.as_ref().is_some_and(|c| !c.is_closed()));
        html! {
            <div class="console-panel">
                <div class="console-bar">
                    <label>{ "Host " }
                        <select aria-label="Console host" onchange={on_host}>
                            { for self.scenario.nodes.iter().filter(|n| n.role != Role::Resolver).map(|n| html! {
                                <option value={n.name.clone()} selected={n.name == self.console_host}>{ n.name.clone() }</option>
                            }) }
                        </select>
                    </label>
                    <button onclick={link.callback(|_| Msg::ConsoleOpen)}>{ if connected { "Reconnect" } else { "Connect" } }</button>
                    <span class="hint">{ "Type SMTP as with nc host 25: the host's own server session answers, and mail it accepts travels on through the network." }</span>
                </div>
                <ol class="console-log transcript" role="log" aria-live="polite" aria-label="Console">
                    if let Some(n) = self.console.as_ref().map(|c| c.lines.dropped()).filter(|n| *n > 0) {
                        <li class="note"><span class="who"></span><span class="line">{ format!("({n} earlier lines not kept)") }</span></li>
                    }
                    { for self.console.iter().flat_map(|c| c.lines.lines()).map(|(who, text)| {
                        let class = match who { 'C' => "client", 'S' => "server", '!' => "problem", _ => "note" };
                        html! {
                            <li class={class}>
                                <span class="who">{ if *who == 'C' || *who == 'S' { format!("{who}:") } else { String::new() } }</span>
                                <span class="line">{ text.clone() }</span>
                            </li>
                        }
                    }) }
                </ol>
                <form class="console-input" onsubmit={on_submit}>
                    <input type="text" id={self.opts.id("console-input")} data-mxlab-max={MAX_CONSOLE_LINE.to_string()} data-mxlab-field="console"
                        aria-label="SMTP line" placeholder={if connected { "HELO student.example" } else { "press Connect first" }}
                        value={self.console_input.clone()} oninput={on_input} disabled={!connected} autocomplete="off" spellcheck="false" />
                    <button type="submit" disabled={!connected}>{ "Send" }</button>
                </form>
            </div>
        }
    }

    pub(super) fn view_scenario(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_edit = link.callback(|e: InputEvent| {
            // Measured in the page first: a refused text is never copied in.
            let len = e.target().map_or(0, |t| field_length(&t));
            if len > MAX_TEXT {
                Msg::Refused("json".into(), len)
            } else {
                Msg::EditJson(target_value(&e))
            }
        });
        let on_file = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            input.files().and_then(|f| f.get(0)).map(Msg::ReadFile)
        });
        html! {
            <div class="scenario-panel">
                <div class="io">
                    <label class="import">{ "Import a scenario file " }
                        <input type="file" accept=".json,application/json" onchange={on_file} />
                    </label>
                    <button onclick={link.callback(|_| Msg::Export(Export::Scenario))}>{ "Export scenario" }</button>
                    <button onclick={link.callback(|_| Msg::Export(Export::Trace))}>{ "Export trace" }</button>
                    <button onclick={link.callback(|_| Msg::Export(Export::Transcripts))}>{ "Export transcripts" }</button>
                </div>
                <div class="mode" role="group" aria-label="Editor">
                    <button aria-pressed={self.form_mode.to_string()} onclick={link.callback(|_| Msg::FormMode(true))}>{ "Form" }</button>
                    <button aria-pressed={(!self.form_mode).to_string()} onclick={link.callback(|_| Msg::FormMode(false))}>{ "JSON" }</button>
                </div>
                if self.form_mode {
                    { form::view(&self.form, &self.problems.problems(), &link.callback(Msg::Form)) }
                } else if self.json.len() > bounds::EDITOR_FILLS_AT_MOST && !self.big_json_shown {
                    <p class="hint big-json">
                        { format!("This scenario's JSON is {}: shown here, it would hold the page for seconds. \
                            Export the scenario to edit it in a text editor and import it again, or ",
                            mxlab_sim::budget::bytes(self.json.len() as u64)) }
                        <button class="show-json" onclick={link.callback(|_| Msg::ShowBigJson)}>{ "show it here anyway" }</button>
                    </p>
                } else {
                <label for={self.opts.id("scenario-json")}>{ "Scenario JSON" }</label>
                <textarea id={self.opts.id("scenario-json")} spellcheck="false" oninput={on_edit}
                    data-mxlab-max={MAX_TEXT.to_string()} data-mxlab-field="json"
                    aria-invalid={(!self.problems.is_empty()).to_string()} aria-describedby={self.opts.id("scenario-problems")} />
                <button class="apply" onclick={link.callback(|_| Msg::ApplyJson)}>{ "Validate and run" }</button>
                }
                <ul id={self.opts.id("scenario-problems")} class="problems" aria-live="polite">
                    { for self.problems.listed.iter().map(|(p, line)| {
                        // Beside its text: the line the path begins on
                        // (located once, when the text was validated).
                        let line = line.filter(|_| !self.form_mode);
                        html! {
                            <li class="problem">
                                <code class="path">{ if p.path.is_empty() { "$".to_string() } else { format!("$.{}", p.path.trim_start_matches("$.")) } }</code>
                                <span class="message">{ p.message.clone() }</span>
                                if let Some(n) = line {
                                    <button class="goto" onclick={link.callback(move |_| Msg::GotoLine(n))}>{ format!("line {n}") }</button>
                                }
                            </li>
                        }
                    }) }
                    if self.problems.more > 0 {
                        <li class="problem more">
                            <span class="message">{ format!("and {} more (the first {} are listed)", self.problems.more, self.problems.listed.len()) }</span>
                        </li>
                    }
                </ul>
            </div>
        }
    }
}
