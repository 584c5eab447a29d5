//! Where the engine's trace records go.
//!
//! Every record is written at its time, as the event it describes
//! happens. Natively, during a long run, the records travel in batches to
//! a second thread that writes the trace while the engine goes on: the
//! trace comes out the same, in the same order, as when each record is
//! applied at once (on wasm32, and for short runs).

#[cfg(not(target_arch = "wasm32"))]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::mpsc::RecvTimeoutError;
#[cfg(not(target_arch = "wasm32"))]
use std::time::Duration;

use crate::budget::Meter;
use crate::time::SimTime;
use crate::trace::{EventKind, Names, Note, Store};

/// What an event costs in the trace, at most: its record in the store and
/// the event kept whole (besides a line's octets).
const RECORD_BYTES: usize = 56 + core::mem::size_of::<EventKind>();

/// One thing the engine asks of the trace, in the order it asks.
#[derive(Debug)]
#[cfg(not(target_arch = "wasm32"))]
enum Op {
    /// The lines of one segment at their time: (command, conn, sent at)
    /// and their octets (`len` bytes at `start` in the batch's octets),
    /// split into lines by the builder.
    Lines(SimTime, Names, (bool, u64, SimTime), usize, usize),
    /// Any other record: its place in the batch's records (kept aside,
    /// so that the many lines move as small ops).
    Record(usize),
}

/// A record other than a line, with its hosts after the first two.
#[cfg(not(target_arch = "wasm32"))]
type RecordOp = (SimTime, Names, Vec<u32>, EventKind, Option<Box<Note>>);

/// Ops on their way to the trace-building thread.
#[derive(Debug, Default)]
#[cfg(not(target_arch = "wasm32"))]
struct Batch {
    ops: Vec<Op>,
    octets: Vec<u8>,
    records: Vec<Option<RecordOp>>,
}

/// A batch is sent once it holds this many ops.
#[cfg(not(target_arch = "wasm32"))]
const BATCH_OPS: usize = 4096;

#[cfg(not(target_arch = "wasm32"))]
impl Batch {
    /// Applies every op, in order, and empties the batch for reuse.
    fn apply(&mut self, store: &mut Store) {
        for op in self.ops.drain(..) {
            match op {
                Op::Lines(at, names, line, start, len) => {
                    let octets = self
                        .octets
                        .get(start..start.saturating_add(len))
                        .unwrap_or_default();
                    push_lines(store, at, &names, line, octets);
                }
                Op::Record(i) => {
                    if let Some((at, names, more, kind, note)) =
                        self.records.get_mut(i).and_then(Option::take)
                    {
                        store.push(at, names, more, kind, note);
                    }
                }
            }
        }
        self.octets.clear();
        self.records.clear();
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
    /// What has been recorded so far, against the run's budget.
    pub(super) meter: Meter,
    #[cfg(not(target_arch = "wasm32"))]
    shipping: Option<Shipping>,
}

impl Clone for Recorder {
    /// A checkpoint is taken between runs, when nothing is being shipped.
    fn clone(&self) -> Self {
        Recorder {
            meter: self.meter,
            #[cfg(not(target_arch = "wasm32"))]
            shipping: None,
        }
    }
}

impl Recorder {
    /// Appends the command (`command`) or reply lines of one segment at
    /// `at`, each line with its CRLF: `line` is (command, conn, sent at).
    pub(super) fn record_lines(
        &mut self,
        store: &mut Store,
        at: SimTime,
        names: Names,
        line: (bool, u64, SimTime),
        octets: &[u8],
    ) {
        // Each line ends with its LF, but the last may not.
        let ends = octets.iter().filter(|&&b| b == b'\n').count();
        let lines = ends + usize::from(octets.last().is_some_and(|&b| b != b'\n'));
        let bytes = RECORD_BYTES
            .saturating_mul(lines)
            .saturating_add(octets.len());
        self.meter.add_many(lines, bytes);
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(s) = &mut self.shipping {
            let start = s.batch.octets.len();
            s.batch.octets.extend_from_slice(octets);
            return s.push(Op::Lines(at, names, line, start, octets.len()));
        }
        push_lines(store, at, &names, line, octets);
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
            let i = s.batch.records.len();
            s.batch.records.push(Some((at, names, more, kind, note)));
            return s.push(Op::Record(i));
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
        let (_, store) = parts(state);
        let mut built = core::mem::take(store);
        let (to_builder, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (give_back, spare) = std::sync::mpsc::channel::<Batch>();
        // Set when the engine is done, normally or by a panic (then the
        // sender may still be alive in `state`, and the builder must not
        // wait for it).
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (b, done) = (&mut built, &done);
            scope.spawn(move || loop {
                match batches.recv_timeout(Duration::from_millis(20)) {
                    Ok(mut batch) => {
                        batch.apply(b);
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
        let (_, store) = parts(state);
        *store = built;
    }
}

/// Puts each line of `octets` (CRLF included) into the store.
fn push_lines(
    store: &mut Store,
    at: SimTime,
    names: &Names,
    (command, conn, sent_at): (bool, u64, SimTime),
    octets: &[u8],
) {
    for line in octets.split_inclusive(|&b| b == b'\n') {
        store.push_line(at, names, command, conn, line, sent_at);
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
                    s.recorder.record(
                        &mut Store::default(),
                        SimTime::ZERO,
                        (Names::default(), Vec::new()),
                        EventKind::Close { conn: 1 },
                        None,
                    );
                    std::panic::resume_unwind(Box::new("a bug in the engine"));
                },
            );
        }));
        assert!(run.is_err());
    }
}
