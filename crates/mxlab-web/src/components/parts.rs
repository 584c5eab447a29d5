//! The parts of the app that live in modules of their own (see
//! [`super::lazy`]): each is fetched the first time it is shown. The stage,
//! the palette, the lesson and fault menu, the transport, and the
//! Transcript, Events and Queues panels are in the main module: the page
//! shows them at once.

use super::lazy::part;
use super::panels::{
    ConsolePane, ConsolePaneProps, LadderPane, LadderProps, Messages, MessagesProps, ScenarioPane,
    ScenarioPaneProps, Statistics, StatisticsProps,
};
use super::{Help, HelpProps, ShareDialog, ShareDialogProps};

part!(
    /// The Statistics panel, with its plots.
    StatisticsPart, statistics, "Statistics panel", StatisticsProps, Statistics
);
part!(
    /// The Ladder panel.
    LadderPart, ladder, "Ladder panel", LadderProps, LadderPane
);
part!(
    /// The Messages panel (the message inspector).
    MessagesPart, messages, "Messages panel", MessagesProps, Messages
);
part!(
    /// The Console panel.
    ConsolePart, console, "Console panel", ConsolePaneProps, ConsolePane
);
part!(
    /// The Scenario panel: the form and the JSON editor.
    ScenarioPart, scenario, "Scenario panel", ScenarioPaneProps, ScenarioPane
);
part!(
    /// The share dialog.
    SharePart, share, "share dialog", ShareDialogProps, ShareDialog
);
part!(
    /// The keyboard help.
    HelpPart, help, "keyboard help", HelpProps, Help
);
#[cfg(feature = "sweeps")]
part!(
    /// The Sweep panel.
    SweepPart, sweep, "Sweep panel", super::panels::SweepPaneProps, super::panels::SweepPane
);
