//! Stage 3 of tiny-asyncio: `select(2)`, non-blocking sockets, and wakes
//! from other threads.
//!
//! Stage 2's loop, but it waits in `select` instead of sleeping: for a
//! timer's deadline or for sockets, whichever comes first. Sockets are
//! non-blocking ([`TcpListener`], [`TcpStream`]): a call that would block
//! registers its fd and waits until `select` says it is ready. A wake
//! from another thread writes to a wake pipe, so `select` returns. Each
//! task gets a budget of I/O calls per poll, so a socket that is always
//! ready cannot starve the others.

mod event_loop;
mod net;
mod selector;
mod sleep;
mod task;
mod timer;
mod trace;

pub use event_loop::{Live, Runtime, live, run};
pub use net::{TcpListener, TcpStream};
pub use sleep::{TimerHandle, call_at, call_later, now, sleep};
pub use task::{JoinHandle, spawn, spawn_named, yield_now};
