//! Where the engine's trace records go.
//!
//! An attempt works out its whole conversation when it starts, so most
//! records are written ahead of their time and wait in runs ([`Ahead`])
//! until the clock passes them. Natively, during a long run, the records
//! travel in batches to a second thread that merges the runs and writes
//! the trace while the engine goes on: the trace comes out the same, in
//! the same order, as when each record is applied at once (on wasm32, and
//! for short runs).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::mpsc::RecvTimeoutError;
#[cfg(not(target_arch = "wasm32"))]
use std::time::Duration;

use crate::budget::Meter;
use crate::time::SimTime;
use crate::trace::{EventKind, Names, Note, Store};

/// What an event recorded at its time costs, at most: its record in the
/// store and the event kept whole.
const RECORD_BYTES: usize = 56 + core::mem::size_of::<EventKind>();

/// What an event written ahead of its time costs besides its octets, at
/// most: its place in a run, then its record in the store (whichever is
/// larger is counted; the run's place is freed when the record moves).
const AHEAD_BYTES: usize = {
    let pending = core::mem::size_of::<(Key, Names, Pending)>();
    if pending > RECORD_BYTES {
        pending
    } else {
        RECORD_BYTES
    }
};

/// Where a trace record falls among the queue's events: its time, then
/// the sequence number it took from the event queue.
pub(super) type Key = (SimTime, u64);

/// Trace records worked out before their time (an attempt plays its whole
/// conversation when it starts), waiting for the clock to reach them.
///
/// Each attempt writes its records in time order as one run; the runs are
/// merged into the trace by key as the clock passes them, so the trace
/// comes out exactly as if every record had gone through the event queue,
/// at the cost of one heap operation per run rather than per record.
#[derive(Debug, Clone, Default)]
struct Ahead {
    /// The runs, by slot; an empty run's slot is free.
    runs: Vec<Run>,
    free: Vec<usize>,
    /// Each non-empty run by the key of its first record.
    heads: BinaryHeap<Reverse<(Key, usize)>>,
    /// The run being written, and the key of its last record.
    open: Option<(usize, Key)>,
}

/// One run of records, and the octets of its lines.
#[derive(Debug, Clone, Default)]
struct Run {
    records: VecDeque<(Key, Names, Pending)>,
    octets: Vec<u8>,
}

/// A record waiting in a run.
#[derive(Debug, Clone)]
enum Pending {
    /// A command (`command`) or reply line, its octets `len` bytes at
    /// `start` in the run's octets.
    Line {
        command: bool,
        conn: u64,
        sent_at: SimTime,
        start: usize,
        len: usize,
    },
    /// Any other event.
    Kind(EventKind),
}

impl Ahead {
    /// Starts a new run: records from now on go into it.
    fn start_run(&mut self) {
        self.open = None;
    }

    /// The run a record with `key` goes into: the open one, unless the
    /// record is earlier than its last, which starts a run of its own.
    fn run_for(&mut self, key: Key) -> Option<&mut Run> {
        let slot = match self.open {
            Some((slot, last)) if last <= key => slot,
            _ => {
                let slot = match self.free.pop() {
                    Some(slot) => slot,
                    None => {
                        self.runs.push(Run::default());
                        self.runs.len() - 1
                    }
                };
                self.heads.push(Reverse((key, slot)));
                slot
            }
        };
        self.open = Some((slot, key));
        self.runs.get_mut(slot)
    }

    /// Adds a record.
    fn put(&mut self, key: Key, names: Names, kind: EventKind) {
        if let Some(run) = self.run_for(key) {
            run.records.push_back((key, names, Pending::Kind(kind)));
        }
    }

    /// Adds a command (`command`) or reply line.
    fn put_line(
        &mut self,
        key: Key,
        names: Names,
        (command, conn, sent_at): (bool, u64, SimTime),
        octets: &[u8],
    ) {
        if let Some(run) = self.run_for(key) {
            let start = run.octets.len();
            run.octets.extend_from_slice(octets);
            let line = Pending::Line {
                command,
                conn,
                sent_at,
                start,
                len: octets.len(),
            };
            run.records.push_back((key, names, line));
        }
    }

