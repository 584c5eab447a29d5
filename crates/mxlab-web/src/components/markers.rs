//! The timeline's coloured markers: one per kind and per thousandth of the
//! timeline at most, so a run of thousands of deliveries stays light.

use std::collections::BTreeMap;

use yew::prelude::*;

use super::RunRef;
use crate::lab::Marker;

/// Properties of [`Markers`].
#[derive(Properties, PartialEq)]
pub struct MarkersProps {
    /// The run.
    pub run: RunRef,
}

/// The markers of a run (drawn once per run).
#[function_component(Markers)]
pub fn markers(props: &MarkersProps) -> Html {
    let run = &props.run;
    let n = run.events().len().max(1) as f64;
    let mut shown: BTreeMap<(u32, &'static str), (&Marker, usize)> = BTreeMap::new();
    for m in &run.markers {
        let slot = (m.position as f64 * 1000.0 / n) as u32;
        shown.entry((slot, m.kind.class())).or_insert((m, 0)).1 += 1 + m.more;
    }
    html! {
        <div class="markers" aria-hidden="true">
            { for shown.values().map(|(m, count)| html! {
                <span class={classes!("marker", m.kind.class())}
                    style={format!("left:{:.3}%", m.position as f64 * 100.0 / n)}
                    title={if *count > 1 { format!("{} (and {} more here)", m.label, count - 1) } else { m.label.clone() }} />
            }) }
        </div>
    }
}
