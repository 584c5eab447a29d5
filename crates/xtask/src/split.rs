//! `cargo xtask app`: the app's WebAssembly, in parts.
//!
//! Trunk runs this as a build hook (`Trunk.toml`), for `trunk serve` and
//! `trunk build` alike, and writes the files it makes into its staging
//! folder. The app is built with the web crate's `split` feature and
//! relocations kept; `wasm_split_cli_support` then moves each part that
//! `mxlab_web::components::parts` declares (a panel the page fetches when
//! it is first shown) into a module of its own, `split_<part>.wasm`, with
//! the loader `__wasm_split.js`; wasm-bindgen makes the main module's glue
//! (`mxlab-web.js`, which `index.html` imports), and in a release build
//! wasm-opt -Oz shrinks every module.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run, Failure, Result};

/// The name of the app's files (`mxlab-web.js`, `mxlab-web_bg.wasm`).
const APP: &str = "mxlab-web";

/// Builds the app into `out` (`release`: optimised, as the site ships it).
pub fn app(out: &Path, release: bool) -> Result {
    let target = root().join("target").join("split");
    let mut build = cargo();
    build
        .args(["build", "--target", crate::tools::WASM_TARGET])
        .args(["--package", APP, "--bin", APP, "--features", "split"])
        .arg("--target-dir")
        .arg(&target)
        // The splitter follows calls through the relocations.
        .env("RUSTFLAGS", "-C link-args=--emit-relocs");
    if release {
        build.arg("--release");
    }
    run("cargo build (the app, to be split)", &mut build)?;
    let profile = if release { "release" } else { "debug" };
    let linked = target
        .join(crate::tools::WASM_TARGET)
        .join(profile)
        .join(format!("{APP}.wasm"));
    let parts = target.join("parts");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::create_dir_all(&parts)?;
    let input = std::fs::read(&linked)
        .map_err(|e| Failure(format!("cannot read {}: {e}", linked.display())))?;
    let main = parts.join(format!("{APP}.wasm"));
    let main_module = format!("./{APP}.js");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &parts;
        opts.main_out_path = &main;
        opts.main_module = &main_module;
        opts.target.web();
        opts
    })
    .map_err(|e| Failure(format!("splitting {} into parts: {e:#}", linked.display())))?;

    std::fs::create_dir_all(out)?;
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--out-name", APP])
        // The parts take the function table from the main module's exports.
        .arg("--out-dir")
        .arg(out)
        .arg(&main);
    run("wasm-bindgen (the app)", &mut bindgen)?;
    let mut modules = vec![out.join(format!("{APP}_bg.wasm"))];
    for part in &split.split_modules {
        let name = part
            .file_name()
            .ok_or_else(|| Failure(format!("a part without a name: {}", part.display())))?;
        let to = out.join(name);
        std::fs::copy(part, &to)?;
        modules.push(to);
    }
    std::fs::copy(parts.join("__wasm_split.js"), out.join("__wasm_split.js"))?;
    if release {
        for module in &modules {
            shrink(module)?;
        }
    }
    eprintln!(
        "the app: {} and {} part(s) fetched when first shown",
        names(&modules[..1]),
        modules.len() - 1
    );
    Ok(())
}

/// wasm-opt -Oz in place.
fn shrink(module: &Path) -> Result {
    let mut opt = Command::new("wasm-opt");
    opt.args(["-Oz", "--strip-debug", "--strip-producers"])
        .args(crate::dist::WASM_OPT_FEATURES)
        .arg(module)
        .arg("-o")
        .arg(module);
    run("wasm-opt -Oz", &mut opt)
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
