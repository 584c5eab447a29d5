//! Engine benchmarks: the event queue alone (the floor), a generated
//! network of many hosts and messages to quiescence, and `view_at` seeks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark set-up

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mxlab_sim::{EventQueue, Scenario, Sim, SimTime, TraceIndex};
use serde_json::json;

/// `domains` MX hosts each with one mailbox, one submission server, one
/// MUA, and `messages` messages spread over the domains; 10% of the MX
/// hosts are down for the first hour.
fn network(domains: usize, messages: usize) -> Scenario {
    let mut nodes = vec![
        json!({"name": "mua.example.com", "role": "mua", "policy": {"relay": {"smarthost": "smtp.example.com"}}}),
        json!({"name": "smtp.example.com", "role": "submission", "addresses": ["10.0.0.1"],
               "policy": {"relay": {"allow_from": ["mua.example.com"]}}}),
        json!({"name": "resolver.example.net", "role": "resolver"}),
    ];
    let mut zone = Vec::new();
    let mut faults = Vec::new();
    for d in 0..domains {
        let (host, domain) = (format!("mx.d{d}.example"), format!("d{d}.example"));
        let addr = format!("10.1.{}.{}", d / 250, d % 250 + 1);
        nodes.push(json!({"name": host, "role": "mx", "addresses": [addr],
            "policy": {"destination_domains": [domain], "mailboxes": [{"address": format!("user@{domain}")}]}}));
        zone.push(json!({"name": domain, "mx": [{"preference": 10, "exchange": host}]}));
        zone.push(json!({"name": host, "a": [addr]}));
        if d % 10 == 0 {
            faults.push(json!({"at_secs": 0, "until_secs": 3600, "fault": {"kind": "host_down", "host": host}}));
        }
    }
    let msgs: Vec<_> = (0..messages)
        .map(|i| {
            json!({"id": format!("m{i}"), "from": "mua.example.com", "at_secs": i % 3600,
            "mail_from": "alice@example.com", "rcpt_to": [format!("user@d{}.example", i % domains)],
            "headers": [{"name": "Subject", "value": "bench"}], "body": "x\r\n"})
        })
        .collect();
    let s = json!({"horizon_secs": 86400, "nodes": nodes,
        "dns": {"resolver": "resolver.example.net", "domains": zone},
        "messages": msgs, "faults": faults});
    Scenario::from_json(&s.to_string()).unwrap()
}

fn benches(c: &mut Criterion) {
    // One group: the event queue alone is the reference (the floor), so
    // `cargo xtask bench` reports the engine as a ratio to it.
    let mut c = c.benchmark_group("sim");
    c.bench_function("event_queue_100k_reference", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            for i in 0..100_000u64 {
                q.push(
                    SimTime::from_micros(i.wrapping_mul(2_654_435_761) % 1_000_000),
                    i,
                );
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        })
    });
    let scenario = network(100, 2_000);
    c.bench_function("engine_2k_messages_100_hosts_to_quiescence", |b| {
        b.iter(|| {
            let mut sim = Sim::new(scenario.clone(), 1);
            sim.run_to_quiescence();
            black_box(sim.trace().len())
        })
    });
    let mut sim = Sim::new(scenario, 1);
    sim.run_to_quiescence();
    let trace = sim.trace().clone();
    let index = TraceIndex::new(&trace);
    let end = trace.events.last().map_or(SimTime::ZERO, |e| e.at);
    let mut k = 0u64;
    c.bench_function("view_at_seek", |b| {
        b.iter(|| {
            k = k.wrapping_add(7_919);
            let t = SimTime::from_micros(k.wrapping_mul(104_729) % end.as_micros().max(1));
            black_box(index.view_at(t).events_applied)
        })
    });
    c.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
