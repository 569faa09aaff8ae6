//! Time, as the loop keeps it: its clock, and its timers in deadline
//! order. This file knows nothing of the loop, tasks or I/O: the loop
//! asks it what is due, and does the rest.

use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use std::{cell::Cell, cmp::Reverse, collections::BinaryHeap};

// ANCHOR: Clock
/// The loop's clock: how long the loop has been running.
pub(crate) enum Clock {
    /// Real time, since the loop began.
    Real(Instant),
    /// A time that moves only when the loop would wait, and then at once,
    /// by exactly the wait: programs that sleep run instantly, and give
    /// the same trace every time.
    Virtual(Cell<Duration>),
}

impl Clock {
    /// The time now, since the loop began: asyncio's `loop.time()`.
    pub fn now(&self) -> Duration {
        match self {
            Clock::Real(start) => start.elapsed(),
            Clock::Virtual(now) => now.get(),
        }
    }

    // Exercise 2.1 `until`: How long a wait for `deadline` must ask for, from a
    // call that counts time in `unit`s: the time left (none, if the deadline
    // has passed), rounded up to whole units on a real clock; exact on a
    // virtual clock, which jumps.
    // Hint: asyncio's `_run_once` takes `timeout = when - self.time()`, and its
    // `selectors` round it up, never down (`math.ceil(timeout * 1e3)` for
    // `poll`). `Duration::as_nanos` and `div_ceil` do it here.
    // Tests: trace::idle_wait_equals_time_to_next_deadline,
    // trace::three_short_sleeps_end_exactly,
    // timer::a_deadline_under_a_microsecond_does_not_spin
    // Read: 02-sleep.md#a-clock
    /// How long a wait for `deadline` must ask for, from a call that
    /// counts time in `unit`s. Rounded up, never down, on a real clock: a
    /// wait that ended just short of the deadline would find nothing due,
    /// and the loop would spin on zero waits until it passed. A virtual
    /// clock jumps exactly.
    pub fn until(&self, deadline: Duration, unit: Duration) -> Duration {
        // A deadline already passed leaves nothing to wait.
        let left = deadline.saturating_sub(self.now());
        if let Clock::Virtual(_) = self {
            return left;
        }
        // Up to the next whole unit: `div_ceil`, never a plain division.
        let unit = unit.as_nanos();
        Duration::from_nanos((left.as_nanos().div_ceil(unit) * unit) as u64)
    }

    /// Whether this clock is virtual: the loop never waits for a timer,
    /// it jumps to it.
    pub fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual(_))
    }

    /// Moves a virtual clock on by `wait`, a wait the loop did not make. A
    /// real clock moves by itself.
    pub fn jump(&self, wait: Duration) {
        if let Clock::Virtual(now) = self {
            now.set(now.get() + wait);
        }
    }
}
// ANCHOR_END: Clock

impl Default for Clock {
    /// A real clock, starting now.
    fn default() -> Self {
        Clock::Real(Instant::now())
    }
}

// ANCHOR: Timer
/// Where a timer is kept: its slot among the loop's timers, and its
/// number, which tells it apart from the timers that held that slot
/// before. Numbers count timers set, from 1, and wrap as a task's id
/// does; they also name timers in the trace (`#3`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey {
    pub slot: u32,
    pub number: u32,
}

/// What a timer does when it fires.
pub(crate) enum Timer {
    /// Wakes a task: what `sleep` sets, so it needs no callback.
    Wake(Waker),
    /// Runs a callback: what `call_at` and `call_later` set.
    Call(Box<dyn FnOnce()>),
}
// ANCHOR_END: Timer

// ANCHOR: Timers
/// The timers set and not yet fired, as asyncio keeps them in
/// `_scheduled`: a binary heap, the earliest deadline on top.
///
/// Each entry in the heap is a deadline, a number and a slot; what the
/// timer does waits in its slot until it fires. Timers due at the same
/// time fire in the order they were set, as the number breaks the tie
/// (asyncio's `heapq` compares the handles themselves there, which does
/// not keep that order).
///
/// Simplification: a heap costs `log n` to set and to fire a timer.
/// tokio's timer wheel does both in constant time, at a millisecond's
/// precision; async-io keeps a `BTreeMap`, which the bench found slower
/// than this heap (the bench page says by how much).
#[derive(Default)]
pub(crate) struct Timers {
    /// Deadlines in nanoseconds, as a `u64`, which compares and moves
    /// faster than a `Duration`, and lasts 584 years.
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    /// What each timer does, with its number; `None` in a free slot.
    slots: Vec<Option<(u32, Timer)>>,
    /// The free slots, for the next timers to take.
    free: Vec<u32>,
    /// How many timers have been set: the last one's number.
    set: u32,
}

