//! Periodic work: `interval`, which ticks on absolute deadlines and so
//! does not drift, with tokio's three answers to a missed tick; and
//! `call_every`, the same as a callback that re-arms itself.

use std::{cell::Cell, rc::Rc, time::Duration};

use crate::event_loop::EventLoop;
use crate::sleep::{TimerHandle, call_at, now, sleep_until};
use crate::trace::Millis;

// ANCHOR: MissedTickBehavior
/// What an [`Interval`] does when a tick comes too late to keep its
/// schedule: tokio's `MissedTickBehavior`, with tokio's names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks come at once, back to back, until the
    /// schedule is kept again.
    #[default]
    Burst,
    /// Start the schedule again from now: one period after the late tick.
    Delay,
    /// Leave out the missed ticks: the next is the next deadline of the
    /// original schedule that is still ahead.
    Skip,
}
// ANCHOR_END: MissedTickBehavior

/// How late a tick may be and still count as on time, as in tokio: on a
/// real clock every tick is a little late, and `Delay` would drift by it.
const ON_TIME: Duration = Duration::from_millis(5);

// ANCHOR: Interval
/// Ticks every `period`, at `start + n * period` on the loop's clock,
/// however long the work between ticks takes.
pub struct Interval {
    next: Duration,
    period: Duration,
    missed: MissedTickBehavior,
}

/// An [`Interval`] whose first tick completes at once, as tokio's does.
/// Panics if `period` is zero, or outside [`run`](crate::run).
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval() needs a period above zero");
    Interval { next: now(), period, missed: MissedTickBehavior::Burst }
}

impl Interval {
    // Exercise 4.1 `tick`: Wait for the next tick (`sleep_until` it), then set
    // the one after: a period after this one if it came in time (by `ON_TIME`);
    // else as `self.missed` says (`Burst`: a period after this one all the
    // same; `Delay`: a period after now; `Skip`: the next deadline of the
    // original schedule after now). Trace `interval` and return when the tick
    // was due.
    // Hint: tokio's `Interval::tick` and its `MissedTickBehavior`; asyncio has
    // no interval, and a `call_later` after the work drifts by the work's time.
    // Tests: trace::an_interval_does_not_drift, trace::a_missed_tick_bursts,
    // trace::a_missed_tick_delays, trace::a_missed_tick_skips
    // Read: 04-periodic.md#interval-ticks-on-absolute-deadlines
    /// Waits for the next tick; returns the deadline it was due at.
    pub async fn tick(&mut self) -> Duration {
        let due = self.next;
        // An absolute deadline, so the time the work took is not added to the
        // period: no drift.
        sleep_until(due).await;
        let now = now();
        // Where the schedule goes on from: the tick after this one, if this
        // one came in time; else as `missed` says.
        self.next = match self.missed {
            _ if now <= due + ON_TIME => due + self.period,
            MissedTickBehavior::Burst => due + self.period,
            MissedTickBehavior::Delay => now + self.period,
            MissedTickBehavior::Skip => {
                // How far into a period `now` is: the next deadline of the
                // original schedule is the rest of that period away.
                let behind = (now - due).as_nanos() % self.period.as_nanos();
                now + self.period - Duration::from_nanos(behind as u64)
            }
        };
        EventLoop::with(|l| {
            l.trace("interval", format_args!("tick due {}", Millis(due)))
        });
        due
    }

    /// Sets what happens when a tick comes too late.
    pub fn set_missed_tick_behavior(&mut self, missed: MissedTickBehavior) {
        self.missed = missed;
    }
}
// ANCHOR_END: Interval

// ANCHOR: call_every
/// Runs `callback` every `period`, first at `now() + period`, on absolute
/// deadlines, until [`Periodic::cancel`]: asyncio's way, a callback that
/// sets its own next timer with `call_at`. Named after what it does, as
/// asyncio has no name for it.
pub fn call_every(
    period: Duration,
    callback: impl FnMut() + 'static,
) -> Periodic {
    let periodic = Periodic(Rc::default());
    arm(now() + period, period, callback, Rc::clone(&periodic.0));
    periodic
}

// Exercise 4.2 `arm`: Set the timer for the tick at `at`, keeping its handle in
// `timer`. When it fires, it runs `callback` and then, unless the callback
// cancelled the series (which takes the handle out of `timer`), arms the next
// tick, a period later, with the same callback.
// Hint: asyncio's way: a callback that calls `loop.call_at` for its own next
// run. `call_at` here is the same, and the `Rc<Cell<..>>` lets the callback
// find its series.
// Tests: trace::a_periodic_callback_keeps_its_schedule_until_cancelled,
// cancel::a_periodic_callback_can_cancel_its_own_series
// Read: 04-periodic.md#call_every-asyncios-way
/// Sets the timer for the tick at `at`, which runs `callback` and sets
/// the next one, and keeps it in `timer`, for `cancel` to find. The
/// callback moves from each timer into the next: nothing else holds it.
fn arm(
    at: Duration,
    period: Duration,
    mut callback: impl FnMut() + 'static,
    timer: Rc<Cell<Option<TimerHandle>>>,
) {
    // The callback finds its own series through this `Rc`, to set the next tick
    // or see it was cancelled.
    let next = Rc::clone(&timer);
    timer.set(Some(call_at(at, move || {
        callback();
        // Unless the callback cancelled the series, which took this timer.
        if next.take().is_some() {
            arm(at + period, period, callback, next);
        }
    })));
}

/// A periodic callback, to cancel by: its timer for the next tick.
pub struct Periodic(Rc<Cell<Option<TimerHandle>>>);

impl Periodic {
    /// Cancels the next tick, and so all of them.
    pub fn cancel(&self) {
        if let Some(timer) = self.0.take() {
            timer.cancel();
        }
    }
}
// ANCHOR_END: call_every
