//! Hostile and careless command lines: every number out of range, every
//! size that cannot be, is one `mxlab: error:` line and exit code 2, at
//! once: never an abort, a panic or an allocation the size of the number.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn mxlab(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mxlab"))
        .args(args)
        .output()
        .expect("the mxlab binary runs");
    (out, started.elapsed())
}

/// Exit code 2 within a few seconds, one `mxlab: error:` line on stderr
/// that contains `expected`, nothing on stdout.
fn usage_error(args: &[&str], expected: &str) {
    let (o, took) = mxlab(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "mxlab {args:?}: {err}");
    assert!(o.stdout.is_empty(), "mxlab {args:?} printed to stdout");
    assert_eq!(err.lines().count(), 1, "mxlab {args:?}: {err}");
    assert!(err.starts_with("mxlab: error: "), "mxlab {args:?}: {err}");
    assert!(
        err.contains(expected),
        "mxlab {args:?}: {err} lacks {expected:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "mxlab {args:?} took {took:?}"
    );
}

#[test]
fn a_billion_seeds_is_refused_before_anything_runs() {
    for seeds in [
        "1000000000",
        "18446744073709551614",
        "18446744073709551616",
        "0",
        "-1",
        "many",
    ] {
        usage_error(&["sweep", "preset:hello-smtp", "--seeds", seeds], "--seeds");
    }
    usage_error(
        &["sweep", "preset:hello-smtp", "--seeds", "1000001"],
        "1..=1000000",
    );
}

#[test]
fn serve_refuses_a_zero_message_size_and_other_impossible_limits() {
    usage_error(
        &["serve", "--max-message-size", "0"],
        "0 is not a size limit",
    );
    for (flag, value) in [
        ("--max-message-size", "-1"),
        ("--max-message-size", "18446744073709551616"),
        ("--max-message-size", "1 parsec"),
        ("--max-connections", "0"),
        ("--max-connections", "1000001"),
        ("--max-connections", "18446744073709551616"),
        ("--max-memory", "1KiB"),
        ("--max-memory", "0"),
        ("--timeout", "0"),
        ("--timeout", "86401"),
        ("--timeout", "18446744073709551615"),
        ("--grace", "3601"),
        ("--grace", "-5"),
        ("--listen", "127.0.0.1:65536"),
        ("--listen", "127.0.0.1"),
    ] {
        usage_error(&["serve", flag, value], flag);
    }
}