impl Timers {
    /// Sets `timer` to fire at `deadline`; returns its key.
    pub fn call_at(&mut self, deadline: Duration, timer: Timer) -> TimerKey {
        // Numbers wrap after 2³² timers: only timers set at once must differ.
        self.set = self.set.wrapping_add(1);
        let number = self.set;
        // A free slot if there is one, else a new one at the end.
        let slot = self.free.pop().unwrap_or(self.slots.len() as u32);
        if slot as usize == self.slots.len() {
            self.slots.push(None);
        }
        self.slots[slot as usize] = Some((number, timer));
        // `BinaryHeap` puts the largest on top: `Reverse` makes that the
        // earliest deadline, then the lowest number.
        self.heap.push(Reverse((deadline.as_nanos() as u64, number, slot)));
        TimerKey { slot, number }
    }

    /// Takes timer `key` out, to fire it or because it was cancelled;
    /// `None` if it has fired or was cancelled already.
    pub fn take(&mut self, key: TimerKey) -> Option<Timer> {
        // The number tells this timer from a later one in the same slot.
        let slot = &mut self.slots[key.slot as usize];
        let (_, timer) = slot.take_if(|(number, _)| *number == key.number)?;
        self.free.push(key.slot);
        // A cancelled timer's entry stays in the heap, where finding it
        // would cost a search. Once such entries are over half the heap,
        // one sweep drops them all: asyncio's `_timer_cancelled_count`.
        if self.heap.len() > 2 * self.len() {
            let slots = &self.slots;
            self.heap.retain(|&Reverse((_, number, slot))| {
                matches!(slots[slot as usize], Some((n, _)) if n == number)
            });
        }
        Some(timer)
    }

    /// Ready once timer `key` has fired; until then, Pending, and the
    /// timer will wake `waker` (which may not be the waker it was set
    /// with, if another task polls the sleep that set it).
    pub fn poll(&mut self, key: TimerKey, waker: &Waker) -> Poll<()> {
        // Still in its slot with its own number: not fired yet.
        match &mut self.slots[key.slot as usize] {
            Some((number, Timer::Wake(wake))) if *number == key.number => {
                wake.clone_from(waker);
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }

    /// When the next timer is due, if one is set.
    pub fn next_deadline(&mut self) -> Option<Duration> {
        self.drop_cancelled();
        let &Reverse((deadline, _, _)) = self.heap.peek()?;
        Some(Duration::from_nanos(deadline))
    }

    // Exercise 2.2 `pop_due`: The next timer due by `now`: drop the cancelled
    // timers' entries from the top of the heap, then, if the top entry is due
    // by `now`, pop it and return its key.
    // Hint: asyncio's `_run_once`: `while self._scheduled: handle =
    // self._scheduled[0]; if handle._when >= end_time: break;
    // heapq.heappop(self._scheduled)`. The heap keeps deadlines as nanoseconds,
    // and `drop_cancelled` is written.
    // Tests: trace::sleeps_finish_in_deadline_order,
    // trace::equal_deadlines_fire_in_schedule_order, trace::timer_cancelled,
    // trace::a_cancelled_timer_among_due_ones_never_joins_the_queue
    // Read: 02-sleep.md#timers
    /// The next timer due by `now`, in order of deadline, then number.
    pub fn pop_due(&mut self, now: Duration) -> Option<TimerKey> {
        self.drop_cancelled();
        let &Reverse((deadline, number, slot)) = self.heap.peek()?;
        if deadline > now.as_nanos() as u64 {
            return None;
        }
        // Out of the heap, but its payload stays in its slot until it fires, so
        // that it can still be cancelled: asyncio's rule.
        self.heap.pop();
        Some(TimerKey { slot, number })
    }

    /// How many timers are set and have not yet fired.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Drops the entries of cancelled timers from the top of the heap, so
    /// that the top is a timer still set: asyncio does this first thing in
    /// each pass.
    fn drop_cancelled(&mut self) {
        // An entry whose slot no longer holds its number is a cancelled
        // timer's.
        while let Some(&Reverse((_, number, slot))) = self.heap.peek() {
            match &self.slots[slot as usize] {
                Some((n, _)) if *n == number => return,
                _ => drop(self.heap.pop()),
            }
        }
    }
}
// ANCHOR_END: Timers
