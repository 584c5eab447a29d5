//! `mxlab-web` is MX Lab's browser front end: a Yew app that draws what
//! `mxlab-sim` computes. It reads only the simulation's public API and
//! never parses SMTP itself.
//!
//! | module | what |
//! | --- | --- |
//! | [`lab`] | the model: a computed run, the clock, transcripts, hops (tested natively) |
//! | [`layout`] | where each host sits on the stage |
//! | [`form`] | the scenario form editor over a JSON draft |
//! | `app` | the Yew components |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;
pub mod form;
pub mod lab;
pub mod layout;

pub use app::{version_line, App};

/// Renders the MX Lab app into the page's `<body>`.
pub fn start() {
    yew::Renderer::<App>::new().render();
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
