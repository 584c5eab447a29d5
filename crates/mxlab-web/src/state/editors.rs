//! The Scenario panel's editors: the JSON text (validated once per text,
//! its problems and warnings located once), the form over a JSON draft, a
//! file read in, and what is refused when a text is over its limit (see
//! [`crate::bounds`]).

use std::rc::Rc;

use mxlab_sim::{Problem, Scenario, ScenarioError};

use super::{problems_of, Effect, Field, Outcome, State, Tab};
use crate::bounds::{self, ProblemList};
use crate::form::{self, FormMsg};
use crate::writer::writer;

/// How the banner about a scenario text's problems begins.
const PROBLEMS_BANNER: &str = "the scenario has";

/// Where a syntax error is, as (line, column), 1-based. The parser stops
/// where it notices the error: for a missing comma, that is the next
/// key, maybe lines further on; the comma is missing right after the
/// value before it, which is where this says the error is.
pub(crate) fn syntax_at(text: &str, line: usize, column: usize, message: &str) -> (usize, usize) {
    if !message.starts_with("expected `,`") {
        return (line, column);
    }
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = text.get(..at).unwrap_or_default().trim_end();
    if before.is_empty() {
        return (line, column);
    }
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    (before.matches('\n').count() + 1, column)
}

/// The form's draft as JSON text: in the scenario's own order of keys
/// (that of its fields) when the draft is a scenario, else as the draft
/// holds it (keys in alphabetical order), for the loader to report. (Read
/// back through the text, with the loader's own parser: a second
/// deserialiser of the whole scenario, from a value, would weigh on the
/// bundle.)
pub(crate) fn draft_text(draft: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(draft).unwrap_or_default();
    match (serde_json::from_str::<Scenario>(&text), writer()) {
        (Ok(s), Some(w)) => (w.scenario_json)(&s),
        _ => text,
    }
}

impl State {
    /// The author typed into the JSON editor (the text is there already:
    /// nothing is drawn again), unless it is over the limit.
    pub(super) fn edit_json(&mut self, text: String) -> Outcome {
        match bounds::check_text("the scenario text", text) {
            Ok(text) => {
                self.json = text.into();
                self.big_json_shown = true;
                Outcome::unchanged()
            }
            Err(e) => {
                self.error = Some(e);
                Outcome::with(Effect::RestoreField(Field::Json))
            }
        }
    }

    /// A text of `len` was refused in `field`: say why.
    pub(super) fn refused(&mut self, field: Field, len: usize) -> Outcome {
        match field {
            Field::Console => {
                if let Some(why) = bounds::console_line_too_long(len) {
                    if let Err(why) = self.console.push('!', why) {
                        self.error = Some(why);
                    }
                }
            }
            Field::Json => self.error = Some(bounds::edit_refused(len)),
        }
        Outcome::with(Effect::RestoreField(field))
    }

    /// Validates the editor's text and loads it; its problems are listed
    /// (and located in the text, once) if it is not valid.
    pub(super) fn apply_json(&mut self) {
        if let Some(e) = bounds::text_too_large("the scenario text", self.json.len()) {
            self.error = Some(e);
            return;
        }
        // Without the writer (a file dropped on the page before it is
        // here), the text is loaded all the same; its warnings are listed
        // when the Scenario panel is shown.
        let (loaded, warnings) = match writer() {
            Some(w) => (w.load)(&self.json),
            None => (Scenario::from_json(&self.json), Vec::new()),
        };
        let mut syntax_line = None;
        let problems = match loaded {
            Ok(s) => match bounds::scenario_too_large(&s) {
                None => {
                    // Keep the author's own text and formatting, and the
                    // editor as it is (not filled again); the form, if it
                    // is the one shown, is made from what was applied.
                    // Warnings do not stop it: they are listed.
                    self.load_run(Rc::new(s));
                    self.preset = "custom".into();
                    self.editors_stale = self.form_mode;
                    self.ready_editors();
                    self.problems =
                        Rc::new(ProblemList::checked(Some(&self.json), Vec::new(), warnings));
                    // The text is fixed: the banner about its problems goes.
                    if self
                        .error
                        .as_deref()
                        .is_some_and(|e| e.starts_with(PROBLEMS_BANNER))
                    {
                        self.error = None;
                    }
                    return;
                }
                Some(why) => vec![Problem::new("lesson", why)],
            },
            Err(ScenarioError::Syntax {
                line,
                column,
                problem,
            }) => {
                let (line, column) = syntax_at(&self.json, line, column, &problem.message);
                syntax_line = Some(line);
                vec![Problem {
                    path: problem.path,
                    message: format!("line {line}, column {column}: {}", problem.message),
                }]
            }
            Err(e) => problems_of(&e),
        };
        let mut problems = ProblemList::checked(Some(&self.json), problems, warnings);
        if let (Some(line), Some(first)) = (syntax_line, problems.listed.first_mut()) {
            // Where the text goes wrong, not where the parser noticed.
            first.1 = Some(line);
        }
        self.error = Some(format!(
            "{PROBLEMS_BANNER} {} problem{}: see the Scenario panel",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ));
        self.problems = Rc::new(problems);
        self.tab = Tab::Scenario;
    }

