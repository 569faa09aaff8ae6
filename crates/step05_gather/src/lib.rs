//! Stage 5 of tiny-asyncio: gather, its error rules, and timeouts.
//!
//! Stage 4's loop, plus many futures awaited at once inside one task.
//! [`gather`] runs them together and gives their outputs in argument
//! order; [`try_gather`] stops at the first error and drops the rest;
//! [`gather!`] is [`gather`] for futures of different types; and
//! [`timeout`] drops a future that takes too long. Each child of a gather
//! has a waker of its own, so a wake polls only the child it is for.

mod event_loop;
mod gather;
mod interval;
mod net;
mod selector;
mod sleep;
mod task;
mod timer;
mod trace;

pub use event_loop::{Live, Runtime, live, run};
pub use gather::{Elapsed, gather, timeout, try_gather};
pub use interval::{
    Interval, MissedTickBehavior, Periodic, call_every, interval,
};
pub use net::{TcpListener, TcpStream};
pub use sleep::{TimerHandle, call_at, call_later, now, sleep, sleep_until};
pub use task::{Cancel, JoinHandle, spawn, spawn_named, yield_now};
