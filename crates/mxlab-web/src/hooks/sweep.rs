//! Running the sweep the state asks for ([`crate::state::SweepPanel::job`])
//! in the sweep worker, so that the page stays responsive: the worker is
//! started when a sweep starts (its module is loaded only then), handed
//! the job once it says it is ready, and ended when the job goes (done,
//! cancelled, failed or replaced). Its replies come back as
//! [`SweepMsg::Reply`]; a worker that cannot be started, does not answer
//! or fails comes back as [`SweepMsg::WorkerFailed`] with the reason.

use std::cell::Cell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use mxlab_sweep_worker::{Reply, LOADER};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};
use yew::prelude::*;

use crate::state::{Action, SweepJob, SweepMsg};

/// How long the worker may take to load before the sweep gives up on it.
const READY_WITHIN_MILLIS: u32 = 20_000;

/// A worker running one sweep; dropping it ends the worker.
struct Running {
    worker: Worker,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(Event)>,
    _ready_timeout: Timeout,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Words for what a failed browser call threw.
fn described(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "no reason given".to_owned())
}

impl Running {
    /// Starts the worker for `job`; `None` (and the failure dispatched)
    /// if the browser refuses to start it.
    fn start(job: &SweepJob, dispatch: Callback<Action>) -> Option<Running> {
        let id = job.id;
        let failed = {
            let dispatch = dispatch.clone();
            move |why: String| dispatch.emit(Action::Sweep(SweepMsg::WorkerFailed(id, why)))
        };
        let worker = match Worker::new(LOADER) {
            Ok(w) => w,
            Err(e) => {
                failed(format!(
                    "the browser does not start the sweep worker here ({})",
                    described(&e)
                ));
                return None;
            }
        };
        let ready = Rc::new(Cell::new(false));
        let on_message = {
            let worker = worker.clone();
            let message = job.message.clone();
            let ready = ready.clone();
            let failed = failed.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                let text = e.data().as_string().unwrap_or_default();
                match Reply::parse(&text) {
                    Ok(Reply::Ready) => {
                        ready.set(true);
                        if let Err(e) = worker.post_message(&JsValue::from_str(&message)) {
                            failed(format!(
                                "the sweep could not be handed to its worker ({})",
                                described(&e)
                            ));
                        }
                    }
                    Ok(reply) => dispatch.emit(Action::Sweep(SweepMsg::Reply(id, reply))),
                    Err(why) => failed(why),
                }
            })
        };
        let on_error = {
            let ready = ready.clone();
            let failed = failed.clone();
            Closure::<dyn Fn(Event)>::new(move |e: Event| {
                // Said here, in the panel, not again on the console.
                e.prevent_default();
                let message = e
                    .dyn_ref::<ErrorEvent>()
                    .map(ErrorEvent::message)
                    .filter(|m| !m.is_empty());
                failed(match (message, ready.get()) {
                    (Some(m), _) => format!("the sweep worker failed ({m})"),
                    (None, false) => format!(
                        "the sweep worker could not be loaded ({LOADER} and the files it \
                         loads must be beside the page)"
                    ),
                    (None, true) => "the sweep worker failed".to_owned(),
                });
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let ready_timeout = Timeout::new(READY_WITHIN_MILLIS, move || {
            if !ready.get() {
                failed(format!(
                    "the sweep worker did not start within {} s",
                    READY_WITHIN_MILLIS / 1000
                ));
            }
        });
        Some(Running {
            worker,
            _on_message: on_message,
            _on_error: on_error,
            _ready_timeout: ready_timeout,
        })
    }
}

/// Runs `job` in the sweep worker while it is the state's job.
#[hook]
pub fn use_sweep(job: Option<Rc<SweepJob>>, dispatch: Callback<Action>) {
    use_effect_with(job, move |job| {
        let running = job.as_ref().and_then(|j| Running::start(j, dispatch));
        move || drop(running)
    });
}
