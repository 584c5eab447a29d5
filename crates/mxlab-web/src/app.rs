use yew::prelude::*;

/// The MX Lab shell: header, stage and status line.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <div class="mxlab-shell">
            <header class="mxlab-header"><h1>{ "MX Lab" }</h1></header>
            <main class="mxlab-stage" aria-label="Network stage"></main>
            <footer class="mxlab-status" role="status">{ format!("MX Lab {}", env!("CARGO_PKG_VERSION")) }</footer>
        </div>
    }
}
