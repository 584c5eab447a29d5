//! Play, pause, steps, seeks, selection, live changes and their branches,
//! sharing, the keyboard.

use super::*;

#[test]
fn play_then_frames_move_the_clock_and_pause_stops_it() {
    let mut s = ready("hello-smtp");
    assert!(s.reduce(Action::PlayPause).redraw);
    assert!(s.clock.playing);
    let _ = s.reduce(Action::Frame(1000.0));
    let first = s.clock.t;
    let _ = s.reduce(Action::Frame(1100.0));
    assert!(s.clock.t > first);
    let _ = s.reduce(Action::PlayPause);
    assert!(!s.clock.playing);
    let t = s.clock.t;
    let _ = s.reduce(Action::Frame(1200.0));
    assert_eq!(s.clock.t, t, "a frame while paused moves nothing");
}

#[test]
fn play_at_the_end_starts_again_and_without_a_run_does_nothing() {
    let (mut s, _) = started(Options::default());
    assert_eq!(s.reduce(Action::PlayPause), Outcome::unchanged());
    assert!(!s.clock.playing);
    settle(&mut s);
    let end = s.run.as_ref().unwrap().end();
    let n = s.run.as_ref().unwrap().events().len();
    let _ = s.reduce(Action::Seek(n));
    assert_eq!(s.clock.t, end);
    let _ = s.reduce(Action::PlayPause);
    assert_eq!(s.clock.t, SimTime::ZERO);
    assert!(s.clock.playing);
}

/// Frames 250 ms apart until the clock goes back (a loop); whether it did
/// within 25,000 s of real time.
fn play_until_it_wraps(s: &mut State) -> bool {
    let mut ts = 0.0;
    for _ in 0..100_000 {
        ts += 250.0;
        let before = s.clock.t;
        let _ = s.reduce(Action::Frame(ts));
        if s.clock.t < before {
            return true;
        }
    }
    false
}

#[test]
fn playing_to_the_end_stops_unless_looping() {
    let mut s = ready("hello-smtp");
    s.clock.speed = 10_000.0;
    let _ = s.reduce(Action::PlayPause);
    let end = s.run.as_ref().unwrap().end();
    let mut ts = 0.0;
    while s.clock.playing {
        ts += 250.0;
        let _ = s.reduce(Action::Frame(ts));
        assert!(ts < 1e7, "never reached the end");
    }
    assert_eq!(s.clock.t, end);

    let (mut s, _) = started(Options {
        looping: true,
        speed: Some(1.0),
        ..Options::default()
    });
    settle(&mut s);
    let _ = s.reduce(Action::PlayPause);
    let wrapped = play_until_it_wraps(&mut s);
    assert!(wrapped, "{:?}", s.clock);
    assert!(
        s.clock.playing && s.clock.t == SimTime::ZERO,
        "{:?}",
        s.clock
    );
}

#[test]
fn steps_go_event_by_event_and_pause() {
    let mut s = ready("hello-smtp");
    let run = s.run.clone().unwrap();
    let _ = s.reduce(Action::PlayPause);
    let _ = s.reduce(Action::StepForward);
    assert!(!s.clock.playing);
    let first = run.next_time(SimTime::ZERO).unwrap();
    assert_eq!(s.clock.t, first);
    let _ = s.reduce(Action::StepForward);
    let second = s.clock.t;
    assert!(second > first);
    let _ = s.reduce(Action::StepBack);
    assert_eq!(s.clock.t, run.previous_time(second).unwrap());
    let _ = s.reduce(Action::Restart);
    assert_eq!(s.clock.t, SimTime::ZERO);
    let _ = s.reduce(Action::StepBack);
    assert_eq!(s.clock.t, SimTime::ZERO, "nothing before the start");
}

#[test]
fn seek_shows_the_view_and_follows_the_newest_session() {
    let mut s = ready("hello-smtp");
    let run = s.run.clone().unwrap();
    let n = run.events().len();
    let _ = s.reduce(Action::Seek(n / 2));
    assert_eq!(s.clock.t, run.time_at(n / 2));
    assert_eq!(*s.view, run.index.view_at(s.clock.t));
    let latest = run
        .sessions
        .iter()
        .rev()
        .find(|x| x.opened <= s.clock.t)
        .map(|x| x.conn);
    let open = s.view.connections.last().map(|c| c.conn);
    assert_eq!(s.session, open.or(latest));
    assert!(s.session.is_some());
    let _ = s.reduce(Action::Seek(0));
    assert_eq!(s.clock.t, run.time_at(0));
}

