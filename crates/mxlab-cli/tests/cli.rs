//! The `mxlab` binary as a user runs it: arguments in, text and an exit
//! code out.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use mxlab_sim::presets::PRESETS;
use serde_json::{json, Value};

/// The keys of `mxlab run --json`, in order: scripts depend on them.
const RUN_KEYS: [&str; 18] = [
    "scenario",
    "title",
    "seed",
    "horizon_secs",
    "until_secs",
    "clock_secs",
    "last_event_secs",
    "quiescent",
    "delivered",
    "bounced",
    "queued",
    "duplicates",
    "attempts",
    "latency_secs",
    "events",
    "connections",
    "trace_hash",
    "stopped",
];

fn mxlab(args: &[&str]) -> Output {
    mxlab_env(args, &[])
}

fn mxlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxlab"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the mxlab binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// Succeeded with nothing on stderr; returns stdout.
fn ok(args: &[&str]) -> String {
    let o = mxlab(args);
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "mxlab {args:?}: {:?}\n{}",
        o.status,
        stderr(&o)
    );
    stdout(&o)
}

/// Failed with exit code 1 and exactly one `mxlab: error: ` line on
/// stderr, nothing on stdout; returns that line.
fn one_line_error(args: &[&str]) -> String {
    let o = mxlab(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "mxlab {args:?}: {err}");
    assert!(o.stdout.is_empty(), "mxlab {args:?}: {}", stdout(&o));
    assert_eq!(err.lines().count(), 1, "mxlab {args:?}: {err}");
    assert!(err.starts_with("mxlab: error: "), "mxlab {args:?}: {err}");
    err
}

fn json_of(args: &[&str]) -> Value {
    let text = ok(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("mxlab {args:?}: {e}\n{text}"))
}

