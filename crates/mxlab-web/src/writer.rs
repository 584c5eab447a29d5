//! Writing a scenario or a run out, the editor's reading of a scenario
//! with its warnings, and the edits drawn on the stage: what the page
//! needs only once a scenario is edited, drawn, shared, exported or swept,
//! not to draw its first run. In a
//! build with parts it lives in a module of its own (the `writer` part),
//! fetched in the background after the first run and before the Scenario
//! panel, the share dialog or the Sweep panel is first drawn; the state
//! reaches it through [`writer`], and does without it until it is here.

use mxlab_sim::{Problem, Scenario, ScenarioError, Trace};

/// A scenario text as the editor reads it: the scenario (or why it does
/// not load), and its warnings.
pub type Loaded = (Result<Scenario, ScenarioError>, Vec<Problem>);

/// What the writer's module hands over.
#[derive(Clone, Copy)]
pub struct Writer {
    /// The scenario as pretty JSON, in the order of its fields.
    pub scenario_json: fn(&Scenario) -> String,
    /// The trace as JSON (its canonical form).
    pub trace_json: fn(&Trace) -> String,
    /// A scenario text read as the editor reads it: loaded (or why not),
    /// and the warnings of whatever parsed.
    pub load: fn(&str) -> Loaded,
    /// A loaded scenario's warnings.
    pub warnings: fn(&Scenario) -> Vec<Problem>,
    /// An edit drawn on the stage, applied to a scenario and validated.
    pub draw: fn(&Scenario, &crate::draw::Edit) -> Result<crate::draw::Drawn, String>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// The writer, made of mxlab-sim's own functions (what the part hands
/// over, and what a build without parts uses at once).
pub fn builtin() -> Writer {
    Writer {
        scenario_json: Scenario::to_json,
        trace_json: Trace::to_json,
        load: Scenario::from_json_with_warnings,
        warnings: Scenario::warnings,
        draw: crate::draw::apply,
    }
}

std::thread_local! {
    static WRITER: std::cell::Cell<Option<Writer>> = const { std::cell::Cell::new(None) };
}

/// Makes the writer available (its module calls this as it arrives).
pub fn install(writer: Writer) {
    WRITER.with(|w| w.set(Some(writer)));
}

/// The writer, once its module is here (in a build without parts, always).
pub fn writer() -> Option<Writer> {
    #[cfg(not(all(feature = "split", target_family = "wasm")))]
    install(builtin());
    WRITER.with(std::cell::Cell::get)
}

/// What the page says when something needs the writer before it is here.
pub const NOT_YET: &str =
    "the module that writes scenarios is still being fetched: try again in a moment";
