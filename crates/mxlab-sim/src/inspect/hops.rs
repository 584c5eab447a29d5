//! The header block of a message on each hop it crossed: the `Received:`
//! chain growing hop by hop, read from the data lines of each session
//! that carried it.

use std::collections::BTreeMap;

use mxlab_proto::reply;

use super::transcript::line_text;
use crate::time::SimTime;
use crate::trace::{EventKind, Trace};

/// The headers of a message as one hop carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// The sending host.
    pub from: String,
    /// The receiving host.
    pub to: String,
    /// When the header block was on the wire.
    pub at: SimTime,
    /// The header lines (folded lines kept apart).
    pub headers: Vec<String>,
}

/// A hop with the time each of its header lines arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedHop {
    /// The hop over the whole run.
    pub hop: Hop,
    /// When each of `hop.headers` arrived.
    pub times: Vec<SimTime>,
}

impl TimedHop {
    /// The hop as it was at `t`: the header lines arrived by then.
    pub fn at(&self, t: SimTime) -> Hop {
        Hop {
            headers: self
                .hop
                .headers
                .iter()
                .zip(&self.times)
                .filter(|(_, at)| **at <= t)
                .map(|(line, _)| line.clone())
                .collect(),
            ..self.hop.clone()
        }
    }
}

/// Every hop of message `id` over the whole run, in order: on each
/// connection, the data lines the client sent for `id` after the server's
/// 354 reply (RFC 5321 §4.1.1.4), up to the empty line that ends the
/// header section (RFC 5322 §2.1) or the end of the data.
pub fn hops(trace: &Trace, id: &str) -> Vec<TimedHop> {
    let mut hops: Vec<TimedHop> = Vec::new();
    // Connections in their data, whether still in its header section,
    // and the hop they feed once a header line of `id` arrives.
    let mut open: BTreeMap<u64, (bool, Option<usize>)> = BTreeMap::new();
    for e in trace {
        let (conn, line) = match &e.kind {
            EventKind::Reply { conn, line, .. } => {
                let bytes = line.to_bytes();
                let bytes = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
                if let Ok((code, true, _)) = reply::parse_line(bytes) {
                    if code.get() == 354 {
                        open.insert(*conn, (true, None));
                    }
                }
                continue;
            }
            EventKind::Command { conn, line, .. } => (conn, line),
            _ => continue,
        };
        if e.message.as_deref() != Some(id) {
            continue;
        }
        let Some((in_headers, hop)) = open.get_mut(conn) else {
            continue;
        };
        if !*in_headers {
            continue;
        }
        let text = line_text(line);
        if text.is_empty() || text == "." {
            *in_headers = false;
            continue;
        }
        let i = *hop.get_or_insert_with(|| {
            hops.push(TimedHop {
                hop: Hop {
                    from: e.hosts.first().map(|h| h.to_string()).unwrap_or_default(),
                    to: e.hosts.get(1).map(|h| h.to_string()).unwrap_or_default(),
                    at: e.at,
                    headers: Vec::new(),
                },
                times: Vec::new(),
            });
            hops.len() - 1
        });
        if let Some(h) = hops.get_mut(i) {
            h.hop.headers.push(text);
            h.times.push(e.at);
        }
    }
    hops
}
