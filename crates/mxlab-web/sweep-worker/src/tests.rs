use std::cell::Cell;

use mxlab_sim::presets;

use super::*;

/// A preset on noisy links, where the seed matters.
fn noisy(name: &str) -> Scenario {
    presets::noisy(presets::preset(name).unwrap(), 400, 0.05)
}

/// Every reply to `text`, the clock advancing `step` ms at each look.
fn replies(text: &str, step: f64) -> Vec<Reply> {
    let clock = Cell::new(0.0);
    let mut out = Vec::new();
    answer(
        text,
        || {
            clock.set(clock.get() + step);
            clock.get()
        },
        |r| out.push(r),
    );
    out
}

fn failure(text: &str) -> String {
    match replies(text, 1.0).as_slice() {
        [Reply::Failed { message }] => message.clone(),
        other => panic!("expected one failure, got {other:?}"),
    }
}

/// What `mxlab sweep LABEL --seeds N` computes for `scenario`: its runs
/// and report.
fn swept(
    label: &str,
    scenario: &Scenario,
    seeds: u64,
    budget: Budget,
) -> (Vec<SweepRun>, SweepReport) {
    let mut totals = Totals::default();
    let runs: Vec<SweepRun> = (0..seeds)
        .map(|seed| {
            let sim = simulate(scenario.clone(), seed, None, budget);
            SweepRun::of(seed, &sim, |_| ADVICE.to_owned())
        })
        .collect();
    for r in &runs {
        totals.add(r);
    }
    (runs, SweepReport::of(label, &scenario.name, None, totals))
}

#[test]
fn a_job_is_answered_with_the_sweep_so_far_then_done() {
    let scenario = noisy("relay-via-smarthost");
    let job = Job::new(scenario.to_json(), "scenario.json", 25, Budget::DEFAULT);
    let out = replies(&job.to_json(), 30.0);
    assert_eq!(out.last(), Some(&Reply::Done));
    let (runs, report) = swept("scenario.json", &scenario, 25, Budget::DEFAULT);
    assert!(
        report.attempts.max > report.attempts.min,
        "the seeds differ"
    );
    // The first run goes at once; the rest at most every BATCH_MILLIS
    // (30 ms a run: four runs a reply), each with the report so far.
    let mut rows = String::new();
    let mut dones = Vec::new();
    for r in &out[..out.len() - 1] {
        let Reply::Progress {
            done,
            rows: more,
            json,
            text,
            warning,
        } = r
        else {
            panic!("{r:?}");
        };
        rows.push_str(more);
        dones.push(*done);
        let (_, so_far) = swept("scenario.json", &scenario, *done, Budget::DEFAULT);
        assert_eq!(*json, so_far.json());
        assert_eq!(*text, so_far.text());
        assert_eq!(*warning, None);
        assert_eq!(rows.lines().count() as u64, *done);
    }
    assert_eq!(dones.first(), Some(&1));
    assert_eq!(dones.last(), Some(&25));
    assert!(dones.len() > 3 && dones.len() < 25, "{dones:?}");
    let expected: String = runs.iter().map(|r| r.csv_row() + "\n").collect();
    assert_eq!(rows, expected);
}

#[test]
fn every_reply_reads_back_as_it_was_sent() {
    let job = Job::new(
        noisy("mx-fallback").to_json(),
        "preset:x",
        3,
        Budget::DEFAULT,
    );
    assert_eq!(serde_json::from_str::<Job>(&job.to_json()).unwrap(), job);
    let mut out = replies(&job.to_json(), 1.0);
    out.push(Reply::Ready);
    out.push(Reply::Failed {
        message: "x \"y\"".into(),
    });
    out.push(Reply::Progress {
        done: 1,
        rows: String::new(),
        json: "{}".into(),
        text: String::new(),
        warning: Some("stopped".into()),
    });
    for r in out {
        assert_eq!(Reply::parse(&r.to_json()), Ok(r));
    }
    for bad in [
        "",
        "[]",
        "{\"reply\":\"sing\"}",
        "{\"reply\":\"progress\",\"done\":1}",
        "{\"reply\":\"progress\",\"done\":-1,\"rows\":\"\",\"json\":\"\",\"text\":\"\"}",
    ] {
        assert_eq!(
            Reply::parse(bad),
            Err("the sweep worker said something unreadable".into()),
            "{bad}"
        );
    }
}

