//! What runs behind the page, drawn as nothing: the run asked for is
//! computed in slices, the sweep asked for runs in its worker, the clock
//! gets its frames while playing, the keyboard shortcuts are listened for,
//! the screen's width watched, and an embed's height told to the page that
//! frames it.

use std::rc::Rc;

use yew::prelude::*;

use crate::hooks::{
    use_clock, use_computation, use_keyboard, use_narrow, use_report_height, use_sweep,
};
use crate::state::{Action, ComputeJob, SweepJob};

/// Properties of [`Background`].
#[derive(Properties, PartialEq)]
pub struct BackgroundProps {
    /// The instance's element (the keyboard's target when `contained`).
    pub shell: NodeRef,
    /// Shortcuts only while focus is inside the instance.
    pub contained: bool,
    /// Whether the clock asks for frames.
    pub playing: bool,
    /// Whether the stage follows the screen's width (the app, not an
    /// embed: an embed keeps its columns).
    #[prop_or_default]
    pub narrow_layout: bool,
    /// Whether the instance tells the page framing it its height (an
    /// embed in an iframe).
    #[prop_or_default]
    pub report_height: bool,
    /// The run asked for.
    pub job: Option<Rc<ComputeJob>>,
    /// The sweep asked for.
    #[prop_or_default]
    pub sweep: Option<Rc<SweepJob>>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// Computing, frames and shortcuts.
#[function_component(Background)]
pub fn background(props: &BackgroundProps) -> Html {
    use_computation(props.job.clone(), props.dispatch.clone());
    use_sweep(props.sweep.clone(), props.dispatch.clone());
    use_clock(props.playing, props.dispatch.clone());
    use_keyboard(
        props.shell.clone(),
        props.contained,
        props.dispatch.reform(Action::Key),
    );
    use_narrow(props.narrow_layout, props.dispatch.reform(Action::Narrow));
    use_report_height(props.shell.clone(), props.report_height);
    html! {}
}
