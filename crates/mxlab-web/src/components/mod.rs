//! The app's components, each drawing a part of the state from small,
//! typed properties and telling what the user does as
//! [`crate::state::Action`]s. None changes the state itself.
//!
//! | component | what |
//! | --- | --- |
//! | [`Background`] | what runs behind the page: computing, the clock's frames, the keyboard |
//! | [`export`] | the downloads: the scenario, the trace, the transcripts, the sweep |
//! | [`Header`] | the title, the preset picker, share, theme and presenter mode |
//! | [`Banner`] | the problem shown, dismissable |
//! | [`Stage`] | the network: hosts, links, the packets over them, zoom and pan |
//! | [`Packets`] | the lines in flight and DNS queries, drawn on a canvas |
//! | [`Palette`] | drawing the network: roles to place, connect, MX records, undo |
//! | [`SidePanel`] | the lesson, the fault menu of what is selected, the way back |
//! | [`Transport`] | play, pause, steps, speed, clock and the timeline |
//! | [`Markers`] | the timeline's coloured markers |
//! | [`ShareDialog`] | the share link and the embed code |
//! | [`panels`] | the panels below the stage |
//! | [`Lazy`] | a part of the app (a panel, a dialog) in a module of its own, fetched when first shown ([`lazy`], the parts in `parts.rs`) |

use std::rc::Rc;

use mxlab_sim::scenario::Role;

use crate::lab::Run;

mod background;
mod export;
mod fault_menu;
mod header;
mod help;
pub mod lazy;
mod markers;
mod packets;
mod palette;
pub mod panels;
pub(crate) mod parts;
mod share_dialog;
mod stage;
mod transport;

pub use background::Background;
pub use export::{download, export, Export};
pub use fault_menu::SidePanel;
pub use header::{Banner, Header};
pub use help::{Help, HelpProps};
pub use lazy::Lazy;
pub use markers::Markers;
pub use packets::{packet_at, PacketInfo, Packets};
pub use palette::Palette;
#[cfg(feature = "sweeps")]
pub use parts::SweepPart;
pub use parts::{
    prefetch, ConsolePart, EventsPart, HelpPart, LadderPart, MessagesPart, QueuesPart,
    ScenarioPart, SharePart, StatisticsPart,
};
pub use share_dialog::{Choices, ShareDialog, ShareDialogProps};
pub use stage::Stage;
pub use transport::Transport;

/// A value shared as a component property: equal when it is the same
/// value (the same `Rc`), so a part drawn from a run or a view is not
/// compared field by field, nor drawn again while it is the same.
#[derive(Debug)]
pub struct ByPtr<T: ?Sized>(pub Rc<T>);

impl<T: ?Sized> Clone for ByPtr<T> {
    fn clone(&self) -> Self {
        ByPtr(self.0.clone())
    }
}

impl<T: ?Sized> PartialEq for ByPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: ?Sized> std::ops::Deref for ByPtr<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> From<&Rc<T>> for ByPtr<T> {
    fn from(rc: &Rc<T>) -> Self {
        ByPtr(rc.clone())
    }
}

/// A run as a component property.
pub type RunRef = ByPtr<Run>;

/// A role's glyph on the stage.
pub fn role_glyph(role: Role) -> &'static str {
    match role {
        Role::Mua => "MUA",
        Role::Submission => "MSA",
        Role::Relay => "MTA",
        Role::Mx => "MX",
        Role::Resolver => "DNS",
    }
}

/// A role in words.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Mua => "mail user agent",
        Role::Submission => "submission server",
        Role::Relay => "relay",
        Role::Mx => "MX host",
        Role::Resolver => "DNS resolver",
    }
}
