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

/// A module to build in parts.
pub struct Module<'a> {
    /// The cargo package.
    pub package: &'a str,
    /// Its binary, or None for its library (a cdylib).
    pub bin: Option<&'a str>,
    /// The cargo features that turn the splitting on.
    pub features: &'a str,
    /// The name of the files wasm-bindgen writes (`<name>.js`, `<name>_bg.wasm`).
    pub out_name: &'a str,
    /// Whether wasm-bindgen writes TypeScript types.
    pub typescript: bool,
}

/// The app.
const APP: Module<'static> = Module {
    package: "mxlab-web",
    bin: Some("mxlab-web"),
    features: "split",
    out_name: "mxlab-web",
    typescript: false,
};

/// Builds the app into `out` (`release`: optimised, as the site ships it).
///
/// Its files go into a folder named by their checksum, `app-<crc32>/`, and
/// `out/mxlab-web.js` (which the page imports) only forwards to it: a new
/// build's main module is never paired with an old build's parts, or glue,
/// that a browser or a proxy kept.
pub fn app(out: &Path, release: bool) -> Result {
    let building = out.join(".app");
    let _ = std::fs::remove_dir_all(&building);
    let modules = build(&APP, &building, release)?;
    let mut crc = flate2::Crc::new();
    for file in modules
        .iter()
        .chain([&building.join(format!("{}.js", APP.out_name))])
    {
        crc.update(&std::fs::read(file)?);
    }
    let folder = format!("{APP_FOLDER}{:08x}", crc.sum());
    let _ = std::fs::remove_dir_all(out.join(&folder));
    std::fs::rename(&building, out.join(&folder))?;
    std::fs::write(
        out.join(format!("{}.js", APP.out_name)),
        format!(
            "// MX Lab's app. Its files are in ./{folder}/, named by their checksum.\n\
             export {{ default }} from \"./{folder}/{}.js\";\n",
            APP.out_name
        ),
    )?;
    eprintln!(
        "the app: {folder}/{}_bg.wasm and {} part(s) fetched when first shown",
        APP.out_name,
        modules.len() - 1
    );
    Ok(())
}

/// The start of the name of the app's folder in the site (`app-<crc32>`).
pub const APP_FOLDER: &str = "app-";

/// Builds `module` into `out`, split into its main module and its parts,
/// and returns the `.wasm` files written, the main module first. In a
/// release build each is shrunk by wasm-opt -Oz.
pub fn build(module: &Module<'_>, out: &Path, release: bool) -> Result<Vec<PathBuf>> {
    let target = root().join("target").join("split");
    let mut build = cargo();
    build
        .args(["build", "--target", crate::tools::WASM_TARGET])
        .args(["--package", module.package, "--features", module.features])
        .arg("--target-dir")
        .arg(&target)
        // The splitter follows calls through the relocations.
        .env("RUSTFLAGS", "-C link-args=--emit-relocs");
    match module.bin {
        Some(bin) => build.args(["--bin", bin]),
        None => build.arg("--lib"),
    };
    if release {
        build.arg("--release");
    }
    run(
        &format!("cargo build ({}, to be split)", module.package),
        &mut build,
    )?;
    let profile = if release { "release" } else { "debug" };
    let artifact = match module.bin {
        Some(bin) => bin.to_owned(),
        None => module.package.replace('-', "_"),
    };
    let linked = target
        .join(crate::tools::WASM_TARGET)
        .join(profile)
        .join(format!("{artifact}.wasm"));
    let parts = target.join("parts").join(module.out_name);
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::create_dir_all(&parts)?;
    let input = std::fs::read(&linked)
        .map_err(|e| Failure(format!("cannot read {}: {e}", linked.display())))?;
    let main = parts.join(format!("{}.wasm", module.out_name));
    let main_module = format!("./{}.js", module.out_name);
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
    // wasm-bindgen and wasm-opt as `cargo xtask` installed them.
    let tools = crate::tools::ToolEnv::current()?;
    let mut bindgen = Command::new("wasm-bindgen");
    tools.apply(&mut bindgen);
    bindgen
        .args(["--target", "web", "--out-name", module.out_name])
        // The parts take the function table from the main module's exports.
        .arg("--keep-lld-exports")
        .arg("--out-dir")
        .arg(out)
        .arg(&main);
    if !module.typescript {
        bindgen.arg("--no-typescript");
    }
    run(&format!("wasm-bindgen ({})", module.package), &mut bindgen)?;
    let mut modules = vec![out.join(format!("{}_bg.wasm", module.out_name))];
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
            shrink(&tools, module)?;
        }
    }
    Ok(modules)
}

/// wasm-opt -Oz in place, quietly (binaryen warns of every name
/// subsection it does not know); what it said is shown if it fails.
fn shrink(tools: &crate::tools::ToolEnv, module: &Path) -> Result {
    let mut opt = Command::new("wasm-opt");
    tools.apply(&mut opt);
    opt.args(["-Oz", "--strip-debug", "--strip-producers"])
        .args(crate::dist::WASM_OPT_FEATURES)
        .arg(module)
        .arg("-o")
        .arg(module)
        .current_dir(root());
    let out = opt
        .output()
        .map_err(|e| Failure(format!("could not start `{}`: {e}", crate::describe(&opt))))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Failure(format!(
            "`{}` failed ({}): {}",
            crate::describe(&opt),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