    /// Moves every record with a key below `limit` into `trace`, in key
    /// order.
    fn flush(&mut self, limit: Key, trace: &mut Store) {
        while let Some(&Reverse((head, slot))) = self.heads.peek() {
            if head >= limit {
                break;
            }
            self.heads.pop();
            // The next run's head bounds how far this run can go.
            let bound = match self.heads.peek() {
                Some(&Reverse((next, _))) => next.min(limit),
                None => limit,
            };
            let Some(run) = self.runs.get_mut(slot) else {
                continue;
            };
            while run.records.front().is_some_and(|(key, ..)| *key < bound) {
                let Some(((at, _), names, pending)) = run.records.pop_front() else {
                    break;
                };
                match pending {
                    Pending::Line {
                        command,
                        conn,
                        sent_at,
                        start,
                        len,
                    } => {
                        let octets = run
                            .octets
                            .get(start..start.saturating_add(len))
                            .unwrap_or_default();
                        trace.push_line(at, &names, command, conn, octets, sent_at);
                    }
                    Pending::Kind(kind) => {
                        trace.push(at, names, Vec::new(), kind, None);
                    }
                }
            }
            match run.records.front() {
                Some(&(key, ..)) => self.heads.push(Reverse((key, slot))),
                None => {
                    run.octets.clear();
                    if self.open.is_some_and(|(open, _)| open == slot) {
                        self.open = None;
                    }
                    self.free.push(slot);
                }
            }
        }
    }
}

/// One thing the engine asks of the trace, in the order it asks.
#[derive(Debug)]
#[cfg(not(target_arch = "wasm32"))]
enum Op {
    /// A record ahead of its time.
    Put(Key, Names, EventKind),
    /// A line ahead of its time: (command, conn, sent at) and its octets
    /// (`len` bytes at `start` in the batch's octets).
    Line(Key, Names, (bool, u64, SimTime), usize, usize),
    /// A new run starts.
    StartRun,
    /// Everything ahead below the key goes into the trace.
    Flush(Key),
    /// A record at the current time, straight into the trace (with its
    /// hosts after the first two).
    Record(SimTime, Names, Vec<u32>, EventKind, Option<Box<Note>>),
}

/// Ops on their way to the trace-building thread.
#[derive(Debug, Default)]
#[cfg(not(target_arch = "wasm32"))]
struct Batch {
    ops: Vec<Op>,
    octets: Vec<u8>,
}

/// A batch is sent once it holds this many ops.
#[cfg(not(target_arch = "wasm32"))]
const BATCH_OPS: usize = 4096;

#[cfg(not(target_arch = "wasm32"))]
impl Batch {
    /// Applies every op, in order, and empties the batch for reuse.
    fn apply(&mut self, ahead: &mut Ahead, store: &mut Store) {
        for op in self.ops.drain(..) {
            match op {
                Op::Put(key, names, kind) => ahead.put(key, names, kind),
                Op::Line(key, names, line, start, len) => {
                    let octets = self
                        .octets
                        .get(start..start.saturating_add(len))
                        .unwrap_or_default();
                    ahead.put_line(key, names, line, octets);
                }
                Op::StartRun => ahead.start_run(),
                Op::Flush(limit) => ahead.flush(limit, store),
                Op::Record(at, names, more, kind, note) => {
                    store.push(at, names, more, kind, note);
                }
            }
        }
        self.octets.clear();
    }
}

/// The engine's end of the channel to the trace-building thread.
#[derive(Debug)]
#[cfg(not(target_arch = "wasm32"))]
struct Shipping {
    batch: Batch,
    to_builder: std::sync::mpsc::SyncSender<Batch>,
    /// Batches the builder is done with, for reuse.
    spare: std::sync::mpsc::Receiver<Batch>,
}

