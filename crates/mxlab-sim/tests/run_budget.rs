//! Run budgets: no scenario, however small, makes a run write without
//! bound. A run that reaches its budget stops at that instant, says when
//! and why, keeps its trace up to there, and stays usable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mxlab_sim::budget::{forecast, Limit};
use mxlab_sim::{presets, Budget, Scenario, Sim, SimTime};

/// hello-smtp with the MX down for good and the submission server
/// retrying every second for a year (the file the CLI and the browser
/// suites use too).
fn retry_every_second_for_a_year() -> Scenario {
    let text = include_str!("../../../tests/hostile/retry-every-second-for-a-year.json");
    Scenario::from_json(text).unwrap()
}

/// Two relays forwarding example.org to each other, a hop limit of 1,000
/// and a body of `body_bytes`.
fn loop_with_body(body_bytes: usize) -> Scenario {
    let mut v: serde_json::Value =
        serde_json::from_str(&presets::preset("mail-loop").unwrap().to_json()).unwrap();
    for node in v["nodes"].as_array_mut().unwrap() {
        node["policy"]["hop_limit"] = 1_000.into();
    }
    let line = format!("{}\r\n", "x".repeat(998));
    let body = line.repeat(body_bytes / line.len() + 1);
    v["messages"][0]["body"] = body.into();
    Scenario::from_json(&v.to_string()).unwrap()
}

#[test]
fn a_new_run_has_the_default_budget() {
    let sim = Sim::new(presets::preset("hello-smtp").unwrap(), 1);
    assert_eq!(sim.budget(), Budget::DEFAULT);
    assert_eq!(Budget::DEFAULT.max_events, 20_000_000);
    assert_eq!(Budget::DEFAULT.max_trace_bytes, 1 << 30);
    assert!(sim.stopped().is_none());
}

#[test]
fn a_year_of_retries_every_second_stops_at_the_event_budget_and_keeps_its_trace() {
    let mut sim = Sim::new(retry_every_second_for_a_year(), 1);
    let budget = Budget {
        max_events: 200_000,
        max_trace_bytes: u64::MAX,
    };
    sim.set_budget(budget);
    let quiescent = sim.run_to_quiescence();
    assert!(!quiescent);
    let stop = sim.stopped().expect("the run stops on its budget").clone();
    assert_eq!(stop.limit, Limit::Events);
    assert!(stop.events >= budget.max_events, "{stop:?}");
    // It stopped within the first simulated day, not at the horizon.
    assert!(
        stop.at > SimTime::ZERO && stop.at < SimTime::from_secs(86_400),
        "{stop}"
    );
    // The trace is kept up to that instant, and nothing after it.
    let trace = sim.trace();
    assert!(
        trace.len() as u64 > budget.max_events / 2,
        "{}",
        trace.len()
    );
    assert!(trace.len() as u64 <= stop.events);
    assert!(trace.end().unwrap() <= stop.at);
    // The message is still queued: nothing lost, nothing invented.
    let summary = sim.summary();
    assert_eq!(summary.delivered, 0);
    assert_eq!(summary.queued, 1);
    assert!(stop.to_string().starts_with("stopped at "), "{stop}");
    assert!(
        stop.to_string().contains("the budget of 200,000 events"),
        "{stop}"
    );
}

#[test]
fn a_stopped_run_computes_nothing_more_and_its_checkpoint_stays_stopped() {
    let mut sim = Sim::new(retry_every_second_for_a_year(), 1);
    sim.set_budget(Budget {
        max_events: 20_000,
        max_trace_bytes: u64::MAX,
    });
    sim.run_until(SimTime::from_secs(86_400));
    let stop = sim.stopped().cloned().unwrap();
    let len = sim.trace().len();
    sim.run_until(SimTime::from_secs(30 * 86_400));
    assert_eq!(sim.trace().len(), len);
    assert_eq!(sim.stopped(), Some(&stop));
    let mut fork = sim.checkpoint();
    fork.run_to_quiescence();
    assert_eq!(fork.stopped(), Some(&stop));
    assert_eq!(fork.trace().hash_hex(), sim.trace().hash_hex());
}

#[test]
fn a_run_stopped_on_its_budget_is_deterministic() {
    let run = || {
        let mut sim = Sim::new(retry_every_second_for_a_year(), 1);
        sim.set_budget(Budget {
            max_events: 50_000,
            max_trace_bytes: u64::MAX,
        });
        sim.run_to_quiescence();
        (sim.stopped().cloned(), sim.trace().hash_hex())
    };
    assert_eq!(run(), run());
}

#[test]
fn a_mail_loop_with_a_large_body_stops_at_the_trace_byte_budget() {
    let mut sim = Sim::new(loop_with_body(1 << 20), 7);
    let budget = Budget {
        max_events: u64::MAX,
        max_trace_bytes: 32 << 20,
    };
    sim.set_budget(budget);
    sim.run_to_quiescence();
    let stop = sim.stopped().expect("the loop stops on its budget").clone();
    assert_eq!(stop.limit, Limit::TraceBytes);
    assert!(stop.trace_bytes >= budget.max_trace_bytes);
    // One hop's data more at most: the budget is checked after each event.
    assert!(
        stop.trace_bytes < budget.max_trace_bytes + (4 << 20),
        "{stop}"
    );
    assert!(stop.to_string().contains("32.0 MiB of trace"), "{stop}");
}

#[test]
fn the_forecast_warns_about_a_year_of_retries_every_second() {
    let warning = forecast(&retry_every_second_for_a_year(), &Budget::DEFAULT)
        .expect("an obvious overrun is forecast");
    assert!(warning.contains("smtp.example.com"), "{warning}");
    assert!(warning.contains("20,000,000"), "{warning}");
}

#[test]
fn the_forecast_is_silent_for_every_preset() {
    for (name, _) in presets::PRESETS {
        let scenario = presets::preset(name).unwrap();
        assert_eq!(forecast(&scenario, &Budget::DEFAULT), None, "{name}");
    }
}

#[test]
fn every_preset_runs_to_its_end_within_the_default_budget() {
    for (name, _) in presets::PRESETS {
        let mut sim = Sim::new(presets::preset(name).unwrap(), 1);
        sim.run_to_quiescence();
        assert!(sim.stopped().is_none(), "{name}");
    }
}
