//! Computing the run the state asks for ([`crate::state::State::job`]) in
//! slices between frames, so the page never freezes: each slice reports
//! its progress, and the last one the run. A job replaced by another is
//! dropped where it stands.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use crate::state::{Action, ComputeJob};

/// Milliseconds of computing per slice before the page gets a frame back.
const SLICE_MILLIS: f64 = 25.0;

/// The page's clock in milliseconds (only to cut computing into slices;
/// the simulation never reads it).
fn now_millis() -> f64 {
    gloo::utils::window()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Marks the page's performance timeline (DevTools shows it, and the
/// browser benchmark reads it): `mxlab-compute` as a run starts
/// computing, and a measure of that name when it is done.
fn mark_computing(done: bool) {
    if let Some(p) = gloo::utils::window().performance() {
        let _ = if done {
            p.measure_with_start_mark("mxlab-compute", "mxlab-compute")
        } else {
            p.mark("mxlab-compute")
        };
    }
}

/// What `load` gives once it can be fetched, asking again every few
/// seconds; `None` if the job was dropped meanwhile.
async fn until_loaded<T, F>(load: impl Fn() -> F, stop: &Cell<bool>) -> Option<T>
where
    F: std::future::Future<Output = Result<T, crate::components::lazy::LoadError>>,
{
    loop {
        if let Ok(loaded) = load().await {
            return Some(loaded);
        }
        yew::platform::time::sleep(Duration::from_secs(3)).await;
        if stop.get() {
            return None;
        }
    }
}

/// Computes `job` in slices of [`SLICE_MILLIS`], each in a task of its
/// own; dispatches [`Action::Progress`] after each slice and
/// [`Action::Computed`] at the end.
#[hook]
pub fn use_computation(job: Option<Rc<ComputeJob>>, dispatch: Callback<Action>) {
    use_effect_with(job, move |job| {
        let dropped = Rc::new(Cell::new(false));
        if let Some(job) = job.clone() {
            mark_computing(false);
            let stop = dropped.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A scenario that signs or checks mail waits for the
                // authentication module; every run waits for the engine's
                // (fetched as the page starts). While one cannot be
                // fetched, it is asked for again every few seconds.
                if job.needs_auth()
                    && until_loaded(crate::components::parts::ensure_auth, &stop)
                        .await
                        .is_none()
                {
                    return;
                }
                let Some(engine) =
                    until_loaded(crate::components::parts::ensure_engine, &stop).await
                else {
                    return;
                };
                let mut computation = (engine.start)(&job);
                loop {
                    // In a task of its own: what led here (reading and
                    // checking a scenario of megabytes) and the first
                    // slice are not one block.
                    yew::platform::time::sleep(Duration::from_millis(0)).await;
                    if stop.get() {
                        return;
                    }
                    match computation.step_within(SLICE_MILLIS, &mut now_millis) {
                        Some(run) => {
                            mark_computing(true);
                            dispatch.emit(Action::Computed(job.id, Rc::new(run)));
                            return;
                        }
                        None => dispatch.emit(Action::Progress(job.id, computation.progress())),
                    }
                }
            });
        }
        move || dropped.set(true)
    });
}
