//! Computing runs in slices: the same trace as one run, budgets that
//! stop runs that would never end, bursts cut fine, markers counted.

use super::*;
use mxlab_sim::presets;
use mxlab_sim::scenario::Fault;
use mxlab_sim::EventKind;

#[test]
fn sliced_computation_gives_the_same_trace_as_one_run() {
    for name in [
        "hello-smtp",
        "retry-until-mx-returns",
        "expiry-bounce",
        "greylisting",
    ] {
        let s = presets::preset(name).unwrap();
        let seed = s.seed;
        let mut sim = Sim::new(s.clone(), seed);
        sim.run_to_quiescence();
        let mut c = Computation::new(Rc::new(s), seed, Vec::new());
        let mut steps = 0;
        let run = loop {
            steps += 1;
            if let Some(r) = c.step(5) {
                break r;
            }
            assert!(c.progress() <= 1.0);
        };
        assert!(steps > 1, "{name} took one slice");
        assert_eq!(run.index.trace().hash(), sim.trace().hash(), "{name}");
    }
}

#[test]
fn thinned_markers_count_every_delivery_deferral_bounce_and_fault() {
    let run = Run::compute(Rc::new(retry_every_second_for_a_day()), 1, Vec::new());
    let mut direct = std::collections::BTreeMap::new();
    for (_, e) in run.events().without_lines() {
        let kind = match &e.kind {
            EventKind::Deliver { to, .. } if to.contains('@') => MarkerKind::Delivered,
            EventKind::Defer { .. } => MarkerKind::Deferred,
            EventKind::Bounce { .. } => MarkerKind::Bounced,
            EventKind::FaultOn { .. } | EventKind::FaultOff { .. } => MarkerKind::Fault,
            _ => continue,
        };
        *direct.entry(kind.class()).or_insert(0) += 1;
    }
    let mut counted = std::collections::BTreeMap::new();
    for m in &run.markers {
        *counted.entry(m.kind.class()).or_insert(0) += 1 + m.more;
    }
    assert_eq!(counted, direct);
    assert!(direct["deferred"] > 10 * MARKER_SLOTS, "{direct:?}");
    // At most one marker per kind and slot is kept.
    assert!(
        run.markers.len() <= 4 * (MARKER_SLOTS + 1),
        "{}",
        run.markers.len()
    );
}

/// A day of retries every second to a host that is down.
fn retry_every_second_for_a_day() -> Scenario {
    let mut s = retry_every_second_for_a_year();
    s.horizon_secs = 86_400;
    for p in &mut s.profiles {
        p.profile.max_queue_lifetime_secs = 86_400;
    }
    s
}

#[test]
fn a_burst_of_messages_at_one_instant_is_computed_in_steps() {
    let mut s = presets::preset("hello-smtp").unwrap();
    let m = s.messages[0].clone();
    s.messages = (0..3_000)
        .map(|i| mxlab_sim::scenario::MessageSpec {
            id: format!("m{i}"),
            at_secs: 0,
            ..m.clone()
        })
        .collect();
    let mut whole = Sim::new(s.clone(), 1);
    whole.run_to_quiescence();
    let mut c = Computation::new(Rc::new(s), 1, Vec::new());
    let mut largest = 0;
    let run = loop {
        let before = c.sim.trace().len();
        // One step at a time, on a clock where each look at it is a
        // millisecond later: how finely the run is cut.
        let mut t = 0.0;
        if let Some(r) = c.step_within(0.0, || {
            t += 1.0;
            t
        }) {
            break r;
        }
        largest = largest.max(c.sim.trace().len().saturating_sub(before));
    };
    assert_eq!(run.summary.delivered, 3_000);
    // What happens at one instant (3,000 connections opening together:
    // about 51,000 events here) is cut into steps of a few events, and
    // the run is the same as in one go.
    let all = run.events().len();
    assert!(largest <= 1_000, "{largest} of {all} events in one step");
    assert_eq!(run.index.trace().hash(), whole.trace().hash());
}

#[test]
fn the_events_between_looks_at_the_clock_follow_what_they_cost() {
    let s = presets::burst(presets::preset("hello-smtp").unwrap(), 300);
    // Events that take 10 ms between two looks: one event per look.
    let mut c = Computation::new(Rc::new(s.clone()), 1, Vec::new());
    let mut t = 0.0;
    for _ in 0..20 {
        assert!(c
            .step_within(25.0, || {
                t += 10.0;
                t
            })
            .is_none());
    }
    assert_eq!(c.events_per_look, 1);
    // Events that take no time: many per look, up to the most.
    let mut c = Computation::new(Rc::new(s), 1, Vec::new());
    for _ in 0..20 {
        assert!(c.step_within(0.0, || 0.0).is_none());
    }
    assert_eq!(c.events_per_look, MAX_EVENTS_PER_LOOK);
}

/// The scenario that used to kill the app: hello-smtp for a year, the
/// submission server retrying every second for the whole year, the MX
/// down from the start for good.
pub(crate) fn retry_every_second_for_a_year() -> Scenario {
    use mxlab_sim::scenario::{CustomProfile, DownMode, FaultSpec};
    use mxlab_sim::timing::{Backoff, TimingProfile};
    let mut s = presets::preset("hello-smtp").unwrap();
    s.horizon_secs = 31_622_400;
    s.profiles.push(CustomProfile {
        name: "every-second".into(),
        profile: TimingProfile {
            queue_run_delay_secs: None,
            backoff: Backoff::Fixed { interval_secs: 1 },
            max_queue_lifetime_secs: 31_622_400,
            ..TimingProfile::postfix()
        },
    });
    for n in &mut s.nodes {
        if n.role == mxlab_sim::scenario::Role::Submission {
            n.policy.timing = "every-second".into();
        }
    }
    s.faults.push(FaultSpec {
        at_secs: 0,
        until_secs: None,
        probability: None,
        fault: Fault::HostDown {
            host: "mx.example.org".into(),
            mode: DownMode::Refused,
        },
    });
    assert!(s.validate().is_empty(), "{:?}", s.validate());
    s
}