#[test]
fn every_other_numeric_flag_is_checked() {
    for args in [
        &["run", "preset:hello-smtp", "--seed", "-1"][..],
        &["run", "preset:hello-smtp", "--seed", "18446744073709551616"],
        &[
            "run",
            "preset:hello-smtp",
            "--until",
            "99999999999999999999999d",
        ],
        &["run", "preset:hello-smtp", "--until", "-5m"],
        &["transcript", "preset:hello-smtp", "--seed", "x"],
        &["transcript", "preset:hello-smtp", "--until", "1e9"],
        &[
            "sweep",
            "preset:hello-smtp",
            "--seeds",
            "2",
            "--until",
            "forever",
        ],
        &[
            "deliver",
            "--to",
            "127.0.0.1:1",
            "--from",
            "a@example.org",
            "--rcpt",
            "b@example.org",
            "--show-lines",
            "-1",
        ],
        &[
            "deliver",
            "--to",
            "127.0.0.1:1",
            "--from",
            "a@example.org",
            "--rcpt",
            "b@example.org",
            "--show-lines",
            "1000001",
        ],
        &[
            "deliver",
            "--from",
            "a@example.org",
            "--rcpt",
            "b@example.org",
            "--to",
            "127.0.0.1:99999",
        ],
        &[
            "deliver",
            "--from",
            "a@example.org",
            "--rcpt",
            "b@example.org",
            "--to",
            "127.0.0.1",
        ],
        &[
            "deliver",
            "--from",
            "a@example.org",
            "--rcpt",
            "b@example.org",
            "--to",
            "localhost:0",
        ],
    ] {
        let flag = args.iter().rev().nth(1).unwrap();
        let (o, _) = mxlab(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "mxlab {args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "mxlab {args:?}: {err}");
        assert!(err.starts_with("mxlab: error: "), "mxlab {args:?}: {err}");
        assert!(err.contains(flag), "mxlab {args:?}: {err}");
    }
}

#[test]
fn the_largest_seed_and_until_run() {
    let (o, _) = mxlab(&[
        "run",
        "preset:hello-smtp",
        "--seed",
        "18446744073709551615",
        "--until",
        "18446744073709551615ms",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    // 18446744073709551615 ms is more microseconds than a u64 holds.
    assert_eq!(o.status.code(), Some(2), "{err}");
    let (o, _) = mxlab(&[
        "run",
        "preset:hello-smtp",
        "--seed",
        "18446744073709551615",
        "--until",
        "18446744073709s",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn help_and_version_still_print_and_succeed() {
    let (o, _) = mxlab(&["serve", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("--max-message-size"), "{help}");
    assert!(help.contains("0 is refused"), "{help}");
    assert!(help.contains("--max-memory"), "{help}");
    let (o, _) = mxlab(&["--version"]);
    assert!(o.status.success());
}

/// hello-smtp with the MX down for good and the submission server
/// retrying every second for a year: about 400,000 events and 80 MB of
/// trace per simulated day (the same file the simulator's and the app's
/// tests use).
const YEAR_OF_RETRIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/hostile/retry-every-second-for-a-year.json"
);

/// Runs `mxlab` under a 2 GiB address-space limit: a run that tried to
/// hold the year's trace (several GB) would fail inside it.
fn mxlab_bounded(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_mxlab"))
        .args(args)
        .output()
        .expect("sh runs");
    (out, started.elapsed())
}

/// Exit code 3, the summary up to the stop on stdout, and exactly one
/// `mxlab: warning: stopped at …: raise FLAG or shorten the horizon` line
/// on stderr; returns stdout.
fn stopped_on_budget(args: &[&str], flag: &str) -> String {
    let (o, took) = mxlab_bounded(args);
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(3), "mxlab {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "mxlab {args:?}: {err}");
    assert!(
        err.starts_with("mxlab: warning: stopped at ")
            && err
                .trim_end()
                .ends_with(&format!("raise {flag} or shorten the horizon")),
        "mxlab {args:?}: {err}"
    );
    assert!(
        took < Duration::from_secs(60),
        "mxlab {args:?} took {took:?}"
    );
    out
}

#[test]
fn a_year_of_retries_every_second_stops_on_the_event_budget_and_reports() {
    let out = stopped_on_budget(
        &["run", YEAR_OF_RETRIES, "--max-events", "300,000"],
        "--max-events",
    );
    assert!(out.contains("until its budget was spent"), "{out}");
    assert!(out.contains("queued       1"), "{out}");
    assert!(out.contains("budget       stopped at "), "{out}");

    let out = stopped_on_budget(
        &["run", YEAR_OF_RETRIES, "--max-events", "300000", "--json"],
        "--max-events",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stopped"]["limit"], "events");
    assert!(v["stopped"]["events"].as_u64().unwrap() >= 300_000);
    assert!(v["events"].as_u64().unwrap() <= 300_010, "{}", v["events"]);
    assert!(v["clock_secs"].as_f64().unwrap() < 31_622_400.0);

    // The same stop, the same trace: a budget is deterministic.
    let again = stopped_on_budget(
        &["run", YEAR_OF_RETRIES, "--max-events", "300000", "--json"],
        "--max-events",
    );
    assert_eq!(out, again);
}

#[test]
fn a_year_of_retries_stops_on_the_trace_budget_in_transcript_and_sweep() {
    let out = stopped_on_budget(
        &["transcript", YEAR_OF_RETRIES, "--max-trace-bytes", "16MiB"],
        "--max-trace-bytes",
    );
    assert!(
        out.starts_with("# conn 1: "),
        "{}",
        &out[..out.len().min(200)]
    );

    let out = stopped_on_budget(
        &[
            "sweep",
            YEAR_OF_RETRIES,
            "--seeds",
            "3",
            "--max-events",
            "100000",
            "--json",
        ],
        "--max-events",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["budget_stopped_runs"], 3);
    assert_eq!(v["seeds"], 3);
}

#[test]
fn validate_warns_about_a_scenario_that_will_spend_its_budget() {
    let (o, _) = mxlab(&["validate", YEAR_OF_RETRIES]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("ok: 4 hosts, 1 message, 1 fault"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("{YEAR_OF_RETRIES}: warning: ")),
        "{out}"
    );
    assert!(lines[1].contains("20,000,000"), "{out}");
    // Raised far enough, the budget holds the year: no warning.
    let (o, _) = mxlab(&["validate", YEAR_OF_RETRIES, "--max-events", "1000000000"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
}

#[test]
fn budget_flags_out_of_range_are_usage_errors() {
    for cmd in ["run", "transcript", "validate"] {
        usage_error(
            &[cmd, "preset:hello-smtp", "--max-events", "0"],
            "--max-events",
        );
        usage_error(
            &[cmd, "preset:hello-smtp", "--max-events", "-3"],
            "--max-events",
        );
        usage_error(
            &[
                cmd,
                "preset:hello-smtp",
                "--max-events",
                "18446744073709551616",
            ],
            "--max-events",
        );
        usage_error(
            &[cmd, "preset:hello-smtp", "--max-trace-bytes", "0"],
            "--max-trace-bytes",
        );
        usage_error(
            &[cmd, "preset:hello-smtp", "--max-trace-bytes", "lots"],
            "--max-trace-bytes",
        );
    }
    usage_error(
        &[
            "sweep",
            "preset:hello-smtp",
            "--seeds",
            "2",
            "--max-events",
            "0",
        ],
        "--max-events",
    );
}
