//! Time: the loop's clock, timers that run a callback at a deadline, and
//! `sleep`, a leaf future that a timer completes.

use std::cell::{Cell, RefCell};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use std::{fmt, pin::Pin, rc::Rc};

use crate::selector::{Ready, Selector};
use crate::{event_loop::EventLoop, task::yield_now};

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
    /// `None`): the one place where the loop blocks.
    pub fn wait(
        &self,
        timeout: Option<Duration>,
        selector: &Selector,
    ) -> Ready {
        match self {
            Clock::Real(_) => selector.select(timeout),
            // Virtual time moves only when no I/O at all is ready, so look
            // first; then jump ahead, or wait for I/O or another thread.
            Clock::Virtual(now) => {
                let ready = selector.select(Some(Duration::ZERO));
                match timeout {
                    _ if !ready.registrations.is_empty() || ready.pipe => ready,
                    Some(timeout) => {
                        now.set(now.get() + timeout);
                        ready
                    }
                    None => selector.select(None),
                }
            }
        }
    }
}
// ANCHOR_END: Clock

impl Default for Clock {
    fn default() -> Self {
        Clock::Real(Instant::now())
    }
}

/// Rounds a wait up to whole milliseconds, the unit that `poll` and `epoll`
/// take: rounding down could wait just short of a deadline, find nothing
/// due, and spin with zero waits until it passes.
pub(crate) fn round_up(wait: Duration) -> Duration {
    Duration::from_millis(wait.as_nanos().div_ceil(1_000_000) as u64)
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
        EventLoop::with(|event_loop| {
            let callback = event_loop.timers.borrow_mut().remove(&self.key);
            if callback.is_some() {
                event_loop.trace("cancel", format_args!("#{}", self.key.1));
            }
        });
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
        event_loop.call_at(deadline, Box::new(callback))
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
    Sleep { delay, timer: None, waiter: Rc::default() }.await
}

/// The future behind `sleep`: it sets a timer on its first poll, and the
/// timer's callback wakes whoever polled it last.
struct Sleep {
    delay: Duration,
    timer: Option<TimerHandle>,
    /// The waker to call when the timer fires, shared with its callback.
    waiter: Rc<RefCell<Option<Waker>>>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        // Polled again, perhaps by another task: wake this waker, not the
        // one from before.
        *self.waiter.borrow_mut() = Some(cx.waker().clone());
        match &self.timer {
            Some(timer) if now() >= timer.when() => Poll::Ready(()),
            Some(_) => Poll::Pending,
            None => {
                let waiter = Rc::clone(&self.waiter);
                let wake = move || waiter.take().map_or((), Waker::wake);
                self.timer = Some(call_later(self.delay, wake));
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        // Dropped before it was due: its timer must not fire for nobody.
        if let Some(timer) = &self.timer {
            timer.cancel();
        }
    }
}
// ANCHOR_END: sleep
