//! `mxlab-web` is MX Lab's browser front end: a Yew app that draws what
//! `mxlab-sim` computes. It reads only the simulation's public API and
//! never parses SMTP itself.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;

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
