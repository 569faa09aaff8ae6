//! Stage 4 of tiny-asyncio: periodic tasks, cancellation, and a clean
//! shutdown.
//!
//! Stage 3's loop, plus work that repeats and work that stops. An
//! [`interval`] ticks on absolute deadlines, so it does not drift, and
//! says what to do with a missed tick ([`MissedTickBehavior`]);
//! [`call_every`] is the same as a self-arming callback, asyncio's way.
//! [`JoinHandle::cancel`] drops a task's future where it waits, on the
//! loop's next pass, and `run` cancels every task still pending when
//! main ends, in spawn order, while the loop can still serve their
//! destructors.

mod event_loop;
mod interval;
mod net;
mod selector;
mod sleep;
mod task;
mod timer;
mod trace;

pub use event_loop::{Live, Runtime, live, run};
pub use interval::{
    Interval, MissedTickBehavior, Periodic, call_every, interval,
};
pub use net::{TcpListener, TcpStream};
pub use sleep::{TimerHandle, call_at, call_later, now, sleep, sleep_until};
pub use task::{Cancel, JoinHandle, spawn, spawn_named, yield_now};
