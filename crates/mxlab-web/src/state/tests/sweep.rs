//! The Sweep panel: a sweep asked for, its runs answered by the worker's
//! own code (run natively here, at once), cancelled, replaced, failed.

use std::cell::Cell;

use mxlab_sim::sweep::{simulate, SweepReport, SweepRun, Totals};
use mxlab_sweep_worker::{answer, Job, Reply, ADVICE};

use super::*;
use crate::compute::BROWSER_BUDGET;

fn act(s: &mut State, m: SweepMsg) -> Outcome {
    s.reduce(Action::Sweep(m))
}

/// The sweep running's id and job.
fn job(s: &State) -> (u64, Job) {
    let j = s.sweep.job.clone().expect("a sweep running");
    (j.id, serde_json::from_str(&j.message).expect("a job"))
}

/// The worker's replies to the sweep running, as the sweep hook hands
/// them on (the worker's clock a second further at each look).
fn replies(s: &State) -> Vec<Reply> {
    let (_, job) = job(s);
    let clock = Cell::new(0.0);
    let mut out = Vec::new();
    answer(
        &job.to_json(),
        || {
            clock.set(clock.get() + 1000.0);
            clock.get()
        },
        |r| out.push(r),
    );
    out
}

/// Answers the sweep running with every reply of its worker.
fn run_through(s: &mut State) {
    let (id, _) = job(s);
    for r in replies(s) {
        let _ = act(s, SweepMsg::Reply(id, r));
    }
}

/// A preset on noisy links, where the seed matters, opened as the
/// author's own scenario.
fn noisy(name: &str) -> State {
    let mut s = ready(name);
    let scenario = mxlab_sim::presets::noisy(preset_scenario(name).unwrap(), 400, 0.05);
    let _ = s.reduce(Action::Load(Rc::new(scenario), "custom".into()));
    settle(&mut s);
    s
}

/// What `mxlab sweep FILE --seeds N --json` reports for `scenario`.
fn cli_report(label: &str, scenario: &Scenario, seeds: u64) -> SweepReport {
    let mut totals = Totals::default();
    for seed in 0..seeds {
        let sim = simulate(scenario.clone(), seed, None, BROWSER_BUDGET);
        totals.add(&SweepRun::of(seed, &sim, |_| ADVICE.to_owned()));
    }
    SweepReport::of(label, &scenario.name, None, totals)
}

#[test]
fn a_sweep_of_the_scenario_open_reports_what_mxlab_sweep_reports() {
    let mut s = noisy("relay-via-smarthost");
    let _ = s.reduce(Action::Tab(Tab::Sweep));
    assert_eq!(s.tab, Tab::Sweep);
    assert_eq!(s.sweep.seeds, "100");
    assert_eq!(s.sweep.status(), "idle");
    let _ = act(&mut s, SweepMsg::Seeds("40".into()));
    assert_eq!(act(&mut s, SweepMsg::Start), Outcome::redraw());
    assert_eq!(s.sweep.status(), "running");
    let (id, j) = job(&s);
    assert_eq!(j.seeds, 40);
    assert_eq!(j.max_events, BROWSER_BUDGET.max_events);
    assert_eq!(j.max_trace_bytes, BROWSER_BUDGET.max_trace_bytes);
    assert_eq!(j.scenario, s.scenario.to_json());
    assert_eq!(j.label, "scenario.json", "the author's scenario");
    let result = s.sweep.result.as_ref().unwrap();
    assert_eq!((result.done, result.asked), (0, 40));
    assert!(result.report.is_none());

    // The worker says it is ready (the hook then hands it the job).
    assert_eq!(
        act(&mut s, SweepMsg::Reply(id, Reply::Ready)),
        Outcome::unchanged()
    );
    let out = replies(&s);
    let batches = out.len() - 1;
    assert!(batches > 1, "the runs come in batches");
    for (i, r) in out.into_iter().enumerate() {
        let _ = act(&mut s, SweepMsg::Reply(id, r));
        if i < batches {
            assert_eq!(s.sweep.status(), "running");
        }
    }
    assert_eq!(s.sweep.status(), "done");
    assert!(s.sweep.job.is_none());
    assert!(s.sweep.note.is_none());
    let result = s.sweep.result.as_ref().unwrap();
    assert_eq!(result.done, 40);
    let expected = cli_report("scenario.json", &s.scenario, 40);
    let shown = result.report.clone().unwrap();
    assert_eq!(result.json(), expected.json());
    assert_eq!(shown.text, expected.text());
    assert_eq!(shown.value["seeds"], 40);
    assert_eq!(shown.value["attempts"]["max"], expected.attempts.max);
    assert!(
        expected.attempts.max > expected.attempts.min,
        "the seeds differ"
    );
    let csv = result.csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 41);
    assert!(lines[0].starts_with("seed,delivered,"));
    assert!(lines[1].starts_with("0,"));
    assert!(lines[40].starts_with("39,"));
    assert!(csv.ends_with('\n'));
}

