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
    install_panic_banner();
    yew::Renderer::<App>::new().render();
}

/// Should the app ever panic, the page says so in a banner rather than
/// going blank or silently freezing.
pub fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!(
            "MX Lab stopped on an internal error ({info}). Reload the page to start again; \
             export your scenario first if you changed it."
        );
        web_sys::console::error_1(&message.clone().into());
        let document = gloo::utils::document();
        if let (Ok(banner), Some(body)) = (document.create_element("div"), document.body()) {
            banner.set_class_name("banner fatal");
            let _ = banner.set_attribute("role", "alert");
            // Text, never markup: the message may quote scenario data.
            banner.set_text_content(Some(&message));
            let _ = body.prepend_with_node_1(&banner);
        }
    }));
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
