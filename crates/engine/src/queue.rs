//! The event queue: a binary heap ordered by (time, phase, sequence number). Events at the
//! same instant run in the order they were scheduled (FIFO), as in nexosim and simcore,
//! except that *late* events (periodic controller polls) run after every ordinary event
//! of that instant. A poll then sees the instant's settled state whether it was queued
//! long ago (polling every tick) or just now (armed on demand), which is what makes
//! skipping idle polls exact.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use model::SimTime;

/// A queue of `E` ordered by time, FIFO among equal times.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<(SimTime, u8, u64, usize)>>,
    /// Payloads by slot; a slot is reused once its event has been popped.
    payloads: Vec<Option<E>>,
    free: Vec<usize>,
    next_seq: u64,
    now: SimTime,
}

impl<E> EventQueue<E> {
    pub fn new(start: SimTime) -> EventQueue<E> {
        EventQueue {
            heap: BinaryHeap::new(),
            payloads: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            now: start,
        }
    }

    /// Schedules `event` at `at`; a time in the past is moved to now, so the clock never
    /// runs backwards.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        self.push(at, 0, event);
    }

    /// Schedules `event` at `at`, after every ordinary event of that instant.
    pub fn schedule_late(&mut self, at: SimTime, event: E) {
        self.push(at, 1, event);
    }

    fn push(&mut self, at: SimTime, phase: u8, event: E) {
        let at = at.max(self.now);
        let slot = match self.free.pop() {
            Some(s) => {
                self.payloads[s] = Some(event);
                s
            }
            None => {
                self.payloads.push(Some(event));
                self.payloads.len() - 1
            }
        };
        self.heap.push(Reverse((at, phase, self.next_seq, slot)));
        self.next_seq += 1;
    }

    /// The next event and its time, advancing the clock.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Reverse((at, _, _, slot)) = self.heap.pop()?;
        self.now = at;
        self.free.push(slot);
        self.payloads[slot].take().map(|e| (at, e))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((t, _, _, _))| *t)
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_fifo() {
        let mut q = EventQueue::new(SimTime(0));
        q.schedule(SimTime(10), "b");
        q.schedule(SimTime(5), "a");
        q.schedule(SimTime(10), "c");
        q.schedule(SimTime(10), "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    #[test]
    fn late_events_run_after_the_instant() {
        let mut q = EventQueue::new(SimTime(0));
        q.schedule_late(SimTime(10), "poll");
        q.schedule(SimTime(10), "a");
        q.schedule(SimTime(10), "b");
        q.schedule(SimTime(5), "first");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first", "a", "b", "poll"]);
    }

    #[test]
    fn past_events_run_now() {
        let mut q = EventQueue::new(SimTime(100));
        q.schedule(SimTime(200), 1);
        assert_eq!(q.pop(), Some((SimTime(200), 1)));
        q.schedule(SimTime(50), 2);
        assert_eq!(q.pop(), Some((SimTime(200), 2)));
    }
}