#[test]
fn a_preset_as_it_is_is_named_as_mxlab_sweep_is_given_it() {
    let mut s = ready("greylisting");
    let _ = act(&mut s, SweepMsg::Seeds("3".into()));
    let _ = act(&mut s, SweepMsg::Start);
    run_through(&mut s);
    let shown = s.sweep.result.as_ref().unwrap().report.clone().unwrap();
    assert_eq!(shown.value["scenario"], "preset:greylisting");
    assert!(shown
        .text
        .starts_with("scenario     preset:greylisting (Greylisting"));
    assert_eq!(
        shown.text,
        cli_report("preset:greylisting", &s.scenario, 3).text()
    );
}

#[test]
fn a_cancelled_sweep_keeps_the_figures_of_the_seeds_run() {
    let mut s = noisy("mx-fallback");
    let _ = act(&mut s, SweepMsg::Start);
    let (id, _) = job(&s);
    let mut out = replies(&s).into_iter();
    let first = out.next().unwrap();
    let _ = act(&mut s, SweepMsg::Reply(id, first));
    let done = s.sweep.result.as_ref().unwrap().done;
    assert!(done > 0 && done < 100);
    assert_eq!(act(&mut s, SweepMsg::Cancel), Outcome::redraw());
    assert!(s.sweep.job.is_none(), "the hook ends the worker");
    assert_eq!(s.sweep.status(), "cancelled");
    let note = s.sweep.note.clone().unwrap();
    assert_eq!(
        note.text,
        format!("Cancelled after {done} of 100 seeds: the figures are those of seeds 0..{done}.")
    );
    // What the worker still had on its way is not counted.
    for r in out {
        assert_eq!(act(&mut s, SweepMsg::Reply(id, r)), Outcome::unchanged());
    }
    let result = s.sweep.result.as_ref().unwrap();
    assert_eq!(result.done, done);
    assert_eq!(
        result.json(),
        cli_report("scenario.json", &s.scenario, done).json()
    );
    assert_eq!(result.csv().lines().count() as u64, done + 1);
    // Nothing to cancel now.
    assert_eq!(act(&mut s, SweepMsg::Cancel), Outcome::unchanged());
}

#[test]
fn a_second_sweep_replaces_the_first_whose_late_replies_are_ignored() {
    let mut s = noisy("relay-via-smarthost");
    let _ = act(&mut s, SweepMsg::Seeds("10".into()));
    let _ = act(&mut s, SweepMsg::Start);
    let (first, _) = job(&s);
    let old = replies(&s);
    let _ = act(&mut s, SweepMsg::Seeds("5".into()));
    let _ = act(&mut s, SweepMsg::Start);
    let (second, j) = job(&s);
    assert_ne!(first, second);
    assert_eq!(j.seeds, 5);
    assert_eq!(
        s.sweep.note.as_ref().map(|n| n.text.as_str()),
        Some("The sweep running was stopped after 0 seeds to start this one.")
    );
    for r in old {
        assert_eq!(act(&mut s, SweepMsg::Reply(first, r)), Outcome::unchanged());
    }
    assert_eq!(
        act(&mut s, SweepMsg::WorkerFailed(first, "late".into())),
        Outcome::unchanged()
    );
    run_through(&mut s);
    assert_eq!(s.sweep.status(), "done");
    assert_eq!(s.sweep.result.as_ref().unwrap().done, 5);
}

