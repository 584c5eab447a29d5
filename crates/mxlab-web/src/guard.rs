//! The page defends itself (wasm32 only).
//!
//! - **Bounded fields.** A text field marked `data-mxlab-max` refuses a
//!   paste, a drop or typing that would make it longer than that many
//!   characters: the length is measured in the page, before any of the
//!   text is copied into the app, and the app is told what was refused.
//! - **The fatal banner.** A panic, or a WebAssembly trap (an allocation
//!   that fails, an `unreachable`), cannot be caught and carried on from
//!   in wasm32: the module's state is no longer trustworthy. What can be
//!   done is not to leave a dead page: a banner says what happened, in
//!   text (never markup), with a link that opens MX Lab again with its
//!   default scenario — a share link that caused it is not reopened.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function mxlabGuard(root, refuse) {
  const check = (e, added) => {
    const el = e.target;
    const max = Number(el && el.dataset ? el.dataset.mxlabMax : 0);
    if (!max || typeof el.value !== 'string') return;
    const selected = Math.max(0, (el.selectionEnd ?? 0) - (el.selectionStart ?? 0));
    const after = el.value.length - selected + added;
    if (after > max) {
      e.preventDefault();
      e.stopImmediatePropagation();
      refuse(el.dataset.mxlabField ?? '', after);
    }
  };
  const text = (dt) => (dt ? dt.getData('text/plain') ?? '' : '');
  const onPaste = (e) => check(e, text(e.clipboardData).length);
  const onBefore = (e) => {
    if (!e.inputType || !e.inputType.startsWith('insert')) return;
    const added = e.data != null ? e.data.length : e.dataTransfer ? text(e.dataTransfer).length : 1;
    check(e, added);
  };
  root.addEventListener('paste', onPaste, true);
  root.addEventListener('beforeinput', onBefore, true);
  return () => {
    root.removeEventListener('paste', onPaste, true);
    root.removeEventListener('beforeinput', onBefore, true);
  };
}

export function mxlabValueLength(el) {
  return el && typeof el.value === 'string' ? el.value.length : 0;
}

export function mxlabFatal(message) {
  if (document.getElementById('mxlab-fatal')) return;
  const banner = document.createElement('div');
  banner.id = 'mxlab-fatal';
  banner.className = 'banner fatal';
  banner.setAttribute('role', 'alert');
  const text = document.createElement('span');
  text.className = 'banner-text';
  text.textContent = message;
  const fresh = document.createElement('a');
  fresh.className = 'recover';
  fresh.href = window.location.pathname;
  fresh.textContent = 'Open MX Lab again with its default scenario';
  banner.append(text, ' ', fresh);
  (document.body ?? document.documentElement).prepend(banner);
}

export function mxlabWatchTraps() {
  if (window.mxlabWatchingTraps) return;
  window.mxlabWatchingTraps = true;
  const trapped = (err) => {
    const wasm = typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError;
    if (!wasm && !(err instanceof RangeError && /memory|allocat/i.test(String(err.message)))) return;
    mxlabFatal(`MX Lab stopped: ${err.message || err} (the page ran out of memory or hit an internal error, and cannot go on). Nothing of it is sent anywhere.`);
  };
  window.addEventListener('error', (e) => trapped(e.error));
  window.addEventListener('unhandledrejection', (e) => trapped(e.reason));
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = mxlabGuard)]
    fn guard(root: &web_sys::EventTarget, refuse: &js_sys::Function) -> js_sys::Function;

    #[wasm_bindgen(js_name = mxlabValueLength)]
    fn value_length(el: &JsValue) -> f64;

    #[wasm_bindgen(js_name = mxlabFatal)]
    fn fatal(message: &str);

    #[wasm_bindgen(js_name = mxlabWatchTraps)]
    fn watch_traps();
}

/// Guards the bounded fields under `root` while it lives: `refuse(field,
/// length)` is called with the field's `data-mxlab-field` and the length
/// it would have had.
pub struct Guard {
    remove: js_sys::Function,
    _refuse: Closure<dyn FnMut(String, f64)>,
}

impl Guard {
    /// Starts guarding.
    pub fn new(root: &web_sys::EventTarget, refuse: impl FnMut(String, f64) + 'static) -> Guard {
        let refuse = Closure::<dyn FnMut(String, f64)>::new(refuse);
        let remove = guard(root, refuse.as_ref().unchecked_ref());
        Guard {
            remove,
            _refuse: refuse,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.remove.call0(&JsValue::NULL);
    }
}

/// The length of a text field's value in UTF-16 code units, measured in
/// the page (nothing is copied).
pub fn field_length(el: &JsValue) -> usize {
    value_length(el) as usize
}

/// Makes every panic and every WebAssembly trap show the fatal banner.
pub fn install() {
    watch_traps();
    std::panic::set_hook(Box::new(|info| {
        let message = format!(
            "MX Lab stopped on an internal error ({info}). It cannot go on in this page: \
             open MX Lab again with the link below."
        );
        web_sys::console::error_1(&message.clone().into());
        // The banner is made in the page, not by this module: after a
        // panic, nothing more of it should be trusted to run.
        fatal(&message);
    }));
}
