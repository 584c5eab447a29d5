//! The discrete-event queue: the clock jumps straight to the next event.
//!
//! Events are ordered by `(time, sequence number)`: two events at the same
//! instant come out in the order they were scheduled, so a run is a pure
//! function of its inputs.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// One scheduled event.
#[derive(Debug, Clone)]
struct Scheduled<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Scheduled<E> {}
impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Scheduled<E> {
    /// Reversed, so that the max-heap hands out the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A queue of future events on the virtual clock.
///
/// `push` schedules, `pop` hands out the earliest event and moves
/// [`EventQueue::now`] to its time. The clock never goes backwards: an event
/// scheduled in the past is delivered at the current time.
///
/// Events due within [`NEAR`] of the clock when they are scheduled (the
/// lines of a session, a link's delay away) wait in a heap of their own,
/// apart from those due later (retries, timeouts, fault windows): the many
/// short waits cost a small heap's operations. `pop` takes the earlier
/// head of the two, so the order is exactly `(time, sequence number)`
/// whichever heap an event waited in.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    near: BinaryHeap<Scheduled<E>>,
    far: BinaryHeap<Scheduled<E>>,
    next_seq: u64,
    now: SimTime,
}

/// How soon an event must be due to wait in the near heap: 10 s.
const NEAR: u64 = 10_000_000;

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            near: BinaryHeap::new(),
            far: BinaryHeap::new(),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The current time: that of the last event handed out.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at` (or now, if `at` is in the past) and returns
    /// its sequence number.
    pub fn push(&mut self, at: SimTime, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let at = at.max(self.now);
        let heap = if at.as_micros().saturating_sub(self.now.as_micros()) <= NEAR {
            &mut self.near
        } else {
            &mut self.far
        };
        heap.push(Scheduled { at, seq, event });
        seq
    }

    /// The heap holding the earliest pending event.
    fn first(&mut self) -> &mut BinaryHeap<Scheduled<E>> {
        match (self.near.peek(), self.far.peek()) {
            (Some(n), Some(f)) if (f.at, f.seq) < (n.at, n.seq) => &mut self.far,
            (None, Some(_)) => &mut self.far,
            _ => &mut self.near,
        }
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.peek_key().map(|(at, _)| at)
    }

    /// The time and sequence number of the earliest pending event.
    pub(crate) fn peek_key(&self) -> Option<(SimTime, u64)> {
        let key = |s: &Scheduled<E>| (s.at, s.seq);
        match (self.near.peek().map(key), self.far.peek().map(key)) {
            (Some(n), Some(f)) => Some(n.min(f)),
            (n, f) => n.or(f),
        }
    }

    /// Hands out the earliest event and moves the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let s = self.first().pop()?;
        self.now = s.at;
        Some((s.at, s.event))
    }

    /// Hands out the earliest event if it is due at or before `limit`;
    /// otherwise moves the clock to `limit` and returns `None`.
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        match self.peek_time() {
            Some(at) if at <= limit => self.pop(),
            _ => {
                self.now = self.now.max(limit);
                None
            }
        }
    }

    /// Moves the clock to `t` (never back), for an event handed out from
    /// outside the queue.
    pub(crate) fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
    }

    /// Number of pending events (natively, a long run decides by it
    /// whether to build its trace on a second thread).
    #[cfg(any(test, not(target_arch = "wasm32")))]
    pub fn len(&self) -> usize {
        self.near.len() + self.far.len()
    }

    /// Whether no event is pending.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.near.is_empty() && self.far.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_fifo_at_equal_times() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_secs(5), "late");
        q.push(SimTime::from_secs(1), "first");
        q.push(SimTime::from_secs(1), "second");
        assert_eq!(q.pop(), Some((SimTime::from_secs(1), "first")));
        assert_eq!(q.pop(), Some((SimTime::from_secs(1), "second")));
        assert_eq!(q.now(), SimTime::from_secs(1));
        assert_eq!(q.pop(), Some((SimTime::from_secs(5), "late")));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn clock_jumps_and_never_goes_back() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_secs(300), 1);
        assert_eq!(q.pop_until(SimTime::from_secs(10)), None);
        assert_eq!(q.now(), SimTime::from_secs(10));
        q.pop();
        assert_eq!(q.now(), SimTime::from_secs(300));
        q.push(SimTime::from_secs(1), 2);
        assert_eq!(q.pop(), Some((SimTime::from_secs(300), 2)));
    }

    #[test]
    fn near_and_far_events_come_out_in_one_order() {
        let mut q = EventQueue::new();
        // Far (over 10 s ahead) and near events, with ties across the two.
        q.push(SimTime::from_secs(20), 1);
        q.push(SimTime::from_secs(5), 2);
        q.pop();
        assert_eq!(q.now(), SimTime::from_secs(5));
        q.push(SimTime::from_secs(20), 3); // near now: ties with 1, after it
        q.push(SimTime::from_secs(30), 4);
        q.push(SimTime::from_secs(6), 5);
        let order: Vec<i32> = core::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, [5, 1, 3, 4]);
        assert!(q.is_empty());
    }

    #[test]
    fn clone_is_a_checkpoint() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_secs(1), 'a');
        q.push(SimTime::from_secs(2), 'b');
        let mut copy = q.clone();
        assert_eq!(q.pop(), copy.pop());
        assert_eq!(q.pop(), copy.pop());
    }
}