#[test]
fn a_run_over_its_budget_stops_keeps_its_trace_and_says_what_to_do() {
    let s = retry_every_second_for_a_year();
    let mut c = Computation::new(Rc::new(s), 1, Vec::new());
    let budget = Budget {
        max_events: 200_000,
        max_trace_bytes: 1 << 30,
    };
    c.set_budget(budget);
    let mut steps = 0;
    let run = loop {
        steps += 1;
        if let Some(r) = c.step_within(0.0, || 0.0) {
            break r;
        }
    };
    assert!(steps > 10, "{steps} steps");
    let stop = run.stopped.clone().expect("stopped on its budget");
    assert!(stop.events >= 200_000, "{stop}");
    assert!(
        run.events().len() as u64 <= stop.events,
        "{}",
        run.events().len()
    );
    assert!(run.events().len() > 100_000);
    assert!(stop.at < SimTime::from_secs(31_622_400));
    assert!(run.end() <= stop.at);
    assert!(!run.quiescent);
    assert!(run.markers.iter().any(|m| m.kind == MarkerKind::Deferred));
    let advice = budget_advice(&stop);
    assert!(advice.contains("200,000 events"), "{advice}");
    assert!(advice.contains("Shorten the horizon"), "{advice}");
    // What was computed can be seen.
    let view = run.index.view_at(run.end());
    assert!(view.events_applied > 0);
}

/// Two relays that hand mail to each other, a hop limit of 1,000 and
/// an 8 MB body: each hop carries the whole body again.
pub(crate) fn relay_loop_with_a_large_body() -> Scenario {
    let mut v: serde_json::Value =
        serde_json::from_str(&presets::preset("relay-via-smarthost").unwrap().to_json()).unwrap();
    let nodes = v["nodes"].as_array_mut().unwrap();
    let relay = nodes
        .iter()
        .position(|n| n["name"] == "relay.example.com")
        .unwrap();
    let mut other = nodes[relay].clone();
    other["name"] = "relay2.example.com".into();
    other["addresses"] = serde_json::json!(["192.0.2.27"]);
    other["policy"]["relay"] = serde_json::json!({
        "allow_from": ["relay.example.com"], "smarthost": "relay.example.com"
    });
    other["policy"]["timing"] = "loop".into();
    nodes[relay]["policy"]["relay"] = serde_json::json!({
        "allow_from": ["smtp.example.com", "relay2.example.com"],
        "smarthost": "relay2.example.com"
    });
    nodes[relay]["policy"]["timing"] = "loop".into();
    nodes.push(other);
    v["profiles"] = serde_json::json!([{ "name": "loop", "profile": { "hop_limit": 1000 } }]);
    v["messages"][0]["body"] = "x"
        .repeat(78)
        .chars()
        .chain("\r\n".chars())
        .collect::<String>()
        .repeat(100_000)
        .into();
    Scenario::from_json(&v.to_string()).unwrap()
}

#[test]
fn a_relay_loop_with_a_large_body_stops_on_its_budget_without_a_panic() {
    let s = relay_loop_with_a_large_body();
    assert!(s.messages[0].body.len() >= 8_000_000);
    let mut c = Computation::new(Rc::new(s), 1, Vec::new());
    let run = loop {
        if let Some(r) = c.step_within(0.0, || 0.0) {
            break r;
        }
    };
    let stop = run
        .stopped
        .clone()
        .expect("stopped on the browser's budget");
    assert!(stop.trace_bytes >= BROWSER_BUDGET.max_trace_bytes, "{stop}");
    assert!(budget_advice(&stop).contains("256.0 MiB of trace"));
}

#[test]
fn the_browser_budget_stops_the_year_of_retries_in_bounded_slices() {
    let s = retry_every_second_for_a_year();
    let mut c = Computation::new(Rc::new(s), 1, Vec::new());
    let mut longest = std::time::Duration::ZERO;
    let started = std::time::Instant::now();
    let run = loop {
        let t = std::time::Instant::now();
        let done = c.step_within(20.0, || t.elapsed().as_secs_f64() * 1e3);
        if done.is_none() {
            longest = longest.max(t.elapsed());
        }
        if let Some(r) = done {
            eprintln!("the last slice (indexing the run): {:?}", t.elapsed());
            break r;
        }
    };
    let stop = run
        .stopped
        .clone()
        .expect("stopped on the browser's budget");
    eprintln!(
        "year of retries: {stop}; {} events, {:?} in all, longest slice {longest:?}",
        run.events().len(),
        started.elapsed()
    );
    // The lines already on their way are counted too.
    assert!(stop.events <= BROWSER_BUDGET.max_events + 100, "{stop}");
    // Every slice but the last is cut at 20 ms, bar the two blocks
    // mxlab-sim does in one pass (its summary, the index), which grow
    // with the run: the budget keeps them to a fraction of a second
    // (the bound leaves room for a loaded machine; unsliced, the
    // whole run was one block of several seconds).
    assert!(longest.as_millis() < 2500, "{longest:?}");
}
