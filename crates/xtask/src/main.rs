//! `cargo xtask`: MX Lab's build and test driver.
//!
//! - `cargo xtask serve [--port N]` installs what is missing, then builds and
//!   serves the app on 127.0.0.1 with live reload, and its embed page
//!   (`/embed.html`, made by a Trunk hook, as `dist` ships it).
//! - `cargo xtask test` installs what is missing, then runs every check in
//!   order and stops at the first failure.
//! - `cargo xtask dist [--out DIR]` builds the static site (release, wasm-opt).
//! - `cargo xtask bench` runs every benchmark and prints one table.
//!
//! Everything it installs comes from the package registries (crates.io, npm)
//! at pinned versions; Trunk runs offline with those tools on PATH.

mod bench;
mod dist;
mod split;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Build, serve, test and benchmark MX Lab"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the web app and serve it on 127.0.0.1 with live reload.
    Serve {
        /// Port to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
    /// Run every check: fmt, clippy, unit and integration tests, wasm builds,
    /// wasm-bindgen tests in headless Chromium, the release build and the
    /// browser end-to-end suite.
    Test,
    /// Build the static site (release, wasm-opt -Oz) into a directory.
    Dist {
        /// Output directory.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
    },
    /// Run every benchmark and print a table of figures and same-run ratios.
    Bench,
    /// Build the app's WebAssembly in parts into Trunk's staging folder
    /// (Trunk runs it as a build hook; see Trunk.toml).
    #[command(hide = true)]
    App {
        /// Where to write the files (default: $TRUNK_STAGING_DIR).
        #[arg(long, env = "TRUNK_STAGING_DIR")]
        out: PathBuf,
        /// The build profile, `release` or `debug` (default: $TRUNK_PROFILE).
        #[arg(long, env = "TRUNK_PROFILE", default_value = "debug")]
        profile: String,
    },
}

/// A failure that ends the task, with what to do about it.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// The result of a task step.
pub type Result<T = ()> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let started = Instant::now();
    let result = match cli.task {
        Task::Serve { port } => serve(port),
        Task::Test => test(),
        Task::Dist { out } => dist::dist(&root().join(out)).map(|_| ()),
        Task::Bench => bench::bench(),
        Task::App { out, profile } => split::app(&out, profile == "release"),
    };
    match result {
        Ok(()) => {
            eprintln!("xtask: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(Failure(message)) => {
            eprintln!("\nxtask: FAILED after {:.0?}: {message}", started.elapsed());
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `crates/`).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

/// Prints a section header.
pub fn step(title: &str) {
    eprintln!("\n==> {title}");
}

/// Runs a command in the workspace root, echoing it; fails with `what` if it
/// cannot start or exits unsuccessfully.
pub fn run(what: &str, cmd: &mut Command) -> Result {
    cmd.current_dir(root());
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| Failure(format!("{what}: could not start `{}`: {e}", describe(cmd))))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure(format!("{what} failed ({status})")))
    }
}

/// The command line of `cmd`, for messages.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cargo` with the same toolchain that runs xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn serve(port: u16) -> Result {
    let env = tools::ensure_web_tools()?;
    step(&format!(
        "serving MX Lab on http://127.0.0.1:{port}/ and its embed page on \
         http://127.0.0.1:{port}/embed.html (Ctrl-C to stop)"
    ));
    let mut cmd = Command::new("trunk");
    cmd.args([
        "serve",
        "--address",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    env.apply(&mut cmd);
    run("trunk serve", &mut cmd)
}

fn test() -> Result {
    let env = tools::ensure_web_tools()?;
    let browser = tools::ensure_browser()?;
    tools::ensure_interop_tools()?;
    let steps = 8;
    let mut n = 0;
    let mut next = |title: &str| {
        n += 1;
        step(&format!("[{n}/{steps}] {title}"));
    };

    next("formatting (cargo fmt --check)");
    run(
        "cargo fmt --check (run `cargo fmt --all` to fix)",
        cargo().args(["fmt", "--all", "--check"]),
    )?;

    next("lints (cargo clippy, warnings are errors)");
    run(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            "mxlab-cli/interop",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "cargo clippy for mxlab-proto with its serde feature",
        cargo().args([
            "clippy",
            "-p",
            "mxlab-proto",
            "--features",
            "serde",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // The web crate compiles for wasm32 only: as the app (its tests too),
    // as the app in parts with the package's entry points, and as the
    // script-tag package in parts.
    for (what, args) in [
        (
            "cargo clippy for wasm32",
            &["-p", "mxlab-web", "--all-targets"][..],
        ),
        (
            "cargo clippy for wasm32: the app in parts, with the package's entry points",
            &[
                "-p",
                "mxlab-web",
                "--all-targets",
                "--features",
                "split,package",
            ][..],
        ),
        (
            "cargo clippy for wasm32: the script-tag package in parts",
            &["-p", "mxlab-web-package", "--features", "mxlab-web/split"][..],
        ),
    ] {
        run(
            what,
            cargo()
                .args(["clippy", "--target", tools::WASM_TARGET])
                .args(args)
                .args(["--", "-D", "warnings"]),
        )?;
    }

    next("unit and integration tests (cargo test --workspace)");
    run("cargo test", cargo().args(["test", "--workspace"]))?;

    next(
        "interop with real SMTP software (smtplib, swaks, aiosmtpd, Postfix smtp-source/smtp-sink, dkimpy)",
    );
    run(
        "interop suite",
        cargo().args([
            "test",
            "-p",
            "mxlab-cli",
            "--features",
            "interop",
            "--test",
            "interop",
        ]),
    )?;

    next("wasm32 build of the protocol core and the simulation");
    run(
        "wasm32 build",
        cargo().args([
            "build",
            "--target",
            tools::WASM_TARGET,
            "-p",
            "mxlab-proto",
            "-p",
            "mxlab-sim",
        ]),
    )?;

    next("wasm-bindgen tests in headless Chromium");
    let mut cmd = cargo();
    cmd.args(["test", "--target", tools::WASM_TARGET, "-p", "mxlab-web"]);
    env.apply(&mut cmd);
    browser.apply_webdriver(&mut cmd);
    run("wasm-bindgen-test", &mut cmd)?;

    next("release build of the app (dist/)");
    let site = dist::build(&env, &root().join("dist"))?;

    next("browser end-to-end suite (Playwright + Chromium)");
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-concurrency=1"]);
    cmd.args(tools::e2e_test_files()?);
    cmd.env("MXLAB_SITE", &site);
    browser.apply_playwright(&mut cmd);
    run("end-to-end suite", &mut cmd)?;

    step(&format!("all {steps} checks passed"));
    Ok(())
}
