//! Installs the pinned toolchain on demand: the wasm32 target, Trunk,
//! wasm-bindgen-cli and the npm packages; finds Chromium and chromedriver.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run, step, Failure, Result};

/// The WebAssembly target of the app and of the portable crates.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Trunk 0.21.14 is the last release that builds with the project's rustc.
const TRUNK_VERSION: &str = "0.21.14";

/// Where the tools live, to put on the PATH of the commands that need them.
pub struct ToolEnv {
    path: OsString,
}

impl ToolEnv {
    /// The tools as installed now: `node_modules/.bin` (binaryen's
    /// wasm-opt) and cargo's bin dir first on the PATH.
    pub fn current() -> Result<ToolEnv> {
        let mut dirs = vec![root().join("node_modules").join(".bin")];
        dirs.extend(cargo_bin_dir());
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(dirs)
            .map_err(|e| Failure(format!("cannot build PATH for the tools: {e}")))?;
        Ok(ToolEnv { path })
    }

    /// Puts `node_modules/.bin` (binaryen's wasm-opt) and cargo's bin dir
    /// first on the command's PATH.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("PATH", &self.path);
    }
}

/// Makes sure everything a web build needs is installed, installing what is
/// missing, and returns the PATH to use.
pub fn ensure_web_tools() -> Result<ToolEnv> {
    step("checking the toolchain (installing what is missing)");
    ensure_wasm_target()?;
    let wasm_bindgen = wasm_bindgen_version()?;
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, true)?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &wasm_bindgen, false)?;
    ensure_npm_packages()?;

    let env = ToolEnv::current()?;
    eprintln!("toolchain ready: wasm32 target, trunk {TRUNK_VERSION}, wasm-bindgen {wasm_bindgen}, npm packages");
    Ok(env)
}

fn cargo_bin_dir() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("bin"))
}

fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| {
            Failure(format!(
                "rustup is needed to add the {WASM_TARGET} target ({e}); install rustup from your package manager or rustup.rs"
            ))
        })?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    eprintln!("installing the {WASM_TARGET} target (rustup target add {WASM_TARGET})");
    run(
        "rustup target add",
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
    )
}

/// The wasm-bindgen version in Cargo.lock, which the CLI must match exactly.
fn wasm_bindgen_version() -> Result<String> {
    let lock = root().join("Cargo.lock");
    if !lock.exists() {
        run(
            "cargo generate-lockfile",
            cargo().args(["generate-lockfile"]),
        )?;
    }
    let text = std::fs::read_to_string(&lock)
        .map_err(|e| Failure(format!("cannot read {}: {e}", lock.display())))?;
    locked_version(&text, "wasm-bindgen").ok_or_else(|| {
        Failure("Cargo.lock has no wasm-bindgen package; run `cargo update -p wasm-bindgen`".into())
    })
}

/// The version of package `name` in the text of a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            return lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

