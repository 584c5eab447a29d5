//! The wire of a connection: segments sent one way in order, with the
//! link's delay (and, for a long write, its transmission time); resets
//! when the server's host goes down or crashes; the client's timer.

use compact_str::CompactString;

use super::session::Conn;
use super::{pair, Event, Sim};
use crate::rng::SimRng;
use crate::scenario::DownMode;
use crate::scenario::LinkProfile;
use crate::time::SimTime;

/// A write longer than this travels as several segments of whole lines.
const CHUNK: usize = 64 * 1024;

/// The links' capacity, in Mbit/s, for the segments of a long write: an
/// 8 MB message takes about 0.7 s on the wire.
const LINK_MBPS: u64 = 100;

/// How long `bytes` octets take to put on the wire, in microseconds.
fn transmission_micros(bytes: usize) -> u64 {
    (bytes as u64).saturating_mul(8) / LINK_MBPS
}

/// Where the first segment of `rest` ends: after the last line end within
/// [`CHUNK`] octets (or the first one after, for a longer line).
fn chunk_end(rest: &[u8]) -> usize {
    if rest.len() <= CHUNK {
        return rest.len();
    }
    let head = rest.get(..CHUNK).unwrap_or(rest);
    match head.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None => rest
            .iter()
            .skip(CHUNK)
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| CHUNK + i + 1),
    }
}

/// Segments travelling to the server, and to the client.
pub(super) const TO_SERVER: usize = 0;
pub(super) const TO_CLIENT: usize = 1;

/// What travels one way on a connection.
#[derive(Debug, Clone)]
pub(super) enum Segment {
    /// Bytes written in one go, when they were written, and whether the
    /// server closed its end right after them.
    Data {
        bytes: Vec<u8>,
        sent_at: SimTime,
        fin: bool,
    },
    /// The server closed its end.
    Fin,
    /// The server's host reset the connection, and why.
    Reset(CompactString),
}

/// The writes of one instant as one buffer.
pub(super) fn coalesce(
    mut writes: smallvec::SmallVec<[Vec<u8>; 4]>,
    mut give_back: impl FnMut(Vec<u8>),
) -> Option<Vec<u8>> {
    let mut rest = writes.drain(..);
    let mut first = rest.next()?;
    for more in rest {
        first.extend_from_slice(&more);
        give_back(more);
    }
    Some(first)
}

impl Sim {
    /// Sends a segment one way: it arrives after the link's delay, and
    /// never before the segments sent earlier the same way.
    pub(super) fn send(&mut self, now: SimTime, c: &mut Conn, dir: usize, segment: Segment) {
        self.send_after(now, c, dir, segment, SimTime::ZERO);
    }

    /// Sends a write of data; one larger than [`CHUNK`] travels as
    /// segments of whole lines, each arriving its transmission time
    /// ([`LINK_MBPS`]) after the one before, so a long message takes time
    /// on the wire and the run can be computed (and drawn) between them.
    pub(super) fn send_data(&mut self, now: SimTime, c: &mut Conn, dir: usize, write: Segment) {
        let Segment::Data {
            bytes,
            sent_at,
            fin,
        } = write
        else {
            return self.send(now, c, dir, write);
        };
        if bytes.len() <= CHUNK {
            let segment = Segment::Data {
                bytes,
                sent_at,
                fin,
            };
            return self.send(now, c, dir, segment);
        }
        let mut rest: &[u8] = &bytes;
        let mut ready = sent_at;
        while !rest.is_empty() {
            let cut = chunk_end(rest);
            let (piece, after) = rest.split_at(cut);
            rest = after;
            ready = ready.plus_micros(transmission_micros(piece.len()));
            let segment = Segment::Data {
                bytes: piece.to_vec(),
                sent_at,
                fin: fin && rest.is_empty(),
            };
            self.send_after(now, c, dir, segment, ready);
        }
    }