#[test]
fn speed_changes_the_clock_rate() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Speed(1000.0));
    assert_eq!(s.clock.speed, 1000.0);
}

#[test]
fn a_session_chosen_by_hand_stays_until_restart() {
    let mut s = ready("hello-smtp");
    let run = s.run.clone().unwrap();
    let first = run.sessions[0].conn;
    let _ = s.reduce(Action::Tab(Tab::Queues));
    let _ = s.reduce(Action::Session(first));
    assert_eq!(s.tab, Tab::Transcript, "the transcript opens");
    let n = run.events().len();
    let _ = s.reduce(Action::Seek(n));
    assert_eq!(s.session, Some(first));
    let _ = s.reduce(Action::Restart);
    assert!(!s.session_pinned);
    let _ = s.reduce(Action::Tab(Tab::Wire));
    let _ = s.reduce(Action::Session(first));
    assert_eq!(s.tab, Tab::Wire, "the wire view stays");
}

#[test]
fn selecting_a_link_shows_its_latest_session_and_nothing_clears() {
    let mut s = ready("hello-smtp");
    let run = s.run.clone().unwrap();
    let n = run.events().len();
    let _ = s.reduce(Action::Seek(n));
    let first = run.sessions[0].clone();
    s.session = None;
    let link = Selection::Link(first.server.clone(), first.client.clone());
    let _ = s.reduce(Action::Select(Some(link.clone())));
    assert_eq!(s.selection, Some(link));
    let latest = run
        .sessions
        .iter()
        .rev()
        .find(|x| x.client == first.client && x.server == first.server)
        .unwrap();
    assert_eq!(s.session, Some(latest.conn));
    let _ = s.reduce(Action::Select(Some(Selection::Host(
        "mx.example.org".into(),
    ))));
    assert_eq!(s.selection, Some(Selection::Host("mx.example.org".into())));
    let _ = s.reduce(Action::Select(None));
    assert_eq!(s.selection, None);
}

#[test]
fn a_message_opens_in_the_inspector() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Message("m1".into()));
    assert_eq!(s.message.as_deref(), Some("m1"));
    assert_eq!(s.tab, Tab::Messages);
}

#[test]
fn inject_forks_at_the_clock_and_restore_branch_goes_back() {
    let mut s = ready("hello-smtp");
    let before = s.run.clone().unwrap();
    let _ = s.reduce(Action::StepForward);
    let at = s.clock.t;
    let _ = s.reduce(Action::Inject(mx_down("mx.example.org")));
    let job = s.job.clone().expect("a fork is computed");
    assert!(matches!(&job.kind, JobKind::Fork { base, new }
        if Rc::ptr_eq(base, &before) && new.len() == 1 && new[0].at == at));
    assert_eq!(s.branches.len(), 1);
    settle(&mut s);
    assert_eq!(s.clock.t, at, "the branch shows the moment of the fault");
    let after = s.run.clone().unwrap();
    assert_eq!(after.injections.len(), 1);
    assert!(s.host_down("mx.example.org"));
    assert_ne!(after.summary.delivered, before.summary.delivered);

    let _ = s.reduce(Action::RestoreBranch);
    assert!(Rc::ptr_eq(s.run.as_ref().unwrap(), &before));
    assert!(s.branches.is_empty());
    assert!(!s.host_down("mx.example.org"));
    // Nothing more to restore.
    let _ = s.reduce(Action::RestoreBranch);
    assert!(Rc::ptr_eq(s.run.as_ref().unwrap(), &before));
}