/// The version a tool reports, or None if it is not installed.
fn installed_version(bin: &str) -> Option<String> {
    let mut cmd = Command::new(bin);
    if let Some(dir) = cargo_bin_dir() {
        let candidate = dir.join(bin);
        if candidate.exists() {
            cmd = Command::new(candidate);
        }
    }
    let out = cmd.arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn ensure_cargo_tool(bin: &str, krate: &str, version: &str, locked: bool) -> Result {
    if let Some(found) = installed_version(bin) {
        if found.split_whitespace().any(|w| w == version) {
            return Ok(());
        }
        eprintln!("found `{found}`, but MX Lab pins {krate} {version}");
    }
    let mut cmd = cargo();
    cmd.args(["install", krate, "--version", version, "--force"]);
    if locked {
        cmd.arg("--locked");
    }
    eprintln!("installing {krate} {version} from crates.io (this takes a few minutes, once)");
    run(&format!("installing {krate} {version}"), &mut cmd)
}

fn ensure_npm_packages() -> Result {
    let root = root();
    // The lock file as it was installed, kept beside the packages: the
    // install is fresh when the lock file is unchanged, whatever the files'
    // times say (a new checkout or worktree gives the lock file a new time).
    let stamp = root.join("node_modules").join(".mxlab-package-lock.json");
    let lock = root.join("package-lock.json");
    let wanted = std::fs::read(&lock)
        .map_err(|e| Failure(format!("cannot read {}: {e}", lock.display())))?;
    if std::fs::read(&stamp).is_ok_and(|installed| installed == wanted) {
        return Ok(());
    }
    let npm_found = Command::new("npm").arg("--version").output().is_ok();
    if !npm_found {
        return Err(Failure(
            "npm is missing: install Node.js 20 or newer with npm (on Debian: `apt-get install -y nodejs npm`)".into(),
        ));
    }
    eprintln!("installing the npm packages (binaryen's wasm-opt, playwright-core) with `npm ci`");
    run(
        "npm ci",
        Command::new("npm").args(["ci", "--no-audit", "--no-fund"]),
    )?;
    std::fs::write(&stamp, &wanted)
        .map_err(|e| Failure(format!("cannot write {}: {e}", stamp.display())))
}

/// Debian's Chromium and its WebDriver.
pub struct Browser {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// The flags every headless Chromium of the test suite runs with: no
/// sandbox (CI runs as root), and no background traffic to the Internet.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// Finds Chromium and chromedriver (`MXLAB_CHROMIUM` and `CHROMEDRIVER`
/// override the Debian paths); fails with the apt command when missing.
pub fn ensure_browser() -> Result<Browser> {
    let chromium = std::env::var_os("MXLAB_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let chromedriver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    let mut missing = Vec::new();
    if !chromium.exists() {
        missing.push(("chromium", chromium.display().to_string()));
    }
    if !chromedriver.exists() {
        missing.push(("chromium-driver", chromedriver.display().to_string()));
    }
    if missing.is_empty() {
        return Ok(Browser {
            chromium,
            chromedriver,
        });
    }
    let packages: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
    let paths: Vec<String> = missing.iter().map(|(_, p)| p.clone()).collect();
    Err(Failure(format!(
        "the browser tests need Debian's Chromium and chromedriver; missing: {}.\n\
         Install it with:  sudo apt-get update && sudo apt-get install -y {}\n\
         (or point MXLAB_CHROMIUM / CHROMEDRIVER at an existing Chromium and chromedriver)",
        paths.join(" and "),
        packages.join(" ")
    )))
}

/// The real SMTP software the interop suite drives: swaks, Postfix's
/// smtp-source and smtp-sink, and Debian's Python 3 with aiosmtpd (smtplib
/// is in its standard library), dkimpy and PyNaCl (DKIM with Ed25519 and
/// RSA keys, made with openssl). Fails with the apt command when missing.
pub fn ensure_interop_tools() -> Result<()> {
    let mut missing = Vec::new();
    for (package, path) in [
        ("swaks", "/usr/bin/swaks"),
        ("postfix", "/usr/sbin/smtp-source"),
        ("postfix", "/usr/sbin/smtp-sink"),
    ] {
        if !Path::new(path).exists() && !missing.contains(&package) {
            missing.push(package);
        }
    }
    if !Path::new("/usr/bin/openssl").exists() {
        missing.push("openssl");
    }
    // aiosmtpd; dkimpy (module `dkim`) and PyNaCl (its Ed25519) for the
    // DKIM tests.
    for (package, module) in [
        ("python3-aiosmtpd", "aiosmtpd"),
        ("python3-dkim", "dkim"),
        ("python3-nacl", "nacl"),
    ] {
        let present = Command::new("/usr/bin/python3")
            .args(["-c", &format!("import {module}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !present {
            missing.push(package);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure(format!(
        "the interop tests need real SMTP software; missing: {}.\n\
         Install it with:  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y {}",
        missing.join(", "),
        missing.join(" ")
    )))
}

impl Browser {
    /// Environment for wasm-bindgen-test-runner: chromedriver, headless flags.
    pub fn apply_webdriver(&self, cmd: &mut Command) {
        cmd.env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        );
        cmd.env("CHROMEDRIVER", &self.chromedriver);
        // The runner gives a test module 20 s to load and report by
        // default; a 2-core machine busy compiling can take longer to start
        // Chromium and load a debug build.
        cmd.env("WASM_BINDGEN_TEST_TIMEOUT", "180");
        // wasm-bindgen-test-runner reads the browser's flags from
        // crates/mxlab-web/webdriver.json, which lists CHROMIUM_ARGS.
    }

    /// Environment for the Playwright suite: which Chromium, which flags.
    pub fn apply_playwright(&self, cmd: &mut Command) {
        cmd.env("MXLAB_CHROMIUM", &self.chromium);
        cmd.env("MXLAB_CHROMIUM_ARGS", CHROMIUM_ARGS.join(" "));
    }
}

/// The end-to-end test files, in name order.
pub fn e2e_test_files() -> Result<Vec<PathBuf>> {
    let dir = root().join("tests").join("e2e");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Failure(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Failure(format!("no *.test.mjs files in {}", dir.display())));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_exact_package_version_from_cargo_lock() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-test"
version = "0.3.80"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-test").as_deref(),
            Some("0.3.80")
        );
        assert_eq!(locked_version(lock, "yew"), None);
    }

    #[test]
    fn the_workspace_pins_wasm_bindgen_exactly() {
        let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
        let locked = locked_version(&lock, "wasm-bindgen").unwrap();
        assert!(
            manifest.contains(&format!("wasm-bindgen = \"={locked}\"")),
            "Cargo.toml must pin wasm-bindgen to ={locked}, the version in Cargo.lock"
        );
        let trunk = std::fs::read_to_string(root().join("Trunk.toml")).unwrap();
        assert!(
            trunk.contains(&format!("wasm_bindgen = \"{locked}\"")),
            "Trunk.toml must pin [tools] wasm_bindgen to {locked}"
        );
    }
}
