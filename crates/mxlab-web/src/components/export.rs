//! Downloads: the scenario, the trace, the transcripts and the sweep's
//! results, made when asked for (a long run's trace is large), as files.

use super::panels::{transcripts_text, ConsoleLines};
use crate::state::State;

/// What can be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The scenario, as JSON.
    Scenario,
    /// The run's trace, as JSON.
    Trace,
    /// Every session's C:/S: transcript, as text.
    Transcripts,
    /// The sweep's runs, one CSV row each (as `mxlab sweep --csv`).
    SweepCsv,
    /// The sweep's distributions, as JSON (as `mxlab sweep --json`).
    SweepJson,
}

/// Downloads `contents` as a file named `name`.
pub fn download(name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let blob = gloo::file::Blob::new_with_options(contents, Some(mime));
    let url = gloo::file::ObjectUrl::from(blob);
    let document = gloo::utils::document();
    let a = document
        .create_element("a")
        .map_err(|_| "cannot create a link".to_string())?;
    a.set_attribute("href", &url)
        .map_err(|_| "cannot set the link".to_string())?;
    a.set_attribute("download", name)
        .map_err(|_| "cannot name the file".to_string())?;
    if let Some(a) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
        a.click();
    }
    Ok(())
}

/// Downloads `what` as the state holds it (with the console's session,
/// for the transcripts).
pub fn export(state: &State, what: Export, console: Option<&ConsoleLines>) -> Result<(), String> {
    let run = state.run.as_ref();
    // The buttons are in parts drawn once the writer is here.
    let writer = crate::writer::writer().ok_or(crate::writer::NOT_YET)?;
    let (name, mime, contents) = match what {
        Export::Scenario => (
            "scenario.json",
            "application/json",
            (writer.scenario_json)(&state.scenario),
        ),
        Export::Trace => (
            "trace.json",
            "application/json",
            run.map(|r| (writer.trace_json)(r.index.trace()))
                .unwrap_or_default(),
        ),
        Export::Transcripts => (
            "transcripts.txt",
            "text/plain",
            run.map(|r| transcripts_text(r, console))
                .unwrap_or_default(),
        ),
        Export::SweepCsv | Export::SweepJson => {
            let Some(result) = &state.sweep.result else {
                return Err("no sweep has run yet".to_owned());
            };
            if what == Export::SweepCsv {
                ("sweep.csv", "text/csv", result.csv())
            } else {
                ("sweep.json", "application/json", result.json())
            }
        }
    };
    download(name, mime, &contents)
}
