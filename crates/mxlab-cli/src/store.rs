//! Where `mxlab serve` puts accepted mail: a Maildir or an mbox file.
//!
//! A message is stored, and synced to disk, before the server answers the
//! final dot with 250: once the client has its 250 the message is safe
//! (RFC 5321 §4.1.1.4, §6.1). A message that cannot be stored is refused
//! with a 451, so the client keeps it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
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

    /// The junk folder beside this store, created if missing, where mail
    /// that DMARC quarantines goes: the Maildir `junk/` inside a Maildir
    /// (as the simulator names a mailbox's junk folder), `FILE.junk`
    /// beside an mbox file.
    pub fn junk(&self) -> io::Result<Store> {
        match self {
            Store::Maildir { dir, .. } => Store::maildir(&dir.join("junk")),
            Store::Mbox { path, .. } => {
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(".junk");
                Store::mbox(&path.with_file_name(name))
            }
        }
    }

    /// A file in the store to write a message's data into as it arrives
    /// (Maildir: in `tmp/`; mbox: beside the mbox file). Dropped without
    /// [`Store::deliver_spooled`], it is removed.
    pub fn spool(&self) -> io::Result<Spool> {
        let n = SPOOLS.fetch_add(1, Ordering::Relaxed);
        let path = match self {
            Store::Maildir { dir, .. } => dir
                .join("tmp")
                .join(format!("spool.P{}Q{n}.mxlab", std::process::id())),
            Store::Mbox { path, .. } => {
                let name = path
                    .file_name()
                    .map_or_else(|| "mbox".to_owned(), |n| n.to_string_lossy().into_owned());
                path.with_file_name(format!(".{name}.P{}Q{n}.mxlab-spool", std::process::id()))
            }
        };
        let file = File::create(&path)?;
        Ok(Spool {
            file: Some(BufWriter::with_capacity(SPOOL_BUFFER, file)),
            path,
            size: 0,
        })
    }

    /// Stores one message held in memory; returns where it went.
    ///
    /// `sender` is the envelope sender (empty for `<>`), `unix_secs` the
    /// arrival time, `message` the content as received (CRLF line ends).
    pub fn deliver(&self, sender: &str, unix_secs: i64, message: &[u8]) -> io::Result<PathBuf> {
        let mut spool = self.spool()?;
        spool.write(message)?;
        self.deliver_spooled(sender, unix_secs, b"", spool)
    }

    /// Stores one message: `head` (the fields the server puts on top)
    /// followed by what was written to `spool`, synced to disk; returns
    /// where it went. Memory stays bounded whatever the message's size:
    /// the spool is copied file to file (Maildir) or a line at a time
    /// (mbox).
    pub fn deliver_spooled(
        &self,
        sender: &str,
        unix_secs: i64,
        head: &[u8],
        mut spool: Spool,
    ) -> io::Result<PathBuf> {
        let mut data = spool.finish()?;
        match self {
            Store::Maildir { dir, serial } => {
                let n = serial.fetch_add(1, Ordering::Relaxed);
                let name = format!("{unix_secs}.P{}Q{n}.mxlab", std::process::id());
                let tmp = dir.join("tmp").join(&name);
                let new = dir.join("new").join(&name);
                let written = (|| {
                    let mut f = File::create(&tmp)?;
                    f.write_all(head)?;
                    io::copy(&mut data, &mut f)?;
                    f.sync_all()?;
                    drop(f);
                    fs::rename(&tmp, &new)
                })();
                if written.is_err() {
                    let _ = fs::remove_file(&tmp);
                }
                written.map(|()| new)
            }
            Store::Mbox { path, lock } => {
                let _held = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let f = OpenOptions::new().append(true).open(path)?;
                let mut out = BufWriter::with_capacity(SPOOL_BUFFER, f);
                write_mboxrd(
                    &mut out,
                    sender,
                    unix_secs,
                    BufReader::new(head.chain(data)),
                )?;
                let f = out.into_inner().map_err(io::IntoInnerError::into_error)?;
                f.sync_data()?;
                Ok(path.clone())
            }
        }
    }
}

/// How much of a message's data is held in memory on its way to a spool
/// file, or from it to the mbox.
const SPOOL_BUFFER: usize = 32 * 1024;