#[test]
fn what_is_not_a_job_fails_with_a_reason_and_runs_nothing() {
    assert!(failure("").contains("not readable"));
    assert!(failure("{\"seeds\": 3}").contains("not readable"));
    assert!(failure("[1, 2]").contains("not readable"));
    let scenario = noisy("hello-smtp");
    let with =
        |seeds: u64, budget: Budget| Job::new(scenario.to_json(), "x", seeds, budget).to_json();
    assert_eq!(
        failure(&with(0, Budget::DEFAULT)),
        "a sweep runs 1 to 10000 seeds, not 0"
    );
    assert!(failure(&with(MAX_SEEDS + 1, Budget::DEFAULT)).contains("1 to 10000 seeds"));
    let empty = Budget {
        max_events: 0,
        max_trace_bytes: 1,
    };
    assert!(failure(&with(3, empty)).contains("budget above zero"));
}

#[test]
fn a_scenario_that_does_not_load_fails_with_its_problems() {
    let mut job = Job::new(noisy("hello-smtp").to_json(), "x", 3, Budget::DEFAULT);
    job.scenario = "{\"name\": ".into();
    assert!(failure(&job.to_json()).starts_with("the scenario does not load: line 1"));
    let mut value: serde_json::Value =
        serde_json::from_str(&noisy("hello-smtp").to_json()).unwrap();
    value["messages"][0]["from"] = "nobody.invalid".into();
    job.scenario = value.to_string();
    let message = failure(&job.to_json());
    assert!(
        message.starts_with("the scenario does not load: "),
        "{message}"
    );
    assert!(message.contains("messages[0].from"), "{message}");
}

#[test]
fn runs_stopped_on_their_budget_are_counted_and_say_what_to_do_in_the_browser() {
    let scenario = presets::preset("retry-until-mx-returns").unwrap();
    let budget = Budget {
        max_events: 40,
        max_trace_bytes: u64::MAX,
    };
    let out = replies(&Job::new(scenario.to_json(), "x", 2, budget).to_json(), 1.0);
    let Some(Reply::Progress { rows, warning, .. }) = out.iter().rev().nth(1) else {
        panic!("{out:?}");
    };
    assert!(rows.lines().all(|l| l.ends_with(",true")), "{rows}");
    let warning = warning.clone().expect("a warning");
    assert!(warning.starts_with("stopped at "), "{warning}");
    assert!(
        warning.ends_with(&format!(
            "in seed 0; 2 of 2 runs stopped on the budget: {ADVICE}"
        )),
        "{warning}"
    );
}

#[test]
fn progress_waits_for_its_time_and_a_clock_set_back_does_not_hold_it() {
    let job = Job::new(noisy("hello-smtp").to_json(), "x", 10, Budget::DEFAULT).to_json();
    let mut s = Sweeper::start(&job).unwrap();
    let done = |r: Option<Reply>| match r {
        Some(Reply::Progress { done, .. }) => Some(done),
        _ => None,
    };
    assert_eq!(done(s.progress_due(0.0)), None, "nothing run yet");
    s.next_run();
    assert_eq!(done(s.progress_due(1000.0)), Some(1), "the first at once");
    s.next_run();
    assert_eq!(done(s.progress_due(1050.0)), None);
    s.next_run();
    assert_eq!(done(s.progress_due(1100.0)), Some(3));
    s.next_run();
    assert_eq!(done(s.progress_due(1150.0)), None);
    s.next_run();
    assert_eq!(done(s.progress_due(10.0)), Some(5), "the clock went back");
    assert_eq!(done(s.finish()), None, "nothing left to send");
    s.next_run();
    assert_eq!(done(s.finish()), Some(6));
}
