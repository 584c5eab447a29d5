//! `cargo xtask dist`: the static site, optimised, with relative URLs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::tools::{self, ToolEnv};
use crate::{run, step, Failure, Result};

/// Size of one built file, raw and gzipped (best compression).
#[derive(Debug, Clone)]
pub struct Sized {
    /// The file.
    pub path: PathBuf,
    /// Bytes on disk.
    pub raw: u64,
    /// Bytes after `gzip -9`.
    pub gzip: u64,
}

/// Installs what is missing, then builds the site into `out`.
pub fn dist(out: &Path) -> Result<PathBuf> {
    let env = tools::ensure_web_tools()?;
    build(&env, out)
}

/// Builds the site into `out` (release, wasm-opt -Oz) and prints the sizes.
pub fn build(env: &ToolEnv, out: &Path) -> Result<PathBuf> {
    step(&format!("building the site into {}", out.display()));
    let mut cmd = Command::new("trunk");
    cmd.args(["build", "--release", "--dist"]).arg(out);
    env.apply(&mut cmd);
    run("trunk build --release", &mut cmd)?;
    // Trunk builds the sweep worker from www/index.html's worker link (and
    // runs wasm-opt on it): the Sweep panel starts it by these names.
    for name in WORKER_FILES {
        if !out.join(name).is_file() {
            return Err(Failure(format!(
                "trunk build wrote no {name} into {}: the Sweep panel needs it \
                 (www/index.html's data-type=\"worker\" link)",
                out.display()
            )));
        }
    }
    // The embed view is the app with `embed.html` as its address.
    std::fs::copy(out.join("index.html"), out.join("embed.html"))?;
    package(&out.join("pkg"))?;
    copy_dir(&crate::root().join("www").join("docs"), &out.join("docs"))?;
    for dir in [out.to_path_buf(), out.join("pkg")] {
        let (parts, modules): (Vec<Sized>, Vec<Sized>) = wasm_sizes(&dir)?
            .into_iter()
            .partition(|w| is_part(&file_name(&w.path)));
        for wasm in &modules {
            let name = file_name(&wasm.path);
            eprintln!(
                "{name}: {} raw, {} gzip ({})",
                kib(wasm.raw),
                kib(wasm.gzip),
                what_it_is(&name)
            );
        }
        if !parts.is_empty() {
            eprintln!(
                "  and its parts, fetched when first shown: {} files, {} raw, {} gzip in all",
                parts.len(),
                kib(parts.iter().map(|p| p.raw).sum()),
                kib(parts.iter().map(|p| p.gzip).sum())
            );
        }
    }
    eprintln!(
        "the site in {} works from any sub-path: copy the folder to a static host",
        out.display()
    );
    Ok(out.to_path_buf())
}

/// The script-tag package: `crates/mxlab-web/package` (the web crate's
/// `mount`, `unmount`, `version` and TypeScript types, in a cdylib of its
/// own so that it is linked with LTO), built in parts as the app is (see
/// [`crate::split`]), with its `package.json`, README, the `<mx-lab>`
/// element and its example page.
fn package(pkg: &Path) -> Result {
    let root = crate::root();
    let _ = std::fs::remove_dir_all(pkg);
    let modules = crate::split::build(&PACKAGE, pkg, true)?;
    let web = root.join("crates").join("mxlab-web");
    std::fs::copy(web.join("README.md"), pkg.join("README.md"))?;
    // The package keeps the web crate's name, not that of its cdylib crate.
    let mut files: Vec<String> = [
        "mxlab_web_bg.wasm",
        "mxlab_web.js",
        "mxlab_web.d.ts",
        // The <mx-lab> element ships beside the module it loads, and the
        // parts beside the loader that fetches them.
        "mx-lab.js",
        "__wasm_split.js",
        "snippets/",
    ]
    .map(String::from)
    .into();
    files.extend(
        modules
            .iter()
            .skip(1)
            .filter_map(|m| m.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
    );
    let manifest = serde_json::json!({
        "name": "mxlab-web",
        "description": "MX Lab in any page: simulators mounted by script (mount, unmount, version) or by the <mx-lab> element",
        "version": env!("CARGO_PKG_VERSION"),
        "license": "MIT OR Apache-2.0",
        "type": "module",
        "main": "mxlab_web.js",
        "types": "mxlab_web.d.ts",
        "files": files,
        "sideEffects": ["./snippets/*"],
    });
    std::fs::write(
        pkg.join("package.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    let package = root.join("crates").join("mxlab-web").join("package");
    std::fs::copy(package.join("mx-lab.js"), pkg.join("mx-lab.js"))?;
    copy_dir(
        &root.join("crates").join("mxlab-web").join("example"),
        &pkg.join("example"),
    )
}

/// The script-tag package's module, split as the app is.
const PACKAGE: crate::split::Module<'static> = crate::split::Module {
    package: "mxlab-web-package",
    bin: None,
    features: "mxlab-web/split",
    out_name: "mxlab_web",
    typescript: true,
};

/// The sweep worker's files in the site: Trunk's loader shim (what the
/// Sweep panel starts), the wasm-bindgen glue and the module.
pub const WORKER_FILES: [&str; 3] = [
    "mxlab-sweep-worker_loader.js",
    "mxlab-sweep-worker.js",
    "mxlab-sweep-worker_bg.wasm",
];

/// What a built `.wasm` file is, by its name.
fn what_it_is(name: &str) -> &'static str {
    if name.starts_with("mxlab-sweep-worker") {
        "the sweep worker, loaded when a sweep starts"
    } else if name.starts_with("mxlab_web") {
        "the script-tag package's main module"
    } else {
        "the app's main module"
    }
}

/// Whether a `.wasm` file is a part (see [`crate::split`]): a panel's
/// module, or a piece that several panels share.
pub fn is_part(name: &str) -> bool {
    name.starts_with("split_") || name.starts_with("chunk_")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The wasm features rustc's output uses, for wasm-opt.
pub const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-reference-types",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-multivalue",
    "--enable-mutable-globals",
];

/// Copies the files of `from` into `to` (one level: the docs and the
/// example have no sub-folders).
fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| Failure(format!("cannot read {}: {e}", from.display())))?
    {
        let path = entry?.path();
        if path.is_file() {
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, to.join(name))?;
            }
        }
    }
    Ok(())
}

/// The sizes of every `.wasm` file in `dir`, and in the app's folder in it
/// (`app-<crc32>/`, see [`crate::split::app`]).
pub fn wasm_sizes(dir: &Path) -> Result<Vec<Sized>> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Failure(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() && file_name(&path).starts_with(crate::split::APP_FOLDER) {
                dirs.push(path);
            } else if path.extension().and_then(|e| e.to_str()) == Some("wasm") {
                let bytes = std::fs::read(&path)?;
                let mut gz = GzEncoder::new(Vec::new(), Compression::best());
                gz.write_all(&bytes)?;
                let gzip = gz.finish()?.len() as u64;
                found.push(Sized {
                    path,
                    raw: bytes.len() as u64,
                    gzip,
                });
            }
        }
    }
    if found.is_empty() {
        return Err(Failure(format!("no .wasm file in {}", dir.display())));
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// A byte count in KiB with one decimal.
pub fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
