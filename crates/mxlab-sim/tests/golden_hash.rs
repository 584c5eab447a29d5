//! The trace hash of every preset, pinned in `trace_hashes.txt`: the
//! native reference that the wasm32 run in the browser must reproduce
//! (`crates/mxlab-web/tests/determinism.rs` reads the same file). The
//! hashes change, on purpose, whenever the engine's behaviour or the trace
//! format changes: rerun with `UPDATE_HASHES=1` and commit the file with
//! the change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mxlab_sim::{presets, Sim};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/trace_hashes.txt");

fn current() -> String {
    let mut out = String::from("# preset seed events trace-hash (see golden_hash.rs)\n");
    for (name, _) in presets::PRESETS {
        let scenario = presets::preset(name).unwrap();
        let mut sim = Sim::new(scenario.clone(), scenario.seed);
        sim.run_to_quiescence();
        out.push_str(&format!(
            "{name} {} {} {}\n",
            scenario.seed,
            sim.trace().len(),
            sim.trace().hash_hex()
        ));
        // On noisy links the seed matters: jitter and loss are drawn.
        let noisy = presets::noisy(scenario, 15, 0.1);
        for seed in [1, 2] {
            let mut sim = Sim::new(noisy.clone(), seed);
            sim.run_to_quiescence();
            out.push_str(&format!(
                "{name}+noise {seed} {} {}\n",
                sim.trace().len(),
                sim.trace().hash_hex()
            ));
        }
    }
    out
}

#[test]
fn preset_trace_hashes_are_pinned() {
    let now = current();
    if std::env::var_os("UPDATE_HASHES").is_some() {
        std::fs::write(FILE, &now).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(FILE).unwrap();
    assert_eq!(
        now, pinned,
        "rerun with UPDATE_HASHES=1 if the change is intended"
    );
}
