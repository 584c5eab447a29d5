//! `mxlab-web` is MX Lab's browser front end: a Yew app that draws what
//! `mxlab-sim` computes. It reads only the simulation's public API and
//! never parses SMTP itself.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;

pub use app::App;

/// Renders the MX Lab app into the page's `<body>`.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
