//! `mxlab deliver` against real SMTP servers: aiosmtpd and Postfix's
//! smtp-sink.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::common::{crlf, free_port, mxlab, python, scratch, wait_for};

/// A server process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mxlab deliver` to `addr`: (success, transcript).
fn deliver(addr: &str, from: &str, rcpts: &[&str], message: &Path) -> (bool, String) {
    let mut cmd = mxlab();
    cmd.args([
        "deliver",
        "--show-lines",
        "50",
        "--to",
        addr,
        "--from",
        from,
        "--file",
    ])
    .arg(message);
    for r in rcpts {
        cmd.args(["--rcpt", r]);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.success(), text)
}

fn aiosmtpd(dir: &Path) -> (Process, String) {
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/aiosmtpd_server.py");
    let mut child = python()
        .arg(script)
        .arg(port.to_string())
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), "ready", "aiosmtpd did not start");
    (Process(child), format!("127.0.0.1:{port}"))
}

fn message(dir: &Path, subject: &str) -> (std::path::PathBuf, Vec<u8>) {
    let m = crlf(&[
        "From: a@example.org",
        "To: b@example.org",
        &format!("Subject: {subject}"),
        "",
        "Hello.",
        ".leading dot",
        "Bye.",
    ]);
    let path = dir.join(format!("{subject}.eml"));
    // Written with bare LF, as a Unix file: deliver sends CRLF.
    std::fs::write(&path, String::from_utf8_lossy(&m).replace("\r\n", "\n")).unwrap();
    (path, m)
}

#[test]
fn deliver_to_aiosmtpd() {
    let dir = scratch("aiosmtpd");
    let store = dir.join("store");
    std::fs::create_dir_all(&store).unwrap();
    let (_server, addr) = aiosmtpd(&store);
    let (file, sent) = message(&dir, "hello");
    let (ok, out) = deliver(
        &addr,
        "a@example.org",
        &["b@example.org", "c@example.org"],
        &file,
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("C: ..leading dot"),
        "dot-stuffed on the wire:\n{out}"
    );
    assert!(out.contains("<c@example.org>: delivered: 250"), "{out}");
    let got = std::fs::read(store.join("1.eml")).unwrap();
    assert_eq!(got, sent, "aiosmtpd received the message byte for byte");
    let env = std::fs::read_to_string(store.join("1.env")).unwrap();
    assert_eq!(env, "a@example.org\nb@example.org\nc@example.org\n");
}

#[test]
fn deliver_reports_aiosmtpd_refusals() {
    let dir = scratch("aiosmtpd-refusals");
    let store = dir.join("store");
    std::fs::create_dir_all(&store).unwrap();
    let (_server, addr) = aiosmtpd(&store);
    let (file, _) = message(&dir, "hello");
    let (ok, out) = deliver(
        &addr,
        "a@example.org",
        &["soft@example.org", "hard@example.org", "b@example.org"],
        &file,
    );
    assert!(!ok, "not every recipient was accepted:\n{out}");
    assert!(
        out.contains("<soft@example.org>: deferred: 451 4.3.0"),
        "{out}"
    );
    assert!(
        out.contains("<hard@example.org>: failed: 550 5.1.1"),
        "{out}"
    );
    assert!(out.contains("<b@example.org>: delivered: 250"), "{out}");
    let at = |r: &str| out.find(&format!("{r}: ")).unwrap();
    assert!(
        at("<soft@example.org>") < at("<hard@example.org>")
            && at("<hard@example.org>") < at("<b@example.org>"),
        "outcomes in the order the recipients were given:\n{out}"
    );
    let (refused, _) = message(&dir, "refuse");
    let (ok, out) = deliver(&addr, "a@example.org", &["b@example.org"], &refused);
    assert!(!ok);
    assert!(out.contains("<b@example.org>: failed: 554 5.6.0"), "{out}");
}

/// smtp-sink on a free port with extra options; it drops privileges to
/// `nobody` when started as root, as it must.
fn smtp_sink(extra: &[&str]) -> (Process, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new("/usr/sbin/smtp-sink");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        cmd.args(["-u", "nobody"]);
    }
    cmd.args(extra).arg(&addr).arg("64");
    let child = cmd.stdout(Stdio::null()).spawn().unwrap();
    let p = Process(child);
    wait_for(10, "smtp-sink to listen", || {
        std::net::TcpStream::connect(&addr).is_ok()
    });
    (p, addr)
}

#[test]
fn deliver_to_smtp_sink() {
    let dir = scratch("smtp-sink");
    let (file, _) = message(&dir, "hello");
    let (_sink, addr) = smtp_sink(&[]);
    let (ok, out) = deliver(&addr, "a@example.org", &["b@example.org"], &file);
    assert!(ok, "{out}");
    assert!(out.contains("C: QUIT") && out.contains("S: 221"), "{out}");
    assert!(out.contains("<b@example.org>: delivered: 250"), "{out}");
}

#[test]
fn deliver_reports_smtp_sink_refusals() {
    let dir = scratch("smtp-sink-refusals");
    let (file, _) = message(&dir, "hello");
    let (_hard, addr) = smtp_sink(&["-f", "RCPT"]);
    let (ok, out) = deliver(&addr, "a@example.org", &["b@example.org"], &file);
    assert!(!ok);
    assert!(out.contains("<b@example.org>: failed: 5"), "{out}");
    let (_soft, addr) = smtp_sink(&["-r", "."]);
    let (ok, out) = deliver(&addr, "a@example.org", &["b@example.org"], &file);
    assert!(!ok);
    assert!(out.contains("<b@example.org>: deferred: 4"), "{out}");
}
