//! The app page's entry point (`start`) and the panic banner. The script-tag
//! package's (`mount`, `unmount`, `version`) are in `package.rs`.

use std::rc::Rc;

use crate::app::{App, AppProps};
use crate::options::Options;

/// Renders the MX Lab app into the page's `<body>`, started as the page's
/// address asks: `?embed=1…` for the embed view, `#v1.…` for a share link.
pub fn start() {
    install_panic_banner();
    let location = gloo::utils::window().location();
    // A hash longer than any link is refused before it is copied in.
    let hash_length = crate::share::page_hash_length();
    let hash = if hash_length > crate::share::MAX_HASH {
        String::new()
    } else {
        location.hash().unwrap_or_default()
    };
    let mut options = Options::from_location(
        &location.pathname().unwrap_or_default(),
        &location.search().unwrap_or_default(),
        &hash,
    );
    if hash.is_empty() && hash_length > crate::share::MAX_HASH {
        options.problems.push(format!(
            "{} The default scenario is open instead.",
            crate::share::LinkError::TooLong(hash_length)
        ));
    }
    yew::Renderer::<App>::with_props(AppProps {
        options: Rc::new(options),
    })
    .render();
}

/// Should the app ever panic or trap, the page says so in a banner with a
/// way back to a working MX Lab, rather than going blank or silently
/// freezing (see [`crate::guard`]).
pub fn install_panic_banner() {
    crate::guard::install();
}
