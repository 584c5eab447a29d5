//! Determinism across targets: every preset, and its noisy variant, run in
//! wasm32 inside headless Chromium must give the trace hash the native run
//! pinned in `crates/mxlab-sim/tests/trace_hashes.txt`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mxlab_sim::{presets, Sim};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PINNED: &str = include_str!("../../mxlab-sim/tests/trace_hashes.txt");

#[wasm_bindgen_test]
fn wasm_traces_match_the_native_hashes() {
    let mut checked = 0;
    for line in PINNED.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(' ').collect();
        let (name, seed, events, hash) = (f[0], f[1].parse::<u64>().unwrap(), f[2], f[3]);
        let (base, noisy) = match name.strip_suffix("+noise") {
            Some(b) => (b, true),
            None => (name, false),
        };
        let mut scenario = presets::preset(base).unwrap();
        if noisy {
            scenario = presets::noisy(scenario, 15, 0.1);
        }
        let mut sim = Sim::new(scenario, seed);
        sim.run_to_quiescence();
        assert_eq!(sim.trace().len().to_string(), events, "{line}");
        assert_eq!(sim.trace().hash_hex(), hash, "{line}");
        checked += 1;
    }
    assert_eq!(checked, presets::PRESETS.len() * 3);
}