/// Where the engine's trace records go: applied at once, or shipped in
/// batches to the trace-building thread ([`Recorder::run_shipping`]).
#[derive(Debug, Default)]
pub(super) struct Recorder {
    ahead: Ahead,
    /// What has been recorded so far, against the run's budget.
    pub(super) meter: Meter,
    #[cfg(not(target_arch = "wasm32"))]
    shipping: Option<Shipping>,
}

impl Clone for Recorder {
    /// A checkpoint is taken between runs, when nothing is being shipped.
    fn clone(&self) -> Self {
        Recorder {
            ahead: self.ahead.clone(),
            meter: self.meter,
            #[cfg(not(target_arch = "wasm32"))]
            shipping: None,
        }
    }
}

impl Recorder {
    /// Adds a record ahead of its time.
    pub(super) fn put(&mut self, key: Key, names: Names, kind: EventKind) {
        self.meter.add(AHEAD_BYTES);
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(s) = &mut self.shipping {
            return s.push(Op::Put(key, names, kind));
        }
        self.ahead.put(key, names, kind);
    }

    /// Adds a line ahead of its time.
    pub(super) fn put_line(
        &mut self,
        key: Key,
        names: Names,
        line: (bool, u64, SimTime),
        octets: &[u8],
    ) {
        self.meter.add(AHEAD_BYTES.saturating_add(octets.len()));
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(s) = &mut self.shipping {
            let start = s.batch.octets.len();
            s.batch.octets.extend_from_slice(octets);
            return s.push(Op::Line(key, names, line, start, octets.len()));
        }
        self.ahead.put_line(key, names, line, octets);
    }

    /// Starts a new run of records ahead of their time.
    pub(super) fn start_run(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(s) = &mut self.shipping {
            return s.push(Op::StartRun);
        }
        self.ahead.start_run();
    }

    /// Moves every record ahead with a key below `limit` into the trace.
    pub(super) fn flush(&mut self, limit: Key, store: &mut Store) {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(s) = &mut self.shipping {
            return s.push(Op::Flush(limit));
        }
        self.ahead.flush(limit, store);
    }

    /// Appends a record at the current time.
    pub(super) fn record(
        &mut self,
        store: &mut Store,
        at: SimTime,
        (names, more): (Names, Vec<u32>),
        kind: EventKind,
        note: Option<Box<Note>>,
    ) {
        self.meter.add(RECORD_BYTES);
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(s) = &mut self.shipping {
            return s.push(Op::Record(at, names, more, kind, note));
        }
        store.push(at, names, more, kind, note);
    }

    /// Runs `engine` while a second thread builds the trace from the
    /// records it ships; returns when both are done.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn run_shipping<S>(
        state: &mut S,
        parts: impl Fn(&mut S) -> (&mut Recorder, &mut Store),
        engine: impl FnOnce(&mut S),
    ) {
        let (recorder, store) = parts(state);
        let mut ahead = core::mem::take(&mut recorder.ahead);
        let mut built = core::mem::take(store);
        let (to_builder, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (give_back, spare) = std::sync::mpsc::channel::<Batch>();
        // Set when the engine is done, normally or by a panic (then the
        // sender may still be alive in `state`, and the builder must not
        // wait for it).
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (a, b, done) = (&mut ahead, &mut built, &done);
            scope.spawn(move || loop {
                match batches.recv_timeout(Duration::from_millis(20)) {
                    Ok(mut batch) => {
                        batch.apply(a, b);
                        // The engine may be gone already: then nothing reuses it.
                        let _ = give_back.send(batch);
                    }
                    // Every batch was sent before `done`: none is left.
                    Err(RecvTimeoutError::Timeout) if done.load(Ordering::Acquire) => break,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            });
            let _done = SetOnDrop(done);
            parts(state).0.shipping = Some(Shipping {
                batch: Batch::default(),
                to_builder,
                spare,
            });
            engine(state);
            if let Some(mut s) = parts(state).0.shipping.take() {
                s.ship();
            }
            // The sender is gone with the shipping: the builder finishes.
        });
        let (recorder, store) = parts(state);
        recorder.ahead = ahead;
        *store = built;
    }
}