#[test]
fn a_stale_computation_is_ignored() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Inject(mx_down("mx.example.org")));
    let old = s.job.clone().unwrap();
    let _ = s.reduce(Action::Preset("mx-fallback".into()));
    let stale = Rc::new(old.computation().finish());
    assert_eq!(
        s.reduce(Action::Computed(old.id, stale)),
        Outcome::unchanged()
    );
    assert_eq!(
        s.reduce(Action::Progress(old.id, 0.5)),
        Outcome::unchanged()
    );
    assert_eq!(s.progress, 0.0);
    let current = s.job.as_ref().unwrap().id;
    let _ = s.reduce(Action::Progress(current, 0.5));
    assert_eq!(s.progress, 0.5);
    settle(&mut s);
    assert_eq!(s.run.as_ref().unwrap().scenario.name, s.scenario.name);
    assert!(s.branches.is_empty(), "a new scenario has no branches");
}

#[test]
fn bring_up_and_heal_fork_only_when_there_is_a_fault() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::BringUp("mx.example.org".into()));
    assert!(!s.computing());
    assert!(s.error.take().unwrap().contains("is not down"));
    let _ = s.reduce(Action::Heal(
        "smtp.example.com".into(),
        "mx.example.org".into(),
    ));
    assert!(!s.computing());
    assert!(s.error.take().unwrap().contains("has no fault"));

    let _ = s.reduce(Action::Inject(mx_down("mx.example.org")));
    settle(&mut s);
    let _ = s.reduce(Action::BringUp("MX.example.org".into()));
    settle(&mut s);
    assert!(!s.host_down("mx.example.org"));
    assert_eq!(s.branches.len(), 2);

    let (a, b) = ("smtp.example.com", "mx.example.org");
    let _ = s.reduce(Action::Inject(Fault::LinkPartition {
        a: a.into(),
        b: b.into(),
    }));
    settle(&mut s);
    assert!(s.link_faulty(b, a));
    let _ = s.reduce(Action::Heal(a.into(), b.into()));
    settle(&mut s);
    assert!(!s.link_faulty(a, b));
    assert!(s.error.is_none());
}

#[test]
fn load_scenario_resets_what_belonged_to_the_previous_one() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Inject(mx_down("mx.example.org")));
    settle(&mut s);
    let _ = s.reduce(Action::Select(Some(Selection::Host(
        "mx.example.org".into(),
    ))));
    let _ = s.reduce(Action::Message("m1".into()));
    let _ = s.reduce(Action::Speed(100.0));
    let scenario = Rc::new(preset_scenario("mx-fallback").unwrap());
    let _ = s.reduce(Action::Load(scenario.clone(), "mx-fallback".into()));
    assert!(Rc::ptr_eq(&s.scenario, &scenario));
    assert_eq!(s.preset, "mx-fallback");
    assert!(s.branches.is_empty() && s.selection.is_none() && s.message.is_none());
    assert_eq!(s.clock.speed, 100.0, "the speed is kept");
    assert_eq!(
        s.clock.pace, None,
        "a speed chosen replaces the lesson pace"
    );
    assert!(s.stage.positions.contains_key("mx1.example.org"));
    settle(&mut s);
    assert!(s.run.as_ref().unwrap().injections.is_empty());

    let _ = s.reduce(Action::Preset("no-such-preset".into()));
    assert_eq!(s.preset, "mx-fallback");
    assert!(s.error.unwrap().contains("no preset named"));
}

#[test]
fn share_asks_for_the_link_of_this_moment_and_shows_it() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::StepForward);
    let _ = s.reduce(Action::Select(Some(Selection::Host(
        "mx.example.org".into(),
    ))));
    let out = s.reduce(Action::ShareOpen(true));
    assert!(s.share_open);
    let [Effect::MakeShareLink(shared)] = out.effects.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(shared.t, s.clock.t);
    assert_eq!(shared.host.as_deref(), Some("mx.example.org"));
    assert_eq!(shared.speed, Some(1.0));
    assert_eq!(shared.scenario, *s.scenario);
    let out = s.reduce(Action::ShareReady(Ok("v1.xyz".into())));
    assert_eq!(out.effects, vec![Effect::ShowHash("v1.xyz".into())]);
    assert_eq!(s.share_link.as_deref(), Some("v1.xyz"));
    let out = s.reduce(Action::ShareOpen(false));
    assert!(out.effects.is_empty());
    assert!(!s.share_open && s.share_link.is_none());

    let _ = s.reduce(Action::ShareOpen(true));
    let _ = s.reduce(Action::ShareReady(Err("too big".into())));
    assert!(!s.share_open);
    assert_eq!(s.error.as_deref(), Some("cannot make a link: too big"));
}

