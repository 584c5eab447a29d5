//! The sweep worker's entry point, built by Trunk from `www/index.html`'s
//! `data-type="worker"` link: it says it is ready, then answers the job
//! the page sends with the runs of its seeds (see the library's docs).

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    use mxlab_sweep_worker::{answer, Reply};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let send = move |reply: Reply| {
        // A page that has gone away receives nothing: nothing to do.
        let _ = replies.post_message(&JsValue::from_str(&reply.to_json()));
    };
    let to_job = send.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let text = e.data().as_string().unwrap_or_default();
        answer(&text, js_sys::Date::now, &to_job);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    send(Reply::Ready);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "MX Lab's sweep worker runs in a browser, started by the app's Sweep panel: \
         `cargo xtask serve` builds and serves it"
    );
    std::process::exit(2);
}