/// Makes spool file names unique within this process.
static SPOOLS: AtomicU64 = AtomicU64::new(0);

/// A message's data on its way into the store: written to a file as it
/// arrives, so that a large message is never held in memory.
#[derive(Debug)]
pub struct Spool {
    /// `None` once finished.
    file: Option<BufWriter<File>>,
    path: PathBuf,
    size: u64,
}

impl Spool {
    /// Appends data.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("the spool is finished"))?;
        file.write_all(bytes)?;
        self.size = self.size.saturating_add(bytes.len() as u64);
        Ok(())
    }

    /// Octets written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Everything written, read back into memory (for checks that need
    /// the whole message); nothing more can be written after it.
    pub fn read_all(&mut self) -> io::Result<Vec<u8>> {
        let mut data = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        self.finish()?.read_to_end(&mut data)?;
        Ok(data)
    }

    /// Flushes what was written and opens it for reading from the start.
    fn finish(&mut self) -> io::Result<File> {
        if let Some(file) = self.file.take() {
            file.into_inner().map_err(io::IntoInnerError::into_error)?;
        }
        File::open(&self.path)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// One mboxrd entry: the `From ` separator line, the message with LF line
/// ends and every line matching `>*From ` quoted with one more `>`, and an
/// empty line.
#[cfg(test)]
pub fn mboxrd_entry(sender: &str, unix_secs: i64, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 128);
    // Writing to a Vec cannot fail.
    let _ = write_mboxrd(&mut out, sender, unix_secs, message);
    out
}

/// Writes the mboxrd entry of the message read from `message` (see
/// [`mboxrd_entry`]), a line at a time.
fn write_mboxrd(
    out: &mut impl Write,
    sender: &str,
    unix_secs: i64,
    mut message: impl BufRead,
) -> io::Result<()> {
    let sender = if sender.is_empty() {
        "MAILER-DAEMON"
    } else {
        sender
    };
    writeln!(out, "From {sender} {}", asctime(unix_secs))?;
    let mut line = Vec::new();
    let mut any = false;
    loop {
        line.clear();
        if message.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        any = true;
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let unquoted = text.iter().position(|&b| b != b'>').unwrap_or(text.len());
        if text
            .get(unquoted..)
            .is_some_and(|rest| rest.starts_with(b"From "))
        {
            out.write_all(b">")?;
        }
        out.write_all(text)?;
        out.write_all(b"\n")?;
    }
    if !any {
        out.write_all(b"\n")?;
    }
    out.write_all(b"\n")
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

    #[test]
    fn spooled_messages_are_head_then_data_and_dropped_spools_vanish() {
        let dir = std::env::temp_dir().join(format!("mxlab-spool-test-{}", std::process::id()));
        let store = Store::maildir(&dir).unwrap();
        let mut spool = store.spool().unwrap();
        for i in 0..10_000 {
            spool.write(format!("line {i}\r\n").as_bytes()).unwrap();
        }
        let size = spool.size();
        let path = store
            .deliver_spooled(
                "a@example.org",
                1,
                b"Return-Path: <a@example.org>\r\n",
                spool,
            )
            .unwrap();
        let stored = fs::read(&path).unwrap();
        assert_eq!(stored.len() as u64, size + 30);
        assert!(stored.starts_with(b"Return-Path: <a@example.org>\r\nline 0\r\n"));
        assert!(stored.ends_with(b"line 9999\r\n"));
        let abandoned = store.spool().unwrap();
        drop(abandoned);
        assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();

        let mbox =
            std::env::temp_dir().join(format!("mxlab-spool-test-{}.mbox", std::process::id()));
        let store = Store::mbox(&mbox).unwrap();
        let message = b"Subject: x\r\n\r\nFrom here\r\n>From there\r\n";
        let mut spool = store.spool().unwrap();
        spool.write(&message[10..]).unwrap();
        store.deliver_spooled("", 0, &message[..10], spool).unwrap();
        assert_eq!(fs::read(&mbox).unwrap(), mboxrd_entry("", 0, message));
        fs::remove_file(&mbox).unwrap();
    }
}
