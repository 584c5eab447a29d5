//! The reducer, action by action: each test starts from a state as an
//! instance starts, computes the runs it asks for as the computation hook
//! would (at once rather than in slices), and checks what shows.

use super::*;
use crate::bounds::{MAX_CONSOLE_LINE, MAX_TEXT};
use crate::form::FormMsg;
use crate::lab::{Injected, Injection};
use mxlab_sim::scenario::DownMode;
use mxlab_sim::scenario::Fault;

mod drawing;
mod editing;
mod json_text;
mod playback;
mod sweep;
mod warnings;

/// A state started with `opts`, light theme.
fn started(opts: Options) -> (State, Outcome) {
    State::new(Rc::new(opts), false)
}

/// A state with preset `name` open and its run computed.
fn ready(name: &str) -> State {
    let (mut s, _) = started(Options {
        scenario: Some(name.into()),
        ..Options::default()
    });
    settle(&mut s);
    s
}

/// Computes the job asked for, as the computation hook does; returns
/// whether there was one.
fn settle(s: &mut State) -> bool {
    let Some(job) = s.job.clone() else {
        return false;
    };
    let run = job.computation().finish();
    let out = s.reduce(Action::Computed(job.id, Rc::new(run)));
    assert!(out.redraw);
    assert!(s.job.is_none());
    true
}

fn mx_down(host: &str) -> Fault {
    Fault::HostDown {
        host: host.into(),
        mode: DownMode::Refused,
    }
}

#[test]
fn an_instance_starts_with_the_first_preset_and_asks_for_its_run() {
    let (mut s, out) = started(Options::default());
    assert_eq!(out, Outcome::redraw());
    let first = PRESETS[0].0;
    assert_eq!(s.preset, first);
    assert!(s.computing());
    assert!(s.run.is_none());
    assert!(s.error.is_none());
    assert!(settle(&mut s));
    assert_eq!(s.runs_done, 1);
    assert_eq!(s.clock.t, SimTime::ZERO);
    assert!(!s.clock.playing);
}

#[test]
fn options_choose_the_preset_speed_theme_and_autoplay() {
    let (mut s, _) = started(Options {
        scenario: Some("mx-fallback".into()),
        speed: Some(100.0),
        dark: Some(true),
        autoplay: true,
        ..Options::default()
    });
    assert_eq!(s.preset, "mx-fallback");
    assert!(s.dark);
    settle(&mut s);
    assert_eq!(s.clock.speed, 100.0);
    assert!(s.clock.playing, "autoplay plays the first run");
    assert!(s.animating);
    // Only the first run plays by itself.
    let _ = s.reduce(Action::PlayPause);
    let _ = s.reduce(Action::Preset("hello-smtp".into()));
    settle(&mut s);
    assert!(!s.clock.playing);
}

#[test]
fn an_unknown_preset_opens_the_default_one_with_a_banner() {
    let (s, _) = started(Options {
        scenario: Some("no-such-thing".into()),
        ..Options::default()
    });
    assert_eq!(s.preset, PRESETS[0].0);
    let e = s.error.unwrap();
    assert!(e.contains("no preset named no-such-thing"), "{e}");
}

#[test]
fn a_share_link_is_decoded_first_then_restored_at_its_moment() {
    let (mut s, out) = started(Options {
        link: Some("v1.abc".into()),
        ..Options::default()
    });
    assert_eq!(out.effects, vec![Effect::DecodeLink("v1.abc".into())]);
    assert!(!s.computing());
    let shared = Shared {
        scenario: preset_scenario("retry-until-mx-returns").unwrap(),
        seed: None,
        t: SimTime::from_secs(1000),
        host: Some("mx.example.org".into()),
        speed: Some(1000.0),
        pace: None,
        injections: vec![Injection::fault(
            SimTime::from_secs(10),
            mx_down("mx.example.org"),
        )],
    };
    let _ = s.reduce(Action::LinkDecoded(Ok(Box::new(shared))));
    assert_eq!(s.preset, "custom");
    settle(&mut s);
    assert_eq!(s.clock.t, SimTime::from_secs(1000));
    assert_eq!(s.clock.speed, 1000.0);
    assert_eq!(s.selection, Some(Selection::Host("mx.example.org".into())));
    let run = s.run.clone().unwrap();
    assert_eq!(run.injections.len(), 1);
    assert!(s.host_down("mx.example.org"));
}

#[test]
fn a_damaged_share_link_opens_the_default_scenario_and_says_why() {
    let (mut s, _) = started(Options {
        link: Some("v1.x".into()),
        ..Options::default()
    });
    let _ = s.reduce(Action::LinkDecoded(Err("the link is damaged.".into())));
    assert_eq!(s.preset, PRESETS[0].0);
    assert!(s.computing());
    let e = s.error.clone().unwrap();
    assert!(
        e.contains("the link is damaged. The default scenario is open instead."),
        "{e}"
    );
}

#[test]
fn problems_with_the_start_options_are_said_as_sentences() {
    let (s, _) = started(Options {
        problems: vec![
            "view=xyz is not one of network, transcript, ladder, both".into(),
            "theme=pink is not light or dark.".into(),
        ],
        ..Options::default()
    });
    assert_eq!(
        s.error.as_deref(),
        Some(
            "view=xyz is not one of network, transcript, ladder, both. \
             theme=pink is not light or dark."
        )
    );
}
