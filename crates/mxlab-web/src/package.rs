//! The script-tag package's entry points (feature `package`): simulators
//! mounted into any page by script (`mount`, `unmount`, `version`), the
//! styles they put into the page, and the engine's benchmark for
//! `cargo xtask bench`. The app's page has none of them.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::app::{App, AppProps};
use crate::embed::install_panic_banner;
use crate::options::Options;

#[wasm_bindgen(typescript_custom_section)]
const MOUNT_OPTIONS: &str = r#"
/** How a mounted simulator starts. Every field is optional. */
export interface MountOptions {
  /** A preset name (e.g. "mx-fallback") or a share link's hash ("v1.…"). */
  scenario?: string;
  /** Start playing once the run is computed. */
  autoplay?: boolean;
  /** Start again at the end. */
  loop?: boolean;
  /** Virtual seconds per real second (0.1 to 10000), or "lesson": every
   *  SMTP line, DNS query and connection step takes the same real time. */
  speed?: number | "lesson";
  /** Lesson pace: real seconds per step (0.8 by default). */
  pace?: number;
  /** The moment to open at, in seconds of virtual time (a loop comes back
   *  to it). */
  start?: number;
  /** What to show: the network, the transcript, both (the default), or
   *  the ladder diagram of the first message's journey. */
  view?: "network" | "transcript" | "both" | "ladder";
  /** Light or dark; the system's preference when unset. */
  theme?: "light" | "dark";
}
"#;

#[wasm_bindgen]
extern "C" {
    /// The options object of [`mount`].
    #[wasm_bindgen(typescript_type = "MountOptions")]
    pub type MountOptions;
}

thread_local! {
    static MOUNTED: RefCell<BTreeMap<u32, yew::AppHandle<App>>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT: Cell<u32> = const { Cell::new(1) };
}

/// The options of a `mount()` call, read from its JS object.
fn mount_options(options: Option<&JsValue>, n: u32) -> Options {
    let mut o = Options {
        embed: true,
        contained: true,
        id_prefix: format!("mxlab-{n}-"),
        ..Options::default()
    };
    let Some(obj) = options.filter(|v| v.is_object()) else {
        return o;
    };
    for key in [
        "scenario", "autoplay", "loop", "speed", "pace", "start", "view", "theme",
    ] {
        let Ok(v) = js_sys::Reflect::get(obj, &JsValue::from_str(key)) else {
            continue;
        };
        if let Some(s) = v.as_string() {
            o.set(key, &s);
        } else if let Some(b) = v.as_bool() {
            o.set(key, if b { "1" } else { "0" });
        } else if let Some(f) = v.as_f64() {
            o.set(key, &f.to_string());
        } else if !v.is_undefined() && !v.is_null() {
            o.problems
                .push(format!("option {key} has an unusable value"));
        }
    }
    o
}

/// Puts MX Lab's styles into the page once (every rule is scoped to the
/// simulator's own elements).
fn ensure_styles() {
    let document = gloo::utils::document();
    if document.get_element_by_id("mxlab-styles").is_some() {
        return;
    }
    if let (Ok(style), Some(head)) = (document.create_element("style"), document.head()) {
        style.set_id("mxlab-styles");
        style.set_text_content(Some(include_str!("../../../www/styles.css")));
        let _ = head.append_child(&style);
    }
}

/// Mounts a simulator into `element`; returns a handle for [`unmount`].
/// Several simulators can live on one page, each with its own options.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, options: Option<MountOptions>) -> u32 {
    install_panic_banner();
    ensure_styles();
    let n = NEXT.with(|c| {
        let n = c.get();
        c.set(n.wrapping_add(1));
        n
    });
    let options = mount_options(options.as_ref().map(|o| o.as_ref()), n);
    let handle = yew::Renderer::<App>::with_root_and_props(
        element,
        AppProps {
            options: Rc::new(options),
        },
    )
    .render();
    MOUNTED.with(|m| m.borrow_mut().insert(n, handle));
    n
}

/// Removes the simulator `handle` from its element; false if there is none.
#[wasm_bindgen]
pub fn unmount(handle: u32) -> bool {
    match MOUNTED.with(|m| m.borrow_mut().remove(&handle)) {
        Some(app) => {
            app.destroy();
            true
        }
        None => false,
    }
}

/// Runs the engine's benchmark network (`domains` MX hosts, `messages`
/// messages: `mxlab_sim::presets::network`) to quiescence in this page,
/// drawing nothing; returns `[milliseconds, events]`, the time taken from
/// `Sim::new` to the end of the run (the engine's module fetched first). It is the browser half of the
/// wasm-against-native figure of `cargo xtask bench`.
#[wasm_bindgen]
pub async fn engine_benchmark(domains: u32, messages: u32) -> Result<Vec<f64>, JsError> {
    let engine = crate::components::parts::ensure_engine()
        .await
        .map_err(|_| JsError::new("the engine's module could not be fetched"))?;
    let scenario = mxlab_sim::presets::network(domains as usize, messages as usize)
        .map_err(|e| JsError::new(&e.to_string()))?;
    let performance = web_sys::window()
        .and_then(|w| w.performance())
        .ok_or_else(|| JsError::new("no performance clock in this page"))?;
    let start = performance.now();
    let (quiet, events) = (engine.settle)(scenario);
    let ms = performance.now() - start;
    if !quiet {
        return Err(JsError::new("the benchmark network did not come to rest"));
    }
    Ok(vec![ms, events as f64])
}

/// The MX Lab version, e.g. "0.1.0".
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