/// A file under the temp dir with a name no other test (or test run) uses.
fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("mxlab-cli-{}-{n}-{name}", std::process::id()))
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = temp_path(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn hello_smtp() -> Value {
    serde_json::from_str(PRESETS[0].1).unwrap()
}

#[test]
fn presets_lists_every_preset_with_its_title() {
    let text = ok(&["presets"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), PRESETS.len(), "{text}");
    for ((name, json), line) in PRESETS.iter().zip(&lines) {
        let title = serde_json::from_str::<Value>(json).unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(line.starts_with(name), "{line}");
        assert!(line.ends_with(&title), "{line} ends with {title}");
    }
}

#[test]
fn presets_export_writes_files_that_run_like_the_presets() {
    let dir = temp_path("presets");
    let dir_arg = dir.to_str().unwrap();
    let text = ok(&["presets", "--export", dir_arg]);
    assert!(text.contains(&format!("wrote {} presets", PRESETS.len())));
    for (name, json) in PRESETS {
        let file = dir.join(format!("{name}.json"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), json);
    }
    let file = dir.join("mx-fallback.json");
    let file = file.to_str().unwrap();
    assert!(ok(&["validate", file]).starts_with("ok: "));
    let from_file = json_of(&["run", file, "--json"]);
    let from_preset = json_of(&["run", "preset:mx-fallback", "--json"]);
    assert_eq!(from_file["trace_hash"], from_preset["trace_hash"]);
    assert_eq!(from_file["scenario"], json!(file));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_json_works_for_every_preset_with_stable_keys() {
    for (name, _) in PRESETS {
        let arg = format!("preset:{name}");
        let v = json_of(&["run", &arg, "--json"]);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = RUN_KEYS.to_vec();
        expected.sort_unstable();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, expected, "{name}");
        assert_eq!(v["scenario"], json!(arg));
        for key in ["delivered", "bounced", "queued", "attempts", "events"] {
            assert!(v[key].is_u64(), "{name}: {key} = {}", v[key]);
        }
        let latency = &v["latency_secs"];
        let delivered = v["delivered"].as_u64().unwrap();
        assert_eq!(latency["count"].as_u64(), Some(delivered), "{name}");
        for p in ["min", "p50", "p90", "p99", "max"] {
            assert_eq!(latency[p].is_f64(), delivered > 0, "{name}: {p}");
        }
        assert_eq!(v["trace_hash"].as_str().map(str::len), Some(16), "{name}");
    }
    let hello = json_of(&["run", "preset:hello-smtp", "--json"]);
    assert_eq!(hello["delivered"], 1);
    assert_eq!(hello["bounced"], 0);
    assert_eq!(hello["queued"], 0);
    assert_eq!(hello["quiescent"], true);
    assert_eq!(hello["seed"], hello_smtp()["seed"]);
}

#[test]
fn run_prints_a_table_and_the_trace_hash_on_request() {
    let table = ok(&["run", "preset:hello-smtp"]);
    for label in [
        "delivered    1",
        "bounced      0",
        "queued       0",
        "attempts",
        "p50",
        "p99",
    ] {
        assert!(table.contains(label), "{label} in\n{table}");
    }
    assert!(!table.contains("trace hash"));
    let with_hash = ok(&["run", "preset:hello-smtp", "--trace-hash"]);
    let hash = json_of(&["run", "preset:hello-smtp", "--json"])["trace_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        with_hash.contains(&format!("trace hash   {hash}")),
        "{with_hash}"
    );
    let other_seed = json_of(&["run", "preset:mx-fallback", "--seed", "7", "--json"]);
    assert_eq!(other_seed["seed"], 7);
}

#[test]
fn until_accepts_seconds_and_units() {
    let run = |until: &str| json_of(&["run", "preset:hello-smtp", "--until", until, "--json"]);
    let early = run("1");
    assert_eq!(early["until_secs"], 1.0);
    assert_eq!(early["delivered"], 0);
    assert_eq!(early["queued"], 1);
    assert_eq!(early["quiescent"], false);
    assert_eq!(run("1s")["trace_hash"], early["trace_hash"]);
    assert_eq!(run("1000ms")["trace_hash"], early["trace_hash"]);
    assert_eq!(run("5m")["until_secs"], 300.0);
    assert_eq!(run("5m")["delivered"], 1);
    assert_eq!(run("2h")["until_secs"], 7200.0);
    assert_eq!(run("1h30m")["until_secs"], 5400.0);
    let five_days = run("5d");
    assert_eq!(five_days["until_secs"], 432_000.0);
    // The horizon (1 h) caps the run: the same trace as no --until at all.
    assert_eq!(
        five_days["trace_hash"],
        json_of(&["run", "preset:hello-smtp", "--json"])["trace_hash"]
    );
    for bad in ["5x", "-1", "", "m5"] {
        let o = mxlab(&["run", "preset:hello-smtp", &format!("--until={bad}")]);
        assert_eq!(o.status.code(), Some(2), "--until {bad:?}");
        assert!(stderr(&o).contains("invalid duration"), "{}", stderr(&o));
    }
}

#[test]
fn validate_says_ok_with_the_counts() {
    assert_eq!(
        ok(&["validate", "preset:hello-smtp"]),
        "ok: 4 hosts, 1 message, 0 faults, horizon 1h\n"
    );
}

#[test]
fn validate_lists_every_problem_with_its_path_and_exits_1() {
    let mut v = hello_smtp();
    v["horizon_secs"] = json!(0);
    v["nodes"][1]["name"] = json!("alice-laptop.example.com");
    v["messages"][0]["rcpt_to"][0] = json!("not-an-address");
    let file = temp_file("broken.json", &v.to_string());
    let file_arg = file.to_str().unwrap();
    let o = mxlab(&["validate", file_arg]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "{text}");
    for line in &lines {
        assert!(line.starts_with(&format!("{file_arg}: $.")), "{line}");
    }
    for path in [
        "$.horizon_secs: ",
        "$.nodes[1].name: ",
        "$.messages[0].rcpt_to[0]: ",
    ] {
        assert!(
            text.contains(&format!("{file_arg}: {path}")),
            "{path} in\n{text}"
        );
    }
    // The other commands refuse it in one line that points to validate.
    let err = one_line_error(&["run", file_arg]);
    assert!(err.contains("mxlab validate"), "{err}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn malformed_json_is_a_one_line_error() {
    let file = temp_file(
        "malformed.json",
        "{\n  \"horizon_secs\": 60,\n  \"nodes\": [\n",
    );
    let file_arg = file.to_str().unwrap();
    for cmd in ["run", "transcript"] {
        let err = one_line_error(&[cmd, file_arg]);
        assert!(err.contains(file_arg) && err.contains("line 4"), "{err}");
    }
    let err = one_line_error(&["sweep", file_arg, "--seeds", "2"]);
    assert!(err.contains(file_arg), "{err}");
    let o = mxlab(&["validate", file_arg]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with(&format!("{file_arg}: $")),
        "{}",
        stdout(&o)
    );
    std::fs::remove_file(&file).unwrap();

    let unknown_field = temp_file(
        "colour.json",
        r#"{"horizon_secs": 60, "nodes": [{"name": "a.example", "role": "mx", "colour": "red"}]}"#,
    );
    let err = one_line_error(&["run", unknown_field.to_str().unwrap()]);
    assert!(
        err.contains("$.nodes[0].colour: unknown field `colour`"),
        "{err}"
    );
    std::fs::remove_file(&unknown_field).unwrap();

    let binary = temp_file("binary.json", "\u{0}\u{1}");
    std::fs::write(&binary, b"{\xff\xfe}").unwrap();
    let err = one_line_error(&["run", binary.to_str().unwrap()]);
    assert!(err.contains("not UTF-8"), "{err}");
    std::fs::remove_file(&binary).unwrap();
}

#[test]
fn unreadable_files_and_unknown_presets_are_one_line_errors() {
    let missing = temp_path("missing.json");
    let err = one_line_error(&["run", missing.to_str().unwrap()]);
    assert!(err.contains("cannot read"), "{err}");
    let dir = std::env::temp_dir();
    one_line_error(&["validate", dir.to_str().unwrap()]);
    let err = one_line_error(&["run", "preset:no-such-lesson"]);
    assert!(
        err.contains("unknown preset `no-such-lesson`") && err.contains("hello-smtp"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(mxlab(&[]).status.code(), Some(2));
    assert_eq!(mxlab(&["run"]).status.code(), Some(2));
    assert_eq!(mxlab(&["fly", "preset:hello-smtp"]).status.code(), Some(2));
    assert_eq!(
        mxlab(&["sweep", "preset:hello-smtp", "--seeds", "0"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn transcript_shows_each_session_as_c_and_s_lines() {
    let text = ok(&["transcript", "preset:hello-smtp"]);
    assert!(
        text.starts_with("# conn 1: alice-laptop.example.com -> smtp.example.com:587 at "),
        "{text}"
    );
    assert!(text.contains("\n# conn 2: smtp.example.com -> mx.example.org:25 at "));
    assert!(text.contains("\nC: EHLO "), "{text}");
    assert!(text.contains("\nS: 250"), "{text}");
    assert!(text.contains("\nC: .\n"), "{text}");
    assert!(!text.contains('\r'), "{text}");
    for line in text.lines().filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("# conn ")
                || line.starts_with("C: ")
                || line.starts_with("S: ")
                || line.starts_with("-- "),
            "{line}"
        );
    }
    let mx_only = ok(&[
        "transcript",
        "preset:hello-smtp",
        "--host",
        "MX.example.org",
    ]);
    assert!(mx_only.starts_with("# conn 2: smtp.example.com -> mx.example.org:25 at "));
    assert!(!mx_only.contains("# conn 1:"));
    let err = one_line_error(&[
        "transcript",
        "preset:hello-smtp",
        "--host",
        "nobody.example",
    ]);
    assert!(err.contains("no host named `nobody.example`"), "{err}");
}

#[test]
fn transcript_headers_name_the_port_of_each_session() {
    let text = ok(&["transcript", "preset:submission-ports"]);
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("# conn "))
        .map(|l| l.split(" at ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        headers,
        [
            "# conn 1: alice-laptop.example.com -> smtp.example.com:587",
            "# conn 2: smtp.example.com -> mx.example.org:25",
            "# conn 3: carol-phone.example.com -> smtp.example.com:465",
            "# conn 4: smtp.example.com -> mx.example.org:25",
        ],
        "{text}"
    );
}

#[test]
fn transcript_shows_a_cut_session_as_it_happened() {
    // The MX crashes after the final dot and before its 250: the session
    // ends with the reset, then the retry delivers a second copy.
    let text = ok(&["transcript", "preset:rfc1047-duplicate"]);
    let cut = text
        .split("\n\n")
        .find(|s| s.contains("-- connection reset"))
        .unwrap_or_else(|| panic!("no cut session in\n{text}"));
    let lines: Vec<&str> = cut.lines().collect();
    let [.., dot, marker] = lines.as_slice() else {
        panic!("{cut}")
    };
    assert_eq!(*dot, "C: .", "{cut}");
    assert!(
        marker.starts_with(
            "-- connection reset (mx.example.org crashed after the client sent the final dot"
        ),
        "{marker}"
    );
    assert!(marker.contains("RFC 1047"), "{marker}");
    // The retry is a whole session of its own, ending with QUIT's 221.
    assert!(
        text.split("\n\n")
            .any(|s| s.contains("mx.example.org") && s.trim_end().ends_with("Bye")),
        "{text}"
    );
}

#[test]
fn sweep_output_is_the_same_whatever_the_threads() {
    let args = ["sweep", "preset:greylisting", "--seeds", "8"];
    let first = ok(&args);
    assert_eq!(ok(&args), first);
    let o = mxlab_env(&args, &[("RAYON_NUM_THREADS", "1")]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), first);
    for label in [
        "0..8 (8 runs",
        "delivered",
        "attempts per run",
        "p50",
        "p99",
        "max",
    ] {
        assert!(first.contains(label), "{label} in\n{first}");
    }
    let v = json_of(&["sweep", "preset:greylisting", "--seeds", "8", "--json"]);
    assert_eq!(v["seeds"], 8);
    assert_eq!(v["latency_secs"]["count"], v["delivered"]["total"]);
    let runs: u64 = v["attempts_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["runs"].as_u64().unwrap())
        .sum();
    assert_eq!(runs, 8);
}

#[test]
fn scenario_can_come_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxlab"))
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PRESETS[0].1.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("ok: 4 hosts"));
}

#[test]
fn serve_help_documents_implicit_tls_and_it_excludes_starttls() {
    let help = ok(&["serve", "--help"]);
    assert!(help.contains("--implicit-tls"), "{help}");
    assert!(help.contains("RFC 8314"), "{help}");
    let both = mxlab(&["serve", "--implicit-tls", "--starttls"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
}
