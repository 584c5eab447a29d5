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
