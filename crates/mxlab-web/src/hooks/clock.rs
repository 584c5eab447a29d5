//! The clock's frames: while playing, every animation frame's timestamp is
//! told to the state ([`Action::Frame`]), which moves the clock.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::state::Action;

/// The frame callback: called with the frame's timestamp.
type FrameCallback = Closure<dyn FnMut(f64)>;

/// A loop of animation frames with one callback, asked for again after
/// each frame until stopped.
struct FrameLoop {
    /// The frame asked for.
    id: Cell<Option<i32>>,
    /// The callback, set once the loop is built.
    callback: RefCell<Option<FrameCallback>>,
}

impl FrameLoop {
    fn request(&self) {
        let callback = self.callback.borrow();
        let id = callback.as_ref().and_then(|c| {
            gloo::utils::window()
                .request_animation_frame(c.as_ref().unchecked_ref())
                .ok()
        });
        self.id.set(id);
    }

    fn stop(&self) {
        if let Some(id) = self.id.take() {
            let _ = gloo::utils::window().cancel_animation_frame(id);
        }
    }
}

/// Frames while `playing`: each one dispatched as [`Action::Frame`]; none
/// once paused.
#[hook]
pub fn use_clock(playing: bool, dispatch: Callback<Action>) {
    use_effect_with(playing, move |playing| {
        let frames = Rc::new(FrameLoop {
            id: Cell::new(None),
            callback: RefCell::new(None),
        });
        if *playing {
            let weak = Rc::downgrade(&frames);
            *frames.callback.borrow_mut() = Some(Closure::new(move |ts: f64| {
                if let Some(frames) = weak.upgrade() {
                    frames.id.set(None);
                    dispatch.emit(Action::Frame(ts));
                    frames.request();
                }
            }));
            frames.request();
        }
        // Paused (or gone): the frame asked for is cancelled.
        move || {
            frames.stop();
            // The callback goes with the loop, after the frame it may be
            // running in (the state is told on the scheduler's turn, not
            // from inside this callback).
            drop(frames);
        }
    });
}
