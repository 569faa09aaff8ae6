//! Time, as a program sees it: callbacks at a deadline ([`call_later`],
//! [`call_at`], [`TimerHandle`]), the clock ([`now`]), and [`sleep`], a
//! leaf future that a timer completes. Each finds the running loop and
//! asks it, as asyncio's `call_later` and `time` are the loop's methods.

use std::task::{Context, Poll};
use std::{pin::Pin, time::Duration};

use crate::event_loop::EventLoop;
use crate::task::yield_now;
use crate::timer::{Timer, TimerKey};

// ANCHOR: TimerHandle
/// A callback set to run at a deadline, which can still be cancelled:
/// asyncio's `TimerHandle`.
pub struct TimerHandle {
    key: TimerKey,
    deadline: Duration,
}

impl TimerHandle {
    /// When the callback is due, on the loop's clock.
    pub fn when(&self) -> Duration {
        self.deadline
    }

    /// Cancels the callback, so that it never runs, even if it is due and
    /// waits its turn on the ready queue; does nothing if it has run.
    pub fn cancel(&self) {
        EventLoop::with(|event_loop| event_loop.cancel(self.key));
    }
}
// ANCHOR_END: TimerHandle

// ANCHOR: call_later
/// Runs `callback` at `deadline` on the loop's clock: asyncio's `call_at`.
pub fn call_at(
    deadline: Duration,
    callback: impl FnOnce() + 'static,
) -> TimerHandle {
    let timer = Timer::Call(Box::new(callback));
    let key = EventLoop::with(|event_loop| event_loop.call_at(deadline, timer));
    let key = key.expect("call_at() called outside run()");
    TimerHandle { key, deadline }
}

/// Runs `callback` once `delay` has passed: asyncio's `call_later`.
pub fn call_later(
    delay: Duration,
    callback: impl FnOnce() + 'static,
) -> TimerHandle {
    let now = EventLoop::with(EventLoop::time);
    call_at(now.expect("call_later() called outside run()") + delay, callback)
}

/// The time on the running loop's clock: asyncio's `loop.time()`.
pub fn now() -> Duration {
    EventLoop::with(EventLoop::time).expect("now() called outside run()")
}
// ANCHOR_END: call_later

// ANCHOR: sleep
/// Waits until `delay` has passed: asyncio's `sleep`. As there,
/// `sleep(Duration::ZERO)` sets no timer and only lets the other ready
/// tasks go first, like [`yield_now`].
pub async fn sleep(delay: Duration) {
    if delay.is_zero() {
        return yield_now().await;
    }
    Sleep { delay, timer: None }.await
}

/// The future behind `sleep`: its first poll sets a timer that wakes the
/// task, and it is done once that timer has fired.
struct Sleep {
    delay: Duration,
    /// The timer, from the first poll until it fires.
    timer: Option<TimerKey>,
}

impl Future for Sleep {
    type Output = ();

    // Exercise 2.3 `sleep`: The leaf future: on its first poll, set a
    // `Timer::Wake` with a clone of the task's waker, due `delay` from now,
    // keep its key, and return Pending. Polled again, ask the loop whether its
    // timer has fired (`poll_timer`, which also gives the timer the new waker);
    // once it has, forget the key and return Ready.
    // Hint: asyncio's `sleep` makes a future and calls `loop.call_later(delay,
    // futures._set_result_unless_cancelled, future, result)`; here the timer
    // wakes the task instead of setting a result.
    // Tests: trace::sleeps_finish_in_deadline_order,
    // timer::a_sleep_polled_again_wakes_its_new_task,
    // broken::a_sleep_that_keeps_its_first_waker_wakes_the_wrong_task
    // Read: 02-sleep.md#sleep-a-leaf-future
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        let polled = EventLoop::with(|event_loop| {
            // Polled again: done if the timer has fired; else, if it was
            // polled by another task, that one is woken instead.
            if let Some(key) = self.timer {
                let polled = event_loop.poll_timer(key, cx.waker());
                if polled.is_ready() {
                    self.timer = None;
                }
                return polled;
            }
            // Counted from the first poll, as asyncio's `sleep` counts
            // from its first step.
            let deadline = event_loop.time() + self.delay;
            // The timer wakes this task; a poll from another task changes that
            // (above).
            let wake = Timer::Wake(cx.waker().clone());
            self.timer = Some(event_loop.call_at(deadline, wake));
            Poll::Pending
        });
        polled.expect("sleep() polled outside run()")
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        // Dropped before it was done: its timer must not fire for nobody.
        if let Some(key) = self.timer {
            EventLoop::with(|event_loop| event_loop.cancel(key));
        }
    }
}
// ANCHOR_END: sleep