/// Sets its flag when dropped, on a panic too.
#[cfg(not(target_arch = "wasm32"))]
struct SetOnDrop<'a>(&'a AtomicBool);

#[cfg(not(target_arch = "wasm32"))]
impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Shipping {
    fn push(&mut self, op: Op) {
        // Flushes with nothing in between: the last one does it all (the
        // limits only grow).
        if let (Op::Flush(limit), Some(Op::Flush(last))) = (&op, self.batch.ops.last_mut()) {
            *last = *limit;
            return;
        }
        self.batch.ops.push(op);
        if self.batch.ops.len() >= BATCH_OPS {
            self.ship();
        }
    }

    /// Sends the batch to the builder and takes an empty one.
    fn ship(&mut self) {
        if self.batch.ops.is_empty() {
            return;
        }
        let next = self.spare.try_recv().unwrap_or_default();
        let full = core::mem::replace(&mut self.batch, next);
        // A builder that is gone has panicked; the scope reports it.
        let _ = self.to_builder.send(full);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Trace;

    #[test]
    fn a_run_that_panics_does_not_leave_the_builder_waiting() {
        struct State {
            recorder: Recorder,
            store: Store,
        }
        let mut state = State {
            recorder: Recorder::default(),
            store: Store::default(),
        };
        // The sender is still alive in `state` while the panic unwinds: the
        // builder must stop anyway, or this test would never end.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Recorder::run_shipping(
                &mut state,
                |s| (&mut s.recorder, &mut s.store),
                |s| {
                    s.recorder
                        .put((SimTime::ZERO, 1), Names::default(), close(1));
                    s.recorder.flush((SimTime::MAX, 0), &mut Store::default());
                    std::panic::resume_unwind(Box::new("a bug in the engine"));
                },
            );
        }));
        assert!(run.is_err());
    }

    fn close(conn: u64) -> EventKind {
        EventKind::Close { conn }
    }

    fn conns(trace: &Trace) -> Vec<u64> {
        trace
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Close { conn } => Some(conn),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn runs_come_out_in_key_order_and_only_below_the_limit() {
        let mut ahead = Ahead::default();
        let t = SimTime::from_millis;
        // Two interleaved runs (the conn number records the key's rank),
        // then a record earlier than the open run's last: a run of its own.
        ahead.start_run();
        for (at, seq, rank) in [(10, 1, 2), (30, 2, 5), (50, 3, 7)] {
            ahead.put((t(at), seq), Names::default(), close(rank));
        }
        ahead.start_run();
        for (at, seq, rank) in [(10, 4, 3), (20, 5, 4), (40, 6, 6)] {
            ahead.put((t(at), seq), Names::default(), close(rank));
        }
        ahead.put((t(5), 7), Names::default(), close(1));
        let mut trace = Trace::new();
        ahead.flush((t(30), 2), trace.store_mut());
        assert_eq!(conns(&trace), [1, 2, 3, 4]);
        ahead.flush((t(40), u64::MAX), trace.store_mut());
        assert_eq!(conns(&trace), [1, 2, 3, 4, 5, 6]);
        ahead.flush((SimTime::MAX, u64::MAX), trace.store_mut());
        assert_eq!(conns(&trace), [1, 2, 3, 4, 5, 6, 7]);
        assert!(ahead.heads.is_empty());
        // Every run's room is free again, and reused.
        assert_eq!(ahead.free.len(), ahead.runs.len());
        ahead.start_run();
        ahead.put((t(60), 8), Names::default(), close(8));
        assert_eq!(ahead.runs.len(), 3);
    }
}
