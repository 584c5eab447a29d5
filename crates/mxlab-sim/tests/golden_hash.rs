//! The trace hash of the hello-SMTP preset, pinned: the native reference a
//! wasm32 run must reproduce. It changes, on purpose, whenever the engine's
//! behaviour or the trace format changes; update it in the same commit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use mxlab_sim::{presets, Sim};

/// The hello-smtp preset, seed 1, run to quiescence.
const HELLO_SMTP_SEED_1: &str = "189c851e15f289e1";

#[test]
fn hello_smtp_trace_hash_is_pinned() {
    let mut sim = Sim::new(presets::preset("hello-smtp").unwrap().unwrap(), 1);
    sim.run_to_quiescence();
    let hash = sim.trace().hash_hex();
    println!(
        "hello-smtp seed 1: {} events, hash {hash}",
        sim.trace().len()
    );
    assert_eq!(
        hash, HELLO_SMTP_SEED_1,
        "update the pinned hash if the change is intended"
    );
}
