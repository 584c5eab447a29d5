//! The app's hooks: what the browser does over time for the state, each
//! turning what happens into [`crate::state::Action`]s.
//!
//! | hook | what |
//! | --- | --- |
//! | [`use_clock`] | a frame after frame while playing |
//! | [`use_computation`] | the run asked for, computed in slices between frames |
//! | [`use_keyboard`] | the keyboard shortcuts |
//! | [`use_wheel_zoom`] | the wheel zooms the stage |
//! | [`use_narrow`] | whether the screen is narrow (hosts in rows) |
//! | [`use_report_height`] | an embed tells its page how tall it is |
//! | [`use_sweep`] | the sweep asked for, run in the sweep worker (nothing without the feature `sweeps`) |

mod clock;
mod computation;
mod keyboard;
mod narrow;
mod report_height;
#[cfg(feature = "sweeps")]
mod sweep;
mod wheel_zoom;

pub use clock::use_clock;
pub use computation::use_computation;
pub use keyboard::use_keyboard;
pub use narrow::use_narrow;
pub use report_height::use_report_height;
#[cfg(feature = "sweeps")]
pub use sweep::use_sweep;
pub use wheel_zoom::use_wheel_zoom;

/// Without the feature `sweeps` (the script-tag package): no sweep worker,
/// and nothing runs.
#[cfg(not(feature = "sweeps"))]
#[yew::hook]
pub fn use_sweep(
    _job: Option<std::rc::Rc<crate::state::SweepJob>>,
    _dispatch: yew::Callback<crate::state::Action>,
) {
}
