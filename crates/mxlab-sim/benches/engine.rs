//! Engine benchmarks, as the issue asks (DESIGN.md §8 has the budgets):
//!
//! - `event_queue_100k_reference`: 100,000 timed events pushed into and
//!   popped from a binary heap (std's), the floor any event-driven engine
//!   pays; the group's reference, so `cargo xtask bench` gives the engine
//!   as a ratio to it;
//! - `engine_100k_messages_100_hosts_to_quiescence`: 100,000 messages
//!   through 100 MX hosts, 10% of them down for the first hour, to
//!   quiescence (budget: under 2 s native). The scenario's copy and the
//!   teardown of the finished run (its trace of over six million events)
//!   are outside the timing;
//! - `view_at_seek_1m_events`: one `view_at` seek on an indexed trace of
//!   over 1,000,000 events (budget: under 2 ms);
//! - `live_fork_mid_20k_messages`: a host taken down in the middle of the
//!   20,000-message run, computed from the last checkpoint before that
//!   moment to the end (budget: under 300 ms); the fork's copy of the
//!   trace up to its checkpoint is inside the timing;
//! - group `queued_at_once`: 100,000 messages (the reference) and then
//!   1,000,000 submitted at t = 0 through one submission server, to
//!   quiescence: the engine's time must grow with the messages' count, not
//!   its square (goal: at most 12× for ten times the messages).
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark set-up

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use mxlab_sim::scenario::{DownMode, Fault};
use mxlab_sim::{presets, Budget, Checkpoints, Scenario, Sim, SimTime, TraceIndex};

fn benches(c: &mut Criterion) {
    // One group: a queue of timed events alone is the reference (the floor), so
    // `cargo xtask bench` reports the engine as a ratio to it.
    let mut g = c.benchmark_group("sim");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("event_queue_100k_reference", |b| {
        b.iter(|| {
            // (time, insertion order, payload), earliest first, ties in
            // insertion order: the order the engine's own queue keeps.
            let mut q = BinaryHeap::with_capacity(100_000);
            for i in 0..100_000u64 {
                q.push(Reverse((i.wrapping_mul(2_654_435_761) % 1_000_000, i, i)));
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        })
    });

    // A run takes seconds: ten samples of one run each.
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_millis(1));
    g.measurement_time(Duration::from_secs(20));
    let scenario = presets::network(100, 100_000).unwrap();
    g.bench_function("engine_100k_messages_100_hosts_to_quiescence", |b| {
        b.iter_batched(
            || scenario.clone(),
            |scenario| {
                let mut sim = Sim::new(scenario, 1);
                assert!(sim.run_to_quiescence());
                sim
            },
            BatchSize::PerIteration,
        )
    });

    // The same network with 20,000 messages: the native half of the
    // wasm-against-native figure (tests/e2e/engine.mjs runs it in Chromium).
    let twenty = presets::network(100, 20_000).unwrap();
    g.bench_function("engine_20k_messages_100_hosts_to_quiescence", |b| {
        b.iter_batched(
            || twenty.clone(),
            |scenario| {
                let mut sim = Sim::new(scenario, 1);
                assert!(sim.run_to_quiescence());
                sim
            },
            BatchSize::PerIteration,
        )
    });

    // The 20,000-message run as the app computes it: in slices, with a
    // checkpoint every 100,000 events; then a host taken down at its
    // middle.
    let mut sim = Sim::new(presets::network(100, 20_000).unwrap(), 1);
    let mut checkpoints = Checkpoints::new(100_000);
    checkpoints.keep(&mut sim);
    // (Until every message is submitted, then until every queue is empty.)
    let last_submit = SimTime::from_secs(3_600);
    while sim.now() < SimTime::from_secs(86_400)
        && (sim.now() <= last_submit || !sim.hosts().iter().all(|h| h.queue.is_empty()))
    {
        let next = sim.now().plus_secs(60);
        sim.run_until(next);
        checkpoints.keep(&mut sim);
    }
    sim.run_to_quiescence();
    let middle = sim.trace().time(sim.trace().len() / 2).unwrap();
    g.bench_function("live_fork_mid_20k_messages", |b| {
        b.iter_with_large_drop(|| {
            let mut fork = checkpoints.fork(sim.trace(), middle).unwrap();
            fork.run_until(middle);
            let down = Fault::HostDown {
                host: "mx.d7.example".into(),
                mode: DownMode::Refused,
            };
            fork.inject(down, middle, Some(middle.plus_secs(1_800)))
                .unwrap();
            assert!(fork.run_to_quiescence());
            fork
        })
    });

    // The trace of 20,000 messages: 1,249,120 events.
    let trace = sim.trace();
    assert!(trace.len() >= 1_000_000, "{} events", trace.len());
    let index = TraceIndex::new(trace);
    let end = trace.end().unwrap_or(SimTime::ZERO);
    let mut k = 0u64;
    g.sample_size(100);
    g.sampling_mode(SamplingMode::Auto);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("view_at_seek_1m_events", |b| {
        b.iter(|| {
            k = k.wrapping_add(7_919);
            let t = SimTime::from_micros(k.wrapping_mul(104_729) % end.as_micros().max(1));
            black_box(index.view_at(t).events_applied)
        })
    });
    g.finish();
}

/// hello-smtp with `messages` copies of its message, all at t = 0.
fn queued_at_once(messages: usize) -> Scenario {
    presets::burst(presets::preset("hello-smtp").unwrap(), messages)
}

fn queue_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("queued_at_once");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_millis(1));
    for (name, n) in [
        ("messages_100k_at_t0_reference", 100_000),
        ("messages_1m_at_t0", 1_000_000),
    ] {
        g.measurement_time(Duration::from_secs(if n > 100_000 { 120 } else { 15 }));
        let scenario = queued_at_once(n);
        g.bench_function(name, |b| {
            b.iter_batched(
                || scenario.clone(),
                |scenario| {
                    let mut sim = Sim::new(scenario, 1);
                    // Tens of millions of events: past the default budget.
                    sim.set_budget(Budget::UNLIMITED);
                    assert!(sim.run_to_quiescence());
                    sim
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(engine, benches, queue_benches);
criterion_main!(engine);
