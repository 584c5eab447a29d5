//! The JSON text the app writes keeps the scenario's order of keys; a
//! syntax error is reported where the text goes wrong; the banner goes
//! once the text is fixed.

use super::*;
use crate::state::editors::{draft_text, syntax_at};

#[test]
fn the_form_writes_json_in_the_scenarios_own_order() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    assert!(s.form_mode);
    let _ = s.reduce(Action::FormMode(false));
    let at = |k: &str| s.json.find(&format!("\"{k}\"")).unwrap();
    assert!(at("name") < at("lesson"));
    assert!(at("horizon_secs") < at("nodes"));
    assert!(
        at("nodes") < at("default_link"),
        "not sorted: default_link after nodes"
    );
    assert!(s.json.trim_start().starts_with("{\n  \"name\""));
    assert_eq!(Scenario::from_json(&s.json).unwrap(), *s.scenario);
    // A draft that is no scenario is written as it is, for the loader.
    let odd = serde_json::json!({"nodes": "x", "horizon_secs": 1});
    assert!(draft_text(&odd).contains("\"nodes\": \"x\""));
}

#[test]
fn a_missing_comma_is_reported_after_the_value_before_it() {
    let text = "{\n  \"name\": \"x\"\n\n  \"seed\": 1\n}";
    let e = Scenario::from_json(text).unwrap_err();
    let ScenarioError::Syntax {
        line,
        column,
        problem,
    } = e
    else {
        panic!("a syntax error");
    };
    assert_eq!(line, 4, "the parser notices it at the next key");
    assert_eq!(syntax_at(text, line, column, &problem.message), (2, 14));
    // Other syntax errors are where the parser says.
    assert_eq!(syntax_at(text, 3, 5, "trailing comma"), (3, 5));
    // Never out of the text, whatever the position.
    assert_eq!(syntax_at("", 9, 9, "expected `,` or `}`"), (9, 9));
    assert_eq!(syntax_at("é\n", 1, 2, "expected `,` or `}`").0, 1);

    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::FormMode(false));
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let good = s.json.to_string();
    let broken = good.replacen("\"seed\": 1,", "\"seed\": 1", 1);
    assert_ne!(broken, good);
    let _ = s.reduce(Action::EditJson(broken.clone()));
    let _ = s.reduce(Action::ApplyJson);
    let seed_line = broken.lines().position(|l| l.contains("\"seed\"")).unwrap() + 1;
    let (p, line) = &s.problems.listed[0];
    assert_eq!(*line, Some(seed_line), "{p:?}");
    assert!(
        p.message.starts_with(&format!("line {seed_line}, column ")),
        "{p:?}"
    );
    assert!(s.error.is_some());
    // Fixed and applied: the banner and the problems go.
    let _ = s.reduce(Action::EditJson(good));
    let _ = s.reduce(Action::ApplyJson);
    assert_eq!(s.error, None);
    assert!(s.problems.is_empty());
}

#[test]
fn a_banner_about_something_else_stays_when_the_text_is_applied() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::FormMode(false));
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::Error("could not read the file".into()));
    let _ = s.reduce(Action::ApplyJson);
    assert_eq!(s.error.as_deref(), Some("could not read the file"));
}

#[test]
fn the_editor_is_made_when_the_panel_is_drawn_if_the_scenario_changed_since() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Tab(Tab::Scenario));
    let _ = s.reduce(Action::FormMode(false));
    // The author's own text is kept: the scenario did not change.
    let _ = s.reduce(Action::EditJson("{ \"name\": \"draft\" ".into()));
    let _ = s.reduce(Action::EditorsShown);
    assert_eq!(&*s.json, "{ \"name\": \"draft\" ");
    // Another scenario loaded while the panel is away; the tab is back
    // before the panel could be drawn (its module on its way): drawn, it
    // shows the scenario loaded.
    let _ = s.reduce(Action::Tab(Tab::Events));
    let _ = s.reduce(Action::Preset("mx-fallback".into()));
    assert!(s.editors_stale);
    s.tab = Tab::Scenario;
    let _ = s.reduce(Action::EditorsShown);
    assert!(!s.editors_stale);
    assert_eq!(
        Scenario::from_json(&s.json).ok().as_ref(),
        Some(&*s.scenario)
    );
}
