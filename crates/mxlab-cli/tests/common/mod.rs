//! What the `mxlab` binary's test files share: running it, and what a
//! success and a one-line error look like.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each file uses some

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `mxlab` with `args`.
pub fn mxlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxlab"))
        .args(args)
        .output()
        .expect("the mxlab binary runs")
}

/// Its standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Succeeded with nothing on stderr; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let o = mxlab(args);
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "mxlab {args:?}: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

/// Failed with `code` and one `mxlab: error: ` line (no panic), nothing
/// on stdout; returns that line.
pub fn error(args: &[&str], code: i32) -> String {
    let o = mxlab(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "mxlab {args:?}: {err}");
    assert!(o.stdout.is_empty(), "mxlab {args:?} printed to stdout");
    assert!(
        err.starts_with("mxlab: error: ") && err.lines().count() == 1,
        "mxlab {args:?}: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    err
}

/// A fresh, empty directory for one test of the file `kind`.
pub fn scratch(kind: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mxlab-{kind}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
