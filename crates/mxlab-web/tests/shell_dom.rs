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
