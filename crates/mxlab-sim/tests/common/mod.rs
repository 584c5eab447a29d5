//! Helpers shared by the behaviour tests: loading presets and the checker
//! run after every simulation.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use mxlab_sim::trace::EventKind;
use mxlab_sim::{Scenario, Sim, SimTime, Trace};

pub fn preset(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Scenario::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn run(scenario: Scenario) -> Sim {
    let seed = scenario.seed;
    let mut sim = Sim::new(scenario, seed);
    sim.run_to_quiescence();
    check_invariants(&sim);
    sim
}

/// Final outcomes per (message, recipient): delivered to a mailbox or
/// bounced at most once, never both (hand-offs to a next hop are not
/// final); a DSN is never bounced with another DSN; the trace is in time
/// order.
pub fn check_invariants(sim: &Sim) {
    let trace = sim.trace();
    let mut outcomes: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut last = SimTime::ZERO;
    let mut crashed = false;
    for e in &trace.events {
        // Every reply line on every link is an RFC 5321 reply line.
        if let EventKind::Reply { line, .. } = &e.kind {
            let bytes = line.to_bytes();
            let text = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
            assert!(
                mxlab_proto::reply::parse_line(text).is_ok(),
                "not a reply line: {:?} (seed {})",
                String::from_utf8_lossy(&bytes),
                sim.seed()
            );
        }
        assert!(
            e.at >= last,
            "trace out of order at seq {} (seed {})",
            e.seq,
            sim.seed()
        );
        last = e.at;
        let fin = match &e.kind {
            EventKind::Deliver { to, duplicate } => {
                if *duplicate {
                    assert!(
                        crashed,
                        "a duplicate without a crash fault (seed {})",
                        sim.seed()
                    );
                }
                to.contains('@') && !duplicate
            }
            EventKind::Bounce { .. } => true,
            _ => false,
        };
        if let EventKind::FaultOn {
            fault: mxlab_sim::scenario::Fault::HostCrash { .. },
        } = &e.kind
        {
            crashed = true;
        }
        if fin {
            let key = (e.message.clone().unwrap(), e.recipient.clone().unwrap());
            *outcomes.entry(key.clone()).or_default() += 1;
            assert_eq!(
                outcomes[&key],
                1,
                "{key:?} settled twice (seed {})",
                sim.seed()
            );
        }
        if let EventKind::DsnSent { dsn_message, .. } = &e.kind {
            assert!(
                !e.message.as_deref().unwrap().ends_with(".dsn"),
                "bounce of a bounce: {dsn_message} (seed {})",
                sim.seed()
            );
        }
    }
}

pub fn kinds<'a>(
    trace: &'a Trace,
    f: impl Fn(&EventKind) -> bool + 'a,
) -> impl Iterator<Item = &'a mxlab_sim::TraceEvent> + 'a {
    trace.events.iter().filter(move |e| f(&e.kind))
}

/// The C:/S: transcript of a connection, as in the RFCs.
pub fn transcript(trace: &Trace, conn: u64) -> Vec<String> {
    trace.transcript(conn)
}

/// Every (message, recipient) of the scenario ends delivered to a mailbox,
/// bounced, or still queued somewhere at the horizon.
pub fn check_conservation(sim: &Sim) {
    for m in &sim.scenario().messages {
        for r in &m.rcpt_to {
            let settled = sim.trace().events.iter().any(|e| {
                e.message.as_deref() == Some(m.id.as_str())
                    && e.recipient.as_deref() == Some(r.as_str())
                    && match &e.kind {
                        EventKind::Deliver { to, .. } => to.contains('@'),
                        EventKind::Bounce { .. } => true,
                        _ => false,
                    }
            });
            let queued = sim.hosts().iter().any(|h| {
                h.queue
                    .iter()
                    .any(|q| q.message_id == m.id && q.pending().any(|p| &p.address == r))
            });
            assert!(
                settled || queued,
                "{}/{r} vanished (seed {})",
                m.id,
                sim.seed()
            );
        }
    }
}
