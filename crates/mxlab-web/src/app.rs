use yew::prelude::*;

/// The versions shown in the status line, so a bug report names the build.
pub fn version_line() -> String {
    format!(
        "MX Lab {} · simulation {} · protocol core {}",
        env!("CARGO_PKG_VERSION"),
        mxlab_sim::VERSION,
        mxlab_sim::PROTO_VERSION
    )
}

/// The MX Lab shell: header, stage and status line.
#[function_component(App)]
pub fn app() -> Html {
    // Mark the document once the first frame is on screen, so tools and
    // tests can tell that the WebAssembly module initialised and rendered.
    use_effect_with((), |_| {
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            // Failing to set a marker attribute changes nothing for the user.
            let _ = body.set_attribute("data-mxlab-ready", "true");
        }
    });

    html! {
        <div class="mxlab-shell">
            <header class="mxlab-header">
                <h1>{ "MX Lab" }</h1>
                <span class="tagline">{ "See how mail really moves: SMTP, DNS, queues, retries and bounces" }</span>
            </header>
            <main class="mxlab-stage" aria-label="Network stage">
                <svg viewBox="0 0 800 320" role="img" aria-label="Empty network">
                    <text class="empty" x="400" y="165" text-anchor="middle">
                        { "No scenario loaded yet" }
                    </text>
                </svg>
            </main>
            <footer class="mxlab-status" role="status">
                <span class="version">{ version_line() }</span>
                <span class="state">{ "ready" }</span>
            </footer>
        </div>
    }
}