#[test]
fn keys_play_step_restart_and_open_the_fault_menu() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Key(" ".into()));
    assert!(s.clock.playing);
    let _ = s.reduce(Action::Key("ArrowRight".into()));
    assert!(!s.clock.playing);
    let t = s.clock.t;
    assert!(t > SimTime::ZERO);
    let _ = s.reduce(Action::Key("ArrowRight".into()));
    let _ = s.reduce(Action::Key("ArrowLeft".into()));
    assert_eq!(s.clock.t, t);
    let _ = s.reduce(Action::Key("End".into()));
    let end = s.run.as_ref().unwrap().end();
    assert!(end > t);
    assert_eq!(s.clock.t, end);
    let _ = s.reduce(Action::Key("Home".into()));
    assert_eq!(s.clock.t, SimTime::ZERO);
    let out = s.reduce(Action::Key("f".into()));
    assert_eq!(out.effects, vec![Effect::FocusFaultMenu]);
    assert_eq!(s.selection, Some(Selection::Host("mx.example.org".into())));
    assert_eq!(s.reduce(Action::Key("q".into())), Outcome::unchanged());
}

#[test]
fn escape_closes_what_is_on_top_and_the_question_mark_opens_the_help() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::Select(Some(Selection::Host(
        "mx.example.org".into(),
    ))));
    let _ = s.reduce(Action::ShareOpen(true));
    let _ = s.reduce(Action::Key("?".into()));
    assert!(s.help);
    // Esc closes the help sheet, then the share dialog, then the fault
    // menu, one at a time; then it does nothing.
    let _ = s.reduce(Action::Key("Escape".into()));
    assert!(!s.help && s.share_open && s.selection.is_some());
    let _ = s.reduce(Action::Key("Escape".into()));
    assert!(!s.share_open && s.selection.is_some());
    let _ = s.reduce(Action::Key("Escape".into()));
    assert!(s.selection.is_none());
    assert_eq!(s.reduce(Action::Key("Escape".into())), Outcome::unchanged());
    // `?` toggles the sheet, and its button closes it.
    let _ = s.reduce(Action::Key("?".into()));
    let _ = s.reduce(Action::Key("?".into()));
    assert!(!s.help);
    let _ = s.reduce(Action::Help(true));
    assert!(s.help);
    let _ = s.reduce(Action::Help(false));
    assert!(!s.help);
    // No run was forked on the way: nothing was injected.
    assert!(s.run.as_ref().unwrap().injections.is_empty());
}

#[test]
fn the_fault_menu_remembers_its_forced_reply() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::ForceCode(451));
    let _ = s.reduce(Action::ForceStage(FaultStage::Data));
    assert_eq!((s.force_code, s.force_stage), (451, FaultStage::Data));
}

#[test]
fn theme_presenter_and_banner() {
    let mut s = ready("hello-smtp");
    let _ = s.reduce(Action::ToggleTheme);
    let _ = s.reduce(Action::TogglePresenter);
    assert!(s.dark && s.presenter);
    let _ = s.reduce(Action::Error("oops".into()));
    assert_eq!(s.error.as_deref(), Some("oops"));
    let _ = s.reduce(Action::DismissError);
    assert!(s.error.is_none());
}

