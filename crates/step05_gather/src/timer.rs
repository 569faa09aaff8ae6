//! Time: the loop's clock, timers that run a callback or wake a task at
//! a deadline, and `sleep`, a leaf future that a timer completes.

use std::cell::Cell;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use std::{fmt, pin::Pin};

use crate::event_loop::{EventLoop, Timer};
use crate::selector::{Ready, Selector};
use crate::task::yield_now;

// ANCHOR: Clock
/// The loop's clock: how long the loop has been running.
pub(crate) enum Clock {
    /// Real time, since the loop began.
    Real(Instant),
    /// A time that moves only when the loop waits, and then at once.
    Virtual(Cell<Duration>),
}

impl Clock {
    /// The time now, since the loop began.
    pub fn now(&self) -> Duration {
        match self {
            Clock::Real(start) => start.elapsed(),
            Clock::Virtual(now) => now.get(),
        }
    }

    /// Waits in `select` for I/O, for at most `timeout` (for ever if
    /// `None`), exactly the time to the next deadline: the one place where
    /// the loop blocks.
    pub fn wait(
        &self,
        timeout: Option<Duration>,
        selector: &Selector,
    ) -> Ready {
        let Clock::Virtual(now) = self else {
            return selector.select(timeout);
        };
        // Virtual time moves only when no I/O at all is ready, so look
        // first; then jump ahead, or wait for I/O or another thread.
        let ready = selector.select(Some(Duration::ZERO));
        match timeout {
            _ if !ready.registrations.is_empty() || ready.pipe => ready,
            // A virtual clock jumps to the deadline itself.
            Some(timeout) => {
                now.set(now.get() + timeout);
                ready
            }
            None => selector.select(None),
        }
    }
}
// ANCHOR_END: Clock

impl Default for Clock {
    fn default() -> Self {
        Clock::Real(Instant::now())
    }
}

/// A time as the trace shows it, in milliseconds. Formatted only if the
/// trace is written, so an untraced loop never pays for it.
pub(crate) struct Millis(pub Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.pad(&format!("{:.1}ms", self.0.as_secs_f64() * 1e3))
    }
}

// ANCHOR: TimerHandle
/// A callback set to run at a deadline, which can still be cancelled:
/// asyncio's `TimerHandle`.
pub struct TimerHandle {
    /// The timer's key in the loop: its deadline, then its number.
    key: (Duration, u64),
}

impl TimerHandle {
    /// When the callback is due, on the loop's clock.
    pub fn when(&self) -> Duration {
        self.key.0
    }

    /// Cancels the callback, so that it never runs; does nothing if it
    /// already has. The timer leaves the loop at once: cancelled timers do
    /// not pile up.
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
    let key = EventLoop::with(|event_loop| {
        event_loop.call_at(deadline, Timer::Call(Box::new(callback)))
    });
    TimerHandle { key: key.expect("call_at() called outside run()") }
}

/// Runs `callback` once `delay` has passed: asyncio's `call_later`.
pub fn call_later(
    delay: Duration,
    callback: impl FnOnce() + 'static,
) -> TimerHandle {
    let deadline = EventLoop::with(|event_loop| event_loop.clock.now() + delay);
    call_at(deadline.expect("call_later() called outside run()"), callback)
}

/// The time on the running loop's clock: asyncio's `loop.time()`.
pub fn now() -> Duration {
    EventLoop::with(|event_loop| event_loop.clock.now())
        .expect("now() called outside run()")
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
    sleep_until(now() + delay).await
}

/// Waits until `deadline` on the loop's clock: asyncio's
/// `asyncio.sleep(deadline - loop.time())`. A deadline already passed
/// sets no timer and returns at once.
pub fn sleep_until(deadline: Duration) -> impl Future<Output = ()> {
    Sleep { deadline, timer: None }
}

/// The future behind `sleep`: its first poll sets a timer that wakes the
/// task, and it is done once the loop has taken that timer off the map.
struct Sleep {
    deadline: Duration,
    /// The timer's key while it is set; `None` before, and once done.
    timer: Option<(Duration, u64)>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        let polled = EventLoop::with(|event_loop| match self.timer {
            None if self.deadline <= event_loop.clock.now() => Poll::Ready(()),
            None => {
                let wake = Timer::Wake(cx.waker().clone());
                self.timer = Some(event_loop.call_at(self.deadline, wake));
                Poll::Pending
            }
            // Taken off the map: it has fired, or fires later this pass.
            Some((at, _)) if at <= event_loop.fired_until.get() => {
                self.timer = None;
                Poll::Ready(())
            }
            // Polled early, perhaps by another task: wake that one.
            Some(key) => {
                let mut timers = event_loop.timers.borrow_mut();
                if let Some(Timer::Wake(waker)) = timers.get_mut(&key) {
                    waker.clone_from(cx.waker());
                }
                Poll::Pending
            }
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