    /// A scenario file was read: its text goes into the editor, and is
    /// validated and loaded.
    pub(super) fn imported(&mut self, result: Result<String, String>) {
        match result {
            Ok(text) => match bounds::check_text("the file", text) {
                Ok(text) => {
                    self.set_json(text.into());
                    self.apply_json();
                }
                Err(e) => self.error = Some(e),
            },
            Err(e) => self.error = Some(format!("could not read the file: {e}")),
        }
    }

    /// Replaces the scenario text, and the editor's text with it.
    pub(super) fn set_json(&mut self, text: Rc<str>) {
        self.json = text;
        self.json_version += 1;
        self.big_json_shown = false;
    }

    /// Makes the scenario's JSON text, or its form, whichever the
    /// Scenario panel shows, if the scenario changed since: a large
    /// scenario's text and form take a while to make, so they are not
    /// made for a panel that is not open.
    pub(super) fn ready_editors(&mut self) {
        if !self.editors_stale || self.tab != Tab::Scenario {
            return;
        }
        // The panel is drawn once the writer is here, and asks again then
        // ([`super::Action::EditorsShown`]).
        let Some(w) = writer() else {
            return;
        };
        self.editors_stale = false;
        let text = (w.scenario_json)(&self.scenario);
        if self.form_mode {
            self.form = Rc::new(form::draft_of(&text));
        } else {
            self.set_json(text.into());
        }
        self.list_warnings();
    }

    /// Lists the loaded scenario's warnings (it has no problems), located
    /// in the JSON text when that is the editor shown.
    fn list_warnings(&mut self) {
        let text = (!self.form_mode).then_some(&*self.json);
        self.problems = Rc::new(ProblemList::checked(
            text,
            Vec::new(),
            writer()
                .map(|w| (w.warnings)(&self.scenario))
                .unwrap_or_default(),
        ));
    }

    /// The form editor changed its draft, applied it or reset it.
    pub(super) fn form(&mut self, m: FormMsg) {
        match m {
            FormMsg::Set(pointer, value) => {
                form::set_at(Rc::make_mut(&mut self.form), &pointer, value)
            }
            FormMsg::Add(pointer, value) => {
                form::push_at(Rc::make_mut(&mut self.form), &pointer, value)
            }
            FormMsg::Remove(pointer, i) => {
                form::remove_at(Rc::make_mut(&mut self.form), &pointer, i)
            }
            FormMsg::Apply => {
                self.set_json(self.form_text());
                self.apply_json();
            }
            FormMsg::Reset => {
                if let Some(w) = writer() {
                    self.form = Rc::new(form::draft_of(&(w.scenario_json)(&self.scenario)));
                    self.list_warnings();
                }
            }
        }
    }

    /// The Scenario panel shows the form (`on`) or the JSON text, each
    /// made from the other.
    pub(super) fn form_mode(&mut self, on: bool) {
        if !on {
            // The JSON text shows what the form holds.
            self.set_json(self.form_text());
        } else if let Ok(v) = serde_json::from_str(&self.json) {
            self.form = Rc::new(v);
        }
        self.form_mode = on;
    }

    /// The form's draft as JSON text.
    fn form_text(&self) -> Rc<str> {
        draft_text(&self.form).into()
    }
}