    /// Sends a segment that arrives no earlier than `not_before` plus the
    /// link's delay.
    fn send_after(
        &mut self,
        now: SimTime,
        c: &mut Conn,
        dir: usize,
        segment: Segment,
        not_before: SimTime,
    ) {
        let (from, to) = if dir == TO_SERVER {
            (c.client_host, c.server_host)
        } else {
            (c.server_host, c.client_host)
        };
        let sent = match &segment {
            Segment::Data { sent_at, .. } => *sent_at,
            _ => now,
        };
        let delay = self.one_way(from, to);
        let last = c.last_arrival.get(dir).copied().unwrap_or(now);
        let at = sent.max(not_before).plus_micros(delay).max(last);
        if let Some(l) = c.last_arrival.get_mut(dir) {
            *l = at;
        }
        if let Some(w) = c.wire.get_mut(dir) {
            w.push_back(segment);
        }
        self.events.push(
            at,
            Event::Segment {
                slot: c.slot,
                conn: c.id,
                to_server: dir == TO_SERVER,
            },
        );
        if dir == TO_CLIENT && c.deadline.is_some_and(|d| at > d) {
            // The reply comes too late (a tarpit, a slow link).
            self.arm(c);
        }
    }

    /// Sets the client's timer for its deadline, unless one is due by then.
    pub(super) fn arm(&mut self, c: &mut Conn) {
        let Some(d) = c.deadline else {
            return;
        };
        if c.timer.is_none_or(|t| t > d) {
            c.timer = Some(d);
            self.events.push(
                d,
                Event::ClientTimer {
                    slot: c.slot,
                    conn: c.id,
                },
            );
        }
    }

    /// The server's end of `c` is gone: the reset travels to the client.
    pub(super) fn reset(&mut self, now: SimTime, c: &mut Conn, detail: CompactString) {
        c.server_gone = true;
        c.tls_ready = [false, false];
        if let Some(w) = c.wire.get_mut(TO_SERVER) {
            w.clear();
        }
        self.send(now, c, TO_CLIENT, Segment::Reset(detail));
    }

    /// Resets every connection `host` serves.
    pub(super) fn reset_served_by(&mut self, now: SimTime, host: usize, detail: &str) {
        for slot in 0..self.conns.len() {
            let serving = self
                .conns
                .get(slot)
                .and_then(Option::as_ref)
                .is_some_and(|c| c.server_host == host && !c.server_gone);
            if !serving {
                continue;
            }
            let Some(mut c) = self.conns.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            self.reset(now, &mut c, detail.into());
            if let Some(place) = self.conns.get_mut(slot) {
                *place = Some(c);
            }
        }
    }

    /// `host` crashes: down (refusing) until its crash fault ends, and
    /// every connection it serves is reset.
    pub(super) fn crash(&mut self, now: SimTime, host: usize) {
        if let Some(h) = self.hosts.get_mut(host) {
            h.faults.crash = None;
            h.faults.crashed = true;
            h.faults.down = Some(DownMode::Refused);
        }
        let detail = format!("{} crashed", self.name(host));
        self.reset_served_by(now, host, &detail);
    }

    pub(super) fn link(&self, a: usize, b: usize) -> LinkProfile {
        self.links
            .get(&pair(a, b))
            .cloned()
            .unwrap_or_else(|| self.scenario.default_link.clone())
    }

    /// One-way delay of one transmission from `a` to `b`, jitter drawn
    /// from the link's own stream.
    pub(super) fn one_way(&mut self, a: usize, b: usize) -> u64 {
        let l = self.link(a, b);
        let jitter = if l.jitter_ms > 0 {
            self.link_rng(a, b)
                .below(l.jitter_ms.saturating_mul(1_000).saturating_add(1))
        } else {
            0
        };
        l.latency_ms.saturating_mul(1_000).saturating_add(jitter)
    }

    /// Whether a connection attempt from `a` to `b` is lost.
    pub(super) fn lost(&mut self, a: usize, b: usize) -> bool {
        if self.partitions.contains(&pair(a, b)) {
            return true;
        }
        let l = self.link(a, b);
        if l.loss <= 0.0 {
            return false;
        }
        self.link_rng(a, b).chance(l.loss)
    }

    /// The random stream of the link between `a` and `b`, forked from the
    /// world seed the first time it is needed.
    fn link_rng(&mut self, a: usize, b: usize) -> &mut SimRng {
        let key = pair(a, b);
        let (seed, hosts) = (self.seed, &self.hosts);
        self.link_rngs.entry(key).or_insert_with(|| {
            let name = |i: usize| hosts.get(i).map_or("", |h| h.node.name.as_str());
            let label = format!("link:{}|{}", name(key.0), name(key.1));
            SimRng::fork(seed, &label.to_ascii_lowercase())
        })
    }
}
