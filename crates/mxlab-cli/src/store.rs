//! Where `mxlab serve` puts accepted mail: a Maildir or an mbox file.
//!
//! A message is stored, and synced to disk, before the server answers the
//! final dot with 250: once the client has its 250 the message is safe
//! (RFC 5321 §4.1.1.4, §6.1). A message that cannot be stored is refused
//! with a 451, so the client keeps it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The mailbox format.
#[derive(Debug)]
pub enum Store {
    /// A Maildir: one file per message, written to `tmp/`, synced, then
    /// renamed into `new/` (the Maildir delivery protocol).
    Maildir {
        /// The Maildir's directory.
        dir: PathBuf,
        /// A counter making file names unique within this process.
        serial: AtomicU64,
    },
    /// An mbox file (mboxrd: `From ` lines quoted with `>`), one writer at
    /// a time.
    Mbox {
        /// The file.
        path: PathBuf,
        /// Held while a message is appended.
        lock: Mutex<()>,
    },
}

impl Store {
    /// A Maildir at `dir`, creating `tmp/`, `new/` and `cur/`.
    pub fn maildir(dir: &Path) -> io::Result<Store> {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        Ok(Store::Maildir {
            dir: dir.to_path_buf(),
            serial: AtomicU64::new(0),
        })
    }

    /// An mbox file at `path`, created if missing.
    pub fn mbox(path: &Path) -> io::Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Store::Mbox {
            path: path.to_path_buf(),
            lock: Mutex::new(()),
        })
    }

    /// Stores one message; returns where it went.
    ///
    /// `sender` is the envelope sender (empty for `<>`), `unix_secs` the
    /// arrival time, `message` the content as received (CRLF line ends).
    pub fn deliver(&self, sender: &str, unix_secs: i64, message: &[u8]) -> io::Result<PathBuf> {
        match self {
            Store::Maildir { dir, serial } => {
                let n = serial.fetch_add(1, Ordering::Relaxed);
                let name = format!("{unix_secs}.P{}Q{n}.mxlab", std::process::id());
                let tmp = dir.join("tmp").join(&name);
                let new = dir.join("new").join(&name);
                let mut f = File::create(&tmp)?;
                f.write_all(message)?;
                f.sync_all()?;
                drop(f);
                fs::rename(&tmp, &new)?;
                Ok(new)
            }
            Store::Mbox { path, lock } => {
                let entry = mboxrd_entry(sender, unix_secs, message);
                let _held = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let mut f = OpenOptions::new().append(true).open(path)?;
                f.write_all(&entry)?;
                f.sync_data()?;
                Ok(path.clone())
            }
        }
    }
}

/// One mboxrd entry: the `From ` separator line, the message with LF line
/// ends and every line matching `>*From ` quoted with one more `>`, and an
/// empty line.
pub fn mboxrd_entry(sender: &str, unix_secs: i64, message: &[u8]) -> Vec<u8> {
    let sender = if sender.is_empty() {
        "MAILER-DAEMON"
    } else {
        sender
    };
    let mut out = Vec::with_capacity(message.len() + 128);
    out.extend_from_slice(format!("From {sender} {}\n", asctime(unix_secs)).as_bytes());
    let body = message.strip_suffix(b"\r\n").unwrap_or(message);
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let unquoted = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        if line
            .get(unquoted..)
            .is_some_and(|rest| rest.starts_with(b"From "))
        {
            out.push(b'>');
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.push(b'\n');
    out
}

/// The mbox separator's date, as C's `asctime` writes it (UTC).
fn asctime(unix_secs: i64) -> String {
    // "Mon, 23 Nov 2026 15:59:15 +0000" → "Mon Nov 23 15:59:15 2026"
    let d = mxlab_proto::message::rfc5322_date(unix_secs);
    let parts: Vec<&str> = d.split([',', ' ']).filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [wd, day, mon, year, time, ..] => {
            format!(
                "{wd} {mon} {:>2} {time} {year}",
                day.trim_start_matches('0')
            )
        }
        _ => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mboxrd_quotes_from_lines_and_uses_lf() {
        let e = mboxrd_entry(
            "a@example.org",
            0,
            b"Subject: x\r\n\r\nFrom here\r\n>From there\r\nFromage\r\n",
        );
        assert_eq!(
            String::from_utf8(e).unwrap(),
            "From a@example.org Thu Jan  1 00:00:00 1970\n\
             Subject: x\n\n>From here\n>>From there\nFromage\n\n"
        );
    }

    #[test]
    fn null_sender_is_mailer_daemon() {
        let e = mboxrd_entry("", 0, b"x\r\n");
        assert!(e.starts_with(b"From MAILER-DAEMON "));
    }

    #[test]
    fn maildir_message_lands_in_new_byte_exact() {
        let dir = std::env::temp_dir().join(format!("mxlab-store-test-{}", std::process::id()));
        let store = Store::maildir(&dir).unwrap();
        let msg = b"Subject: t\r\n\r\n.leading dot\r\nbare\rcr\r\n";
        let path = store.deliver("a@example.org", 1, msg).unwrap();
        assert!(path.starts_with(dir.join("new")));
        assert_eq!(fs::read(&path).unwrap(), msg);
        assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
