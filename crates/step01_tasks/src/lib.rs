//! Stage 1 of tiny-asyncio: tasks and `run`.
//!
//! The smallest event loop that drives Rust futures the way asyncio drives
//! coroutines: a ready queue of handles, run one pass at a time; tasks that
//! are polled one step at a time; wakers that put a task back on the ready
//! queue; [`spawn`], [`yield_now`] and [`run`]. Nothing here can wait for
//! time or I/O yet: stage 2 adds timers, stage 3 sockets.

mod event_loop;
mod task;
mod trace;

pub use event_loop::{Runtime, run};
pub use task::{JoinHandle, spawn, spawn_named, yield_now};