#[test]
fn seeds_out_of_range_are_refused_with_a_sentence_and_start_nothing() {
    let mut s = ready("hello-smtp");
    for bad in ["0", "", "abc", "10001", "-3", "2.5", "1e3"] {
        let _ = act(&mut s, SweepMsg::Seeds(bad.into()));
        assert_eq!(act(&mut s, SweepMsg::Start), Outcome::redraw());
        assert!(s.sweep.job.is_none(), "{bad}");
        let note = s.sweep.note.clone().unwrap();
        assert!(note.error, "{bad}");
        assert!(
            note.text
                .starts_with("The number of seeds is a whole number from 1 to 10,000"),
            "{}",
            note.text
        );
        assert_eq!(s.sweep.status(), "failed");
    }
    let _ = act(&mut s, SweepMsg::Seeds(" 250 ".into()));
    let _ = act(&mut s, SweepMsg::Start);
    assert_eq!(job(&s).1.seeds, 250);
    assert!(s.sweep.note.is_none());
    // The field keeps a bounded text.
    let out = act(&mut s, SweepMsg::Seeds("9".repeat(10_000)));
    assert_eq!(out, Outcome::unchanged());
    assert_eq!(s.sweep.seeds.len(), 12);
    assert_eq!(parse_seeds("10000"), Ok(10_000));
}

#[test]
fn a_worker_that_fails_ends_the_sweep_with_its_reason() {
    let mut s = ready("hello-smtp");
    let _ = act(&mut s, SweepMsg::Start);
    let (id, _) = job(&s);
    let _ = act(
        &mut s,
        SweepMsg::WorkerFailed(id, "the sweep worker did not start within 20 s".into()),
    );
    assert!(s.sweep.job.is_none());
    assert_eq!(s.sweep.status(), "failed");
    assert_eq!(
        s.sweep.note.clone().unwrap().text,
        "The sweep stopped: the sweep worker did not start within 20 s."
    );

    let _ = act(&mut s, SweepMsg::Start);
    let (id, _) = job(&s);
    let _ = act(
        &mut s,
        SweepMsg::Reply(
            id,
            Reply::Failed {
                message: "the scenario does not load: x".into(),
            },
        ),
    );
    assert_eq!(s.sweep.status(), "failed");
    assert_eq!(
        s.sweep.note.clone().unwrap().text,
        "The sweep could not run: the scenario does not load: x."
    );

    // A worker that says it is done too early.
    let _ = act(&mut s, SweepMsg::Start);
    let (id, _) = job(&s);
    let _ = act(&mut s, SweepMsg::Reply(id, Reply::Done));
    assert_eq!(s.sweep.status(), "failed");
    assert_eq!(
        s.sweep.note.clone().unwrap().text,
        "The sweep worker stopped after 0 of 100 seeds."
    );
}

#[test]
fn opening_another_scenario_leaves_the_sweep_running_on_its_own() {
    let mut s = noisy("relay-via-smarthost");
    let swept = s.scenario.clone();
    let _ = act(&mut s, SweepMsg::Seeds("8".into()));
    let _ = act(&mut s, SweepMsg::Start);
    let (id, _) = job(&s);
    let out = replies(&s);
    let _ = s.reduce(Action::Preset("hello-smtp".into()));
    settle(&mut s);
    assert_eq!(s.preset, "hello-smtp");
    assert_eq!(job(&s).0, id, "still running");
    for r in out {
        let _ = act(&mut s, SweepMsg::Reply(id, r));
    }
    let result = s.sweep.result.as_ref().unwrap();
    assert!(Rc::ptr_eq(&result.scenario, &swept));
    assert_ne!(*result.scenario, *s.scenario);
    assert_eq!(result.json(), cli_report("scenario.json", &swept, 8).json());
    // The next sweep is of the scenario open now.
    let _ = act(&mut s, SweepMsg::Start);
    let (_, j) = job(&s);
    assert_eq!(j.scenario, s.scenario.to_json());
    assert_eq!(j.label, "preset:hello-smtp");
}
