//! Stage 2 of tiny-asyncio: timers, `sleep` and a clock.
//!
//! Stage 1's loop, plus time: timers that run a callback at a deadline
//! ([`call_later`], [`call_at`], [`TimerHandle`]), [`sleep`], and a loop
//! that, with nothing ready, waits exactly until the next timer is due:
//! on a real clock by sleeping, on a virtual one
//! ([`Runtime::virtual_time`]) by jumping ahead. Stage 3 adds sockets.

mod event_loop;
mod sleep;
mod task;
mod timer;
mod trace;

pub use event_loop::{Live, Runtime, live, run};
pub use sleep::{TimerHandle, call_at, call_later, now, sleep};
pub use task::{JoinHandle, spawn, spawn_named, yield_now};
