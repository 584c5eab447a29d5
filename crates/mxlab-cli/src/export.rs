//! `mxlab run FILE --export DIR`: what a run produced, as files.
//!
//! | file | what |
//! | --- | --- |
//! | `DIR/trace.json` | the trace, as the app's "export trace" writes it ([`mxlab_sim::Trace::to_json`]) |
//! | `DIR/transcripts.txt` | every SMTP session, as `mxlab transcript` prints them |
//! | `DIR/dns.txt` | the scenario's zone as a zone file, with the DKIM keys its hosts sign with (derived ones included) published ([`mxlab_sim::Zone::zone_file`]) |
//! | `DIR/mailboxes/HOST/ADDRESS/NNNN-ID.eml` | every message a mailbox stored, DSNs included, one file each |
//!
//! A message file is the message as its mailbox host stored it (every
//! `Received:` on top, CRLF line ends), with the `Return-Path:` and
//! `Delivered-To:` fields a delivering MTA adds (RFC 5321 §4.4): an RFC
//! 5322 message any mail reader opens. `NNNN` counts the mailbox's
//! messages from 0001 in delivery order, so an RFC 1047 duplicate is a
//! second file. Names are made safe for any file system: characters other
//! than letters, digits and `@._+-` become `_`.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mxlab_sim::engine::StoredMessage;
use mxlab_sim::Sim;

use crate::transcript::write_transcript;

/// What an export wrote, for the line `mxlab run` prints about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Message files.
    pub messages: usize,
    /// Mailbox folders.
    pub mailboxes: usize,
}

/// Writes the trace, the transcripts and every stored message of a
/// finished run (made with [`Sim::keep_messages`] on) under `dir`, which
/// is created if missing. Files already there with the same names are
/// replaced; nothing else in `dir` is touched.
pub fn export(sim: &Sim, dir: &Path) -> Result<Written> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let trace = sim.trace();
    write_file(&dir.join("trace.json"), |out| {
        out.write_all(trace.to_json().as_bytes())
    })?;
    write_file(&dir.join("transcripts.txt"), |out| {
        write_transcript(trace, None, out)
    })?;
    let zone = mxlab_sim::auth::Verifier::new(sim.scenario());
    write_file(&dir.join("dns.txt"), |out| {
        out.write_all(
            b"; the scenario's zone, DKIM keys published (written by mxlab run --export)\n",
        )?;
        out.write_all(zone.zone().zone_file().as_bytes())
    })?;
    let mut written = Written::default();
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    for host in sim.hosts() {
        let host_dir = dir.join("mailboxes").join(safe_name(&host.node.name));
        // Each mailbox's messages, numbered in delivery order.
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for m in &host.kept {
            let n = counts.entry(m.mailbox.as_str()).or_default();
            *n += 1;
            let folder = host_dir.join(safe_name(&m.mailbox));
            if folders.insert(folder.clone()) {
                fs::create_dir_all(&folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
            }
            let file = folder.join(format!("{:04}-{}.eml", n, safe_name(&m.message_id)));
            write_file(&file, |out| out.write_all(&eml(m)))?;
            written.messages += 1;
        }
    }
    written.mailboxes = folders.len();
    Ok(written)
}

/// Creates `path` and fills it with `fill`, buffered; the error names the
/// file.
fn write_file(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let file =
        fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    fill(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A stored message as a mail file: `Return-Path:` (the envelope sender,
/// `<>` for a DSN) and `Delivered-To:` (the mailbox) on top of the stored
/// content, every line ending in CRLF (a bare CR or LF in the content
/// becomes CRLF), the last one included.
pub fn eml(m: &StoredMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.content.len() + 128);
    out.extend_from_slice(format!("Return-Path: <{}>\r\n", m.mail_from).as_bytes());
    out.extend_from_slice(format!("Delivered-To: {}\r\n", m.mailbox).as_bytes());
    let bytes = m.content.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
        i += 1;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A name safe as one path component anywhere: letters, digits and
/// `@._+-` kept, anything else `_`; never empty, `.` or `..`, and never
/// starting with a dot (no hidden files).
pub fn safe_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlab_sim::SimTime;

    #[test]
    fn names_are_one_safe_path_component() {
        assert_eq!(safe_name("bob@example.org"), "bob@example.org");
        assert_eq!(safe_name("a/b\\c d"), "a_b_c_d");
        assert_eq!(safe_name(".."), "_..");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name("\"q\"@x"), "_q_@x");
    }

    #[test]
    fn a_mail_file_has_the_delivery_fields_and_crlf_everywhere() {
        let m = StoredMessage {
            mailbox: "bob@example.org".into(),
            message_id: "m1".into(),
            mail_from: String::new(),
            at: SimTime::ZERO,
            content: "Subject: x\r\n\r\nbare\nlf\rcr".into(),
        };
        assert_eq!(
            eml(&m),
            b"Return-Path: <>\r\nDelivered-To: bob@example.org\r\nSubject: x\r\n\r\nbare\r\nlf\r\ncr\r\n"
        );
    }
}
