//! `mxlab-web` is MX Lab's browser front end: a Yew app that draws what
//! `mxlab-sim` computes. It reads only the simulation's public API and
//! never parses SMTP itself.
//!
//! | module | what |
//! | --- | --- |
//! | [`bounds`] | what the app takes in and keeps: text sizes, lessons, console lines, problems listed |
//! | [`compute`] | computing a run in slices, under the browser's budget |
//! | [`draw`] | the palette's gestures as edits of the scenario: place, connect, MX, delete (tested natively) |
//! | [`injection`] | what is done by hand at a moment (a fault, a host brought up, a link healed, a typed message) |
//! | [`lab`] | the model: a computed run, the clock, transcripts, hops (tested natively) |
//! | [`layout`] | where each host sits on the stage |
//! | [`form`] | the scenario form editor over a JSON draft |
//! | [`options`] | how an instance starts: page query and hash, embed view, `mount()` |
//! | [`plot`] | the statistics plots' scales, ticks, buckets and bins (tested natively) |
//! | [`share`] | share links: the scenario and the moment in the URL's hash |
//! | [`state`] | the app's state, its actions and the reducer (tested natively) |
//! | `app` | the shell: owns the state, carries out its effects, lays the page out (wasm32) |
//! | `components` | the Yew components, `components/panels` the panels below the stage, `components/parts.rs` those in modules of their own (wasm32) |
//! | `hooks` | the clock's frames, computing in slices, the keyboard, the wheel (wasm32) |
//! | `guard` | bounded text fields, and the banner for a panic or a trap (wasm32) |
//! | `embed` | `start()` for the app's page, and the panic banner (wasm32) |
//! | `engine` | the simulation engine as the app reaches it: a part of its own, fetched as the page starts |
//! | `writer` | writing a scenario or a trace out, and the editor's warnings: a part of its own |
//! | `package` | `mount()`/`unmount()`/`version()` for script tags: the package's alone (feature `package`, wasm32) |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod app;
pub mod bounds;
pub mod clock;
#[cfg(target_arch = "wasm32")]
mod components;
pub mod compute;
pub mod draw;
#[cfg(target_arch = "wasm32")]
mod embed;
pub mod engine;
pub mod form;
#[cfg(target_arch = "wasm32")]
mod guard;
#[cfg(target_arch = "wasm32")]
mod hooks;
pub mod injection;
pub mod lab;
pub mod layout;
pub mod options;
#[cfg(all(target_arch = "wasm32", feature = "package"))]
mod package;
pub mod plot;
pub mod share;
pub mod state;
pub mod writer;

#[cfg(target_arch = "wasm32")]
pub use app::{App, AppProps};
#[cfg(target_arch = "wasm32")]
pub use embed::{install_panic_banner, start};
#[cfg(all(target_arch = "wasm32", feature = "package"))]
pub use package::{engine_benchmark, mount, unmount, version, MountOptions};

/// The versions shown in the status line, so a bug report names the build.
pub fn version_line() -> String {
    format!(
        "MX Lab {} · simulation {} · protocol core {}",
        env!("CARGO_PKG_VERSION"),
        mxlab_sim::VERSION,
        mxlab_sim::PROTO_VERSION
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_line_names_every_part() {
        let line = super::version_line();
        assert!(line.starts_with("MX Lab "), "{line}");
        assert!(line.contains("simulation "), "{line}");
        assert!(line.contains("protocol core "), "{line}");
    }
}
