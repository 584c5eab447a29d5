//! Starting `mxlab serve`, reading its Maildir and its trace lines.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `mxlab` binary under test.
pub fn mxlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mxlab"))
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mxlab-interop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until `cond` holds, for at most `secs` seconds.
pub fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `mxlab serve`, stopped (SIGTERM, then kill) when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The Maildir.
    pub maildir: PathBuf,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `mxlab serve` on a free port with a Maildir in `dir` and
    /// these extra arguments; returns once it listens.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let maildir = dir.join("Maildir").display().to_string();
        let mut all = vec!["--maildir", maildir.as_str()];
        all.extend_from_slice(args);
        Server::start_with_store(dir, &all)
    }

    /// Starts `mxlab serve` with exactly these arguments after `--listen`
    /// (give `--maildir` or `--mbox`).
    pub fn start_with_store(dir: &Path, args: &[&str]) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let maildir = dir.join("Maildir");
        let mut child = mxlab()
            .args(["serve", "--listen", &addr])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mxlab serve starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let server = Server {
            child,
            addr,
            maildir,
            lines,
        };
        wait_for(20, "mxlab serve to listen", || {
            server.lines().iter().any(|l| l.starts_with("listening on"))
        });
        server
    }

    /// The trace lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The `accepted …` trace lines so far.
    pub fn accepted(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.starts_with("accepted "))
            .collect()
    }

    /// The process id (for its memory figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A plain TCP connection to it.
    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s
    }

    /// Every message in `new/`, as stored, in name order.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.maildir.join("new"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        names.sort();
        names.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// Sends SIGTERM and waits for the exit status (true: success).
    pub fn terminate(&mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(Instant::now() < end, "mxlab serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Peak resident memory in KiB (`VmHWM`), while it runs.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A stored message without the two fields the server put on top
/// (`Return-Path:` and the folded `Received:`): what the client sent.
pub fn sent_part(stored: &[u8]) -> &[u8] {
    let mut rest = stored;
    assert!(rest.starts_with(b"Return-Path: <"), "no Return-Path on top");
    rest = after_line(rest);
    assert!(rest.starts_with(b"Received: from "), "no Received on top");
    rest = after_line(rest);
    while rest.starts_with(b"\t") {
        rest = after_line(rest);
    }
    rest
}

fn after_line(b: &[u8]) -> &[u8] {
    match b.windows(2).position(|w| w == b"\r\n") {
        Some(i) => b.get(i + 2..).unwrap_or_default(),
        None => &[],
    }
}

/// Runs a command to the end; panics with its output unless it succeeds.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the command starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// Python 3 from Debian (where python3-aiosmtpd is installed).
pub fn python() -> Command {
    Command::new(if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    })
}

/// A message with CRLF line ends from lines.
pub fn crlf(lines: &[&str]) -> Vec<u8> {
    let mut m = Vec::new();
    for l in lines {
        m.extend_from_slice(l.as_bytes());
        m.extend_from_slice(b"\r\n");
    }
    m
}
