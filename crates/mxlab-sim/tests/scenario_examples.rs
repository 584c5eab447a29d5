//! The example scenarios load cleanly, and the committed JSON Schema is the
//! one the scenario types generate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::fs;
use std::path::PathBuf;

use mxlab_sim::Scenario;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir(dir().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_example_scenario_loads_cleanly() {
    let all = examples();
    assert!(all.len() >= 3);
    for (path, text) in all {
        if let Err(e) = Scenario::from_json(&text) {
            panic!("{path}:\n{e}");
        }
    }
}

#[test]
fn examples_round_trip_through_json() {
    for (path, text) in examples() {
        let s = Scenario::from_json(&text).unwrap();
        let again = Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(s, again, "{path}");
    }
}

#[test]
fn the_three_required_presets_exist() {
    for name in ["hello-smtp", "mx-fallback", "retry-until-mx-returns"] {
        assert!(
            dir()
                .join("scenarios")
                .join(format!("{name}.json"))
                .exists(),
            "{name}"
        );
    }
}

/// Regenerate with `UPDATE_SCHEMA=1 cargo test -p mxlab-sim --test scenario_examples`.
#[test]
fn committed_schema_is_up_to_date() {
    let path = dir().join("scenario.schema.json");
    let generated = format!("{}\n", Scenario::json_schema());
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        fs::write(&path, &generated).unwrap();
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/mxlab-sim/scenario.schema.json is stale: run UPDATE_SCHEMA=1 cargo test -p mxlab-sim --test scenario_examples"
    );
}

#[test]
fn schema_lists_the_top_level_fields_and_forbids_others() {
    let schema: serde_json::Value = serde_json::from_str(&Scenario::json_schema()).unwrap();
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    for field in [
        "horizon_secs",
        "nodes",
        "dns",
        "links",
        "messages",
        "faults",
        "seed",
    ] {
        assert!(schema["properties"].get(field).is_some(), "{field}");
    }
}
