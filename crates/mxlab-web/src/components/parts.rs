//! The parts of the app that live in modules of their own (see
//! [`super::lazy`]): each is fetched the first time it is shown. The stage,
//! the palette, the lesson and fault menu, the transport, and the
//! Transcript panel are in the main module: the page
//! shows them at once. The Ladder panel is also an embed's (`view=ladder`);
//! the others (`page`) are the app page's alone. Mail authentication is a
//! part too, fetched before the first run of a scenario that uses it; and
//! so is the simulation engine, fetched as the page starts, beside the
//! main module, which draws the page and its scenario meanwhile.

use super::lazy::{part, Part};
use super::panels::{
    ConsolePane, ConsolePaneProps, Events, EventsProps, LadderPane, LadderProps, Messages,
    MessagesProps, Queues, QueuesProps, ScenarioPane, ScenarioPaneProps, Statistics,
    StatisticsProps,
};
use super::{Help, HelpProps, ShareDialog, ShareDialogProps};
use crate::engine::Engine;

part!(
    page
    /// The Events panel.
    EventsPart, events, "Events panel", EventsProps, Events
);
part!(
    page
    /// The Queues panel.
    QueuesPart, queues, "Queues panel", QueuesProps, Queues
);
part!(
    page
    /// The Statistics panel, with its plots.
    StatisticsPart, statistics, "Statistics panel", StatisticsProps, Statistics
);
part!(
    /// The Ladder panel.
    LadderPart, ladder, "Ladder panel", LadderProps, LadderPane
);
part!(
    page
    /// The Messages panel (the message inspector).
    MessagesPart, messages, "Messages panel", MessagesProps, Messages
);
part!(
    page
    /// The Console panel.
    ConsolePart, console, "Console panel", ConsolePaneProps, ConsolePane
);
part!(
    page writes
    /// The Scenario panel: the form and the JSON editor.
    ScenarioPart, scenario, "Scenario panel", ScenarioPaneProps, ScenarioPane
);
part!(
    page writes
    /// The share dialog.
    SharePart, share, "share dialog", ShareDialogProps, ShareDialog
);
part!(
    page
    /// The keyboard help.
    HelpPart, help, "keyboard help", HelpProps, Help
);
#[cfg(feature = "sweeps")]
part!(
    page writes
    /// The Sweep panel.
    SweepPart, sweep, "Sweep panel", super::panels::SweepPaneProps, super::panels::SweepPane
);

/// The mail authentication module (SPF, DKIM, DMARC and their
/// cryptography), a part without a view: a run of a scenario that signs or
/// checks mail waits for it ([`ensure_auth`]).
#[cfg(all(feature = "split", target_family = "wasm"))]
#[wasm_split_helpers::wasm_split(auth, fallible)]
fn auth() -> Result<fn() -> mxlab_sim::auth::Provider, super::lazy::LoadError> {
    Ok(mxlab_sim::auth::builtin)
}

#[cfg(not(all(feature = "split", target_family = "wasm")))]
async fn auth() -> Result<fn() -> mxlab_sim::auth::Provider, super::lazy::LoadError> {
    Ok(mxlab_sim::auth::builtin)
}

/// Makes mail authentication available to the engine, fetching its module
/// first if need be.
pub async fn ensure_auth() -> Result<(), super::lazy::LoadError> {
    if mxlab_sim::auth::provider().is_none() {
        let builtin = auth().await?;
        mxlab_sim::auth::install(builtin());
    }
    Ok(())
}

#[cfg(all(feature = "split", target_family = "wasm"))]
#[wasm_split_helpers::wasm_split(engine, fallible)]
fn engine() -> Result<Engine, super::lazy::LoadError> {
    Ok(crate::engine::builtin())
}

#[cfg(not(all(feature = "split", target_family = "wasm")))]
async fn engine() -> Result<Engine, super::lazy::LoadError> {
    Ok(crate::engine::builtin())
}

/// The engine, fetching its module first if need be.
pub async fn ensure_engine() -> Result<Engine, super::lazy::LoadError> {
    if let Some(engine) = crate::engine::engine() {
        return Ok(engine);
    }
    let engine = engine().await?;
    crate::engine::install(engine);
    Ok(engine)
}

/// The writer's module ([`crate::writer`]): writing a scenario or a trace
/// out, and the editor's warnings.
#[cfg(all(feature = "split", target_family = "wasm"))]
#[wasm_split_helpers::wasm_split(writer, fallible)]
fn writer() -> Result<crate::writer::Writer, super::lazy::LoadError> {
    Ok(crate::writer::builtin())
}

#[cfg(not(all(feature = "split", target_family = "wasm")))]
async fn writer() -> Result<crate::writer::Writer, super::lazy::LoadError> {
    Ok(crate::writer::builtin())
}

/// The writer, fetching its module first if need be.
pub async fn ensure_writer() -> Result<crate::writer::Writer, super::lazy::LoadError> {
    if let Some(w) = crate::writer::writer() {
        return Ok(w);
    }
    let w = writer().await?;
    crate::writer::install(w);
    Ok(w)
}

/// Fetches every part in the background, one after another, a moment
/// after the app's first run is shown: the first page loads only the main
/// module, and a panel opened later is there at once. A part that fails to
/// load here is fetched again when it is shown.
pub fn prefetch() {
    /// How long after the first run the fetching starts, in milliseconds.
    const AFTER_MILLIS: u32 = 1_500;
    wasm_bindgen_futures::spawn_local(async {
        gloo::timers::future::TimeoutFuture::new(AFTER_MILLIS).await;
        let _ = ensure_writer().await;
        let _ = EventsPart::load().await;
        let _ = QueuesPart::load().await;
        let _ = LadderPart::load().await;
        let _ = MessagesPart::load().await;
        let _ = StatisticsPart::load().await;
        let _ = ScenarioPart::load().await;
        let _ = ConsolePart::load().await;
        let _ = SharePart::load().await;
        let _ = HelpPart::load().await;
        #[cfg(feature = "sweeps")]
        let _ = SweepPart::load().await;
        let _ = ensure_auth().await;
    });
}
