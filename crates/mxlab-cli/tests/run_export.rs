//! `mxlab run … --export DIR`: the trace as the app exports it, the
//! transcripts as `mxlab transcript` prints them, and every mailbox as
//! `.eml` files a mail reader (here Python's `email` package) opens
//! without a defect.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::*;

use mxlab_sim::presets::PRESETS;
use mxlab_sim::{Scenario, Sim};

/// Runs `mxlab run preset:NAME --export DIR`; returns its stdout.
fn export(preset: &str, dir: &Path) -> String {
    let o = mxlab(&[
        "run",
        &format!("preset:{preset}"),
        "--export",
        dir.to_str().unwrap(),
    ]);
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{preset}: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Every `.eml` under `dir`, sorted.
fn mail_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "eml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn preset_json(name: &str) -> &'static str {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
        .unwrap()
}

#[test]
fn the_trace_and_transcripts_are_those_of_the_run() {
    let dir = scratch("export", "trace");
    let summary = export("hello-smtp", &dir);
    assert!(summary.starts_with("exported     trace.json"), "{summary}");
    let scenario = Scenario::from_json(preset_json("hello-smtp")).unwrap();
    let seed = scenario.seed;
    let mut sim = Sim::new(scenario, seed);
    sim.run_to_quiescence();
    let trace = std::fs::read_to_string(dir.join("trace.json")).unwrap();
    assert!(
        trace == sim.trace().to_json(),
        "trace.json differs from Trace::to_json of the same run"
    );
    let transcript = mxlab(&["transcript", "preset:hello-smtp"]);
    assert!(transcript.status.success());
    assert_eq!(
        std::fs::read(dir.join("transcripts.txt")).unwrap(),
        transcript.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_mailbox_is_a_folder_of_crlf_messages() {
    let dir = scratch("export", "mailboxes");
    export("several-recipients", &dir);
    let files = mail_files(&dir.join("mailboxes"));
    assert!(files.len() >= 2, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(bytes.starts_with(b"Return-Path: <"), "{}", f.display());
        assert!(bytes.ends_with(b"\r\n"), "{}", f.display());
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                assert!(
                    i > 0 && bytes[i - 1] == b'\r',
                    "{}: a bare LF at {i}",
                    f.display()
                );
            }
        }
        // The folder is the mailbox's address, the message's
        // `Delivered-To:` says the same.
        let folder = f.parent().unwrap().file_name().unwrap().to_str().unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains(&format!("\r\nDelivered-To: {folder}\r\n")),
            "{}",
            f.display()
        );
        assert!(text.contains("\r\nReceived: "), "{}", f.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Python's `email` package reads the DSN as a mail reader would: no
/// defects anywhere in it, and the structure of RFC 3464/6522.
const CHECK_DSN: &str = r#"
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
defects = [(part.get_content_type(), part.defects) for part in msg.walk() if part.defects]
assert msg.defects == [] and defects == [], defects or msg.defects
assert msg.get_content_type() == "multipart/report", msg.get_content_type()
assert msg.get_param("report-type") == "delivery-status", msg.get_param("report-type")
assert msg["Return-Path"] == "<>", msg["Return-Path"]
parts = msg.get_payload()
types = [p.get_content_type() for p in parts]
assert types[:2] == ["text/plain", "message/delivery-status"], types
status = parts[1].get_payload()
fields = [block for block in status]
assert str(fields[0]["Reporting-MTA"]).startswith("dns; "), str(fields[0])
assert str(fields[1]["Action"]) == "failed", str(fields[1])
assert str(fields[1]["Status"]).startswith("5."), str(fields[1])
print("ok", types)
"#;

#[test]
fn an_exported_dsn_parses_with_python_email_without_defects() {
    let dir = scratch("export", "dsn");
    export("unknown-user-bounce", &dir);
    let files = mail_files(&dir.join("mailboxes"));
    let dsn = files
        .iter()
        .find(|f| f.to_string_lossy().ends_with(".dsn.eml"))
        .unwrap_or_else(|| panic!("no DSN among {files:?}"));
    let python = match Command::new("python3")
        .args(["-c", CHECK_DSN, dsn.to_str().unwrap()])
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: python3 is not installed ({e})");
            return;
        }
        Err(e) => panic!("python3: {e}"),
    };
    assert!(
        python.status.success(),
        "{}: {}{}",
        dsn.display(),
        String::from_utf8_lossy(&python.stdout),
        String::from_utf8_lossy(&python.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
