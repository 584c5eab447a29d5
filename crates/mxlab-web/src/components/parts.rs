//! The parts of the app that live in modules of their own (see
//! [`super::lazy`]): each is fetched the first time it is shown. The stage,
//! the palette, the lesson and fault menu, the transport, and the
//! Transcript, Events and Queues panels are in the main module: the page
//! shows them at once. The Ladder panel is also an embed's (`view=ladder`);
//! the others (`page`) are the app page's alone.

use super::lazy::{part, Part};
use super::panels::{
    ConsolePane, ConsolePaneProps, LadderPane, LadderProps, Messages, MessagesProps, ScenarioPane,
    ScenarioPaneProps, Statistics, StatisticsProps,
};
use super::{Help, HelpProps, ShareDialog, ShareDialogProps};

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
    page
    /// The Scenario panel: the form and the JSON editor.
    ScenarioPart, scenario, "Scenario panel", ScenarioPaneProps, ScenarioPane
);
part!(
    page
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
    page
    /// The Sweep panel.
    SweepPart, sweep, "Sweep panel", super::panels::SweepPaneProps, super::panels::SweepPane
);

/// Fetches every part in the background, one after another, a moment
/// after the app's first run is shown: the first page loads only the main
/// module, and a panel opened later is there at once. A part that fails to
/// load here is fetched again when it is shown.
pub fn prefetch() {
    /// How long after the first run the fetching starts, in milliseconds.
    const AFTER_MILLIS: u32 = 1_500;
    wasm_bindgen_futures::spawn_local(async {
        gloo::timers::future::TimeoutFuture::new(AFTER_MILLIS).await;
        let _ = LadderPart::load().await;
        let _ = MessagesPart::load().await;
        let _ = StatisticsPart::load().await;
        let _ = ScenarioPart::load().await;
        let _ = ConsolePart::load().await;
        let _ = SharePart::load().await;
        let _ = HelpPart::load().await;
        #[cfg(feature = "sweeps")]
        let _ = SweepPart::load().await;
    });
}
