//! A scenario's warnings in the Scenario panel: listed after its problems,
//! never stopping it from running.

use super::*;

/// The open scenario's text with its backup MX naming a host that is not
/// in the network (mx-fallback: `mx2.example.org` becomes `mx9…`).
fn with_a_stray_mx(s: &State) -> String {
    let text = s.json.replace(
        "\"exchange\": \"mx2.example.org\"",
        "\"exchange\": \"mx9.example.org\"",
    );
    assert_ne!(text, *s.json);
    text
}

#[test]
fn applying_a_scenario_with_a_warning_runs_it_and_lists_the_warning() {
    let mut s = ready("mx-fallback");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::FormMode(false));
    assert_eq!(s.problems.warning_count(), 0, "no preset warns");
    let text = with_a_stray_mx(&s);
    let _ = s.reduce(Action::EditJson(text));
    let _ = s.reduce(Action::ApplyJson);
    assert_eq!(s.preset, "custom", "the scenario is loaded");
    assert!(s.computing(), "and run");
    assert!(s.error.is_none(), "{:?}", s.error);
    assert!(s.problems.is_empty());
    assert_eq!(s.problems.warning_count(), 1);
    let (w, line) = &s.problems.warnings[0];
    assert_eq!(w.path, "dns.domains[0].mx[1].exchange");
    assert!(w.message.contains("mx9.example.org"), "{}", w.message);
    let line = line.expect("located in the text");
    let on_line = s.json.lines().nth(line - 1).unwrap_or_default();
    assert!(
        on_line.contains("mx9.example.org"),
        "line {line}: {on_line}"
    );
    settle(&mut s);
    assert_eq!(s.problems.warning_count(), 1, "the run keeps them listed");

    // Opening the Scenario panel again after another tab keeps them too.
    let _ = s.reduce(Action::Tab(Tab::Transcript));
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    assert_eq!(s.problems.warning_count(), 1);
}

#[test]
fn warnings_are_listed_after_the_problems_of_an_invalid_text() {
    let mut s = ready("mx-fallback");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::FormMode(false));
    let text = with_a_stray_mx(&s).replace("\"horizon_secs\": 14400", "\"horizon_secs\": 0");
    let _ = s.reduce(Action::EditJson(text));
    let _ = s.reduce(Action::ApplyJson);
    assert_eq!(s.problems.listed[0].0.path, "horizon_secs");
    assert_eq!(s.problems.warning_count(), 1);
    let error = s.error.clone().unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "the scenario has {} problems: see the Scenario panel",
            s.problems.len()
        ),
        "warnings are not counted as problems"
    );
}

#[test]
fn the_form_lists_the_loaded_scenarios_warnings_without_marking_its_fields() {
    let mut s = ready("mx-fallback");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::FormMode(false));
    let text = with_a_stray_mx(&s);
    let _ = s.reduce(Action::EditJson(text));
    let _ = s.reduce(Action::FormMode(true));
    let _ = s.reduce(Action::Form(FormMsg::Apply));
    assert_eq!(s.preset, "custom");
    assert_eq!(s.problems.warning_count(), 1);
    assert!(s.problems.problems().is_empty(), "no field is marked");
    let _ = s.reduce(Action::Form(FormMsg::Reset));
    assert_eq!(
        s.problems.warning_count(),
        1,
        "the applied scenario still warns"
    );
}
