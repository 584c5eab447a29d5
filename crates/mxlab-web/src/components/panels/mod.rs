//! The panels below the stage, one open at a time under their tabs.
//!
//! | panel | what |
//! | --- | --- |
//! | [`Transcript`] | the selected session's C:/S: lines, or its bytes on the wire |
//! | [`Events`] | the trace's events around the clock's moment, filtered by class |
//! | [`Queues`] | every host's queue |
//! | [`Messages`] | mailboxes and the message inspector |
//! | [`LadderPane`] | a message's journey or a session as a ladder diagram |
//! | [`Statistics`] | plots of the run |
//! | `SweepPane` | seeds `0..N` in the sweep worker, as distributions (feature `sweeps`) |
//! | [`ConsolePane`] | SMTP typed to a host by hand |
//! | [`ScenarioPane`] | import, export, the form and the JSON editor |

use yew::prelude::*;

use crate::state::{Action, Tab};

mod console;
mod events;
mod ladder;
mod messages;
mod queues;
mod scenario;
mod statistics;
#[cfg(feature = "sweeps")]
mod sweep;
mod transcript;

pub use console::{ConsolePane, ConsolePaneProps};
pub use events::{Events, EventsProps};
pub use ladder::{LadderPane, LadderProps};
pub use messages::{Messages, MessagesProps};
pub use queues::{Queues, QueuesProps};
pub use scenario::{ScenarioPane, ScenarioPaneProps};
pub use statistics::{Statistics, StatisticsProps};
#[cfg(feature = "sweeps")]
pub use sweep::{SweepPane, SweepPaneProps};
pub use transcript::{transcripts_text, ConsoleLines, Transcript};

/// Properties of [`Panels`].
#[derive(Properties, PartialEq)]
pub struct PanelsProps {
    /// The panel open.
    pub tab: Tab,
    /// The instance's element id prefix.
    pub id_prefix: AttrValue,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// The open panel's contents.
    pub children: Html,
}

/// The tabs, and the open panel.
#[function_component(Panels)]
pub fn panels(props: &PanelsProps) -> Html {
    let id = |name: String| format!("{}{name}", props.id_prefix);
    let tab = props.tab;
    html! {
        <section class="panels">
            <div role="tablist" aria-label="Panels">
                { for Tab::ALL.iter().filter(|t| cfg!(feature = "sweeps") || **t != Tab::Sweep).map(|t| {
                    let t = *t;
                    html! {
                        <button role="tab" id={id(format!("tab-{}", t.id()))} aria-selected={(tab == t).to_string()}
                            aria-controls={id(format!("panel-{}", t.id()))} onclick={props.dispatch.reform(move |_| Action::Tab(t))}>
                            { t.label() }
                        </button>
                    }
                }) }
            </div>
            <div role="tabpanel" id={id(format!("panel-{}", tab.id()))} aria-labelledby={id(format!("tab-{}", tab.id()))}>
                { props.children.clone() }
            </div>
        </section>
    }
}
