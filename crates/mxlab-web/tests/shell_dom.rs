//! The shell rendered into a real DOM, run by wasm-bindgen-test in headless Chromium.
#![cfg(target_arch = "wasm32")]
// Clippy does not see `#[wasm_bindgen_test]` functions as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[wasm_bindgen_test]
async fn shell_renders_header_stage_and_status() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<mxlab_web::App>::with_root(root.clone()).render();
    next_tick().await;

    let h1 = root.query_selector("header h1").unwrap().expect("a header");
    assert_eq!(h1.text_content().unwrap(), "MX Lab");
    assert!(root
        .query_selector("main.mxlab-stage svg")
        .unwrap()
        .is_some());
    let status = root
        .query_selector("footer[role=status] .version")
        .unwrap()
        .expect("a status line")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    assert_eq!(status.inner_text(), mxlab_web::version_line());
    assert_eq!(
        document
            .body()
            .unwrap()
            .get_attribute("data-mxlab-ready")
            .as_deref(),
        Some("true")
    );
}

/// Waits (up to about two seconds) until `selector` matches under `root`.
async fn wait_for(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    for _ in 0..100 {
        if let Some(e) = root.query_selector(selector).unwrap() {
            return e;
        }
        next_tick().await;
    }
    panic!("nothing matched {selector}");
}

#[wasm_bindgen_test]
async fn the_first_preset_runs_and_a_click_opens_a_hosts_fault_menu() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<mxlab_web::App>::with_root(root.clone()).render();

    // The run is computed and every host of the preset is on stage.
    let host = wait_for(&root, "g.host[data-host='mx.example.org']").await;
    let hosts = root.query_selector_all("g.host").unwrap().length();
    let first = mxlab_sim::presets::preset(mxlab_sim::presets::PRESETS[0].0).unwrap();
    assert_eq!(hosts as usize, first.nodes.len());
    let lesson = root.query_selector(".lesson p").unwrap().unwrap();
    assert_eq!(lesson.text_content().unwrap(), first.lesson);

    // Clicking a host selects it and opens its fault menu.
    host.dispatch_event(&web_sys::MouseEvent::new("click").unwrap())
        .unwrap();
    let menu = wait_for(&root, ".fault-menu h2").await;
    assert_eq!(menu.text_content().unwrap(), "mx.example.org");
    assert!(root
        .query_selector("g.host.selected[data-host='mx.example.org']")
        .unwrap()
        .is_some());
}