#[test]
fn frames_are_asked_for_while_playing_and_held_while_a_branch_computes() {
    let mut s = ready("hello-smtp");
    assert!(!s.animating);
    let _ = s.reduce(Action::PlayPause);
    assert!(s.animating);
    let _ = s.reduce(Action::Frame(0.0));
    assert!(s.animating);
    // A change made while playing: the clock holds still (still playing)
    // until its branch is shown, paused at the change's moment.
    let _ = s.reduce(Action::Inject(mx_down("mx.example.org")));
    assert!(s.clock.playing && !s.animating);
    let t = s.clock.t;
    settle(&mut s);
    assert!(!s.clock.playing && !s.animating);
    assert_eq!(s.clock.t, t);
    let _ = s.reduce(Action::PlayPause);
    assert!(s.animating);
    let _ = s.reduce(Action::StepForward);
    assert!(!s.animating);
    let _ = s.reduce(Action::PlayPause);
    let _ = s.reduce(Action::Restart);
    assert!(!s.animating);
    let _ = s.reduce(Action::PlayPause);
    let _ = s.reduce(Action::StepBack);
    assert!(!s.animating);
    // Played to the end, frames stop.
    let _ = s.reduce(Action::PlayPause);
    s.clock.speed = 10_000.0;
    let mut ts = 0.0;
    while s.clock.playing {
        ts += 250.0;
        let _ = s.reduce(Action::Frame(ts));
    }
    assert!(!s.animating);
}

#[test]
fn presets_open_at_lesson_pace_and_the_pace_is_kept_shared_and_restored() {
    let mut s = ready("hello-smtp");
    assert_eq!(
        s.clock.pace,
        Some(crate::clock::DEFAULT_PACE),
        "presets open at lesson pace"
    );
    let _ = s.reduce(Action::Pace(1.6));
    assert_eq!(s.clock.pace, Some(1.6));
    // Another preset keeps the pace chosen.
    let _ = s.reduce(Action::Preset("mx-fallback".into()));
    assert_eq!(s.clock.pace, Some(1.6));
    settle(&mut s);
    // Playing at lesson pace: the 10 s before the first session are said
    // as skipped while the clock waits, then jumped.
    let _ = s.reduce(Action::PlayPause);
    let before = s.clock.t;
    let _ = s.reduce(Action::Frame(0.0));
    let _ = s.reduce(Action::Frame(100.0));
    assert_eq!(s.clock.t, before);
    assert!(s
        .clock
        .skip
        .is_some_and(|k| k.label().contains(" skipped — next event at ")));
    for ms in 1..=12 {
        let _ = s.reduce(Action::Frame(100.0 + f64::from(ms) * 200.0));
    }
    assert!(s.clock.t >= SimTime::from_secs(10), "{}", s.clock.t);
    // A share link carries it, and opening the link restores it.
    let out = s.reduce(Action::ShareOpen(true));
    let [Effect::MakeShareLink(shared)] = out.effects.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(shared.pace, Some(1.6));
    let mut other = ready("hello-smtp");
    let _ = other.reduce(Action::Speed(10.0));
    assert_eq!(other.clock.pace, None);
    let _ = other.reduce(Action::LinkDecoded(Ok(shared.clone())));
    assert_eq!(other.clock.pace, Some(1.6));
}

#[test]
fn the_event_list_filters_are_the_states_own() {
    let mut s = ready("hello-smtp");
    assert_eq!(s.event_classes, u8::MAX, "every class shown at first");
    let _ = s.reduce(Action::Tab(Tab::Events));
    assert_eq!(s.tab, Tab::Events);
    let _ = s.reduce(Action::EventClasses(2));
    assert_eq!(s.event_classes, 2);
    // A new preset keeps the filters chosen.
    let _ = s.reduce(Action::Preset("mx-fallback".into()));
    assert_eq!(s.event_classes, 2);
}

#[test]
fn start_opens_the_run_at_its_moment_and_a_loop_comes_back_to_it() {
    let start = SimTime::from_millis(1_200);
    let (mut s, _) = started(Options {
        scenario: Some("hello-smtp".into()),
        looping: true,
        autoplay: true,
        // A tenth of real time: the 220 ms from the start to the end
        // take frames.
        speed: Some(0.1),
        start: Some(start),
        ..Options::default()
    });
    settle(&mut s);
    assert_eq!(s.clock.t, start);
    assert!(s.clock.playing);
    let wrapped = play_until_it_wraps(&mut s);
    assert!(wrapped && s.clock.t == start, "{:?}", s.clock);
    // A moment past the end opens the end.
    let (mut s, _) = started(Options {
        scenario: Some("hello-smtp".into()),
        start: Some(SimTime::from_secs(86_400 * 365)),
        ..Options::default()
    });
    settle(&mut s);
    assert_eq!(s.clock.t, s.run.as_ref().unwrap().end());
}
