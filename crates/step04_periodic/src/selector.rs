//! The selector: `select(2)` over the sockets that tasks wait on, as
//! Python's `selectors` module does it for asyncio; and the wake pipe,
//! through which another thread rouses a loop that waits in it. It knows
//! nothing of the loop: it is given fds and wakers, and hands back the
//! ready ones.

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::task::Waker;
use std::time::Duration;
use std::{mem, ptr};

/// How many I/O calls a task may make in one poll: tokio allows 128.
pub(crate) const BUDGET: u32 = 32;

/// What a task waits for a socket to be ready for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Interest {
    /// Readable: there are bytes to read, a connection to accept, or EOF.
    Read,
    /// Writable: there is room to write, or a connect has finished.
    Write,
}

// ANCHOR: Registration
/// A task waiting for an fd: asyncio's `add_reader` / `add_writer`.
pub(crate) struct Registration {
    pub number: u64,
    pub fd: RawFd,
    pub interest: Interest,
    /// The task that registered, and the call it waits to make (`read`,
    /// `accept`...), for the trace: fd numbers vary by run.
    pub task: u32,
    pub what: &'static str,
    pub waker: Waker,
}
// ANCHOR_END: Registration

// ANCHOR: Remote
/// How other threads reach the loop: asyncio's `call_soon_threadsafe`,
/// and its self-pipe. Another thread queues a `T` here for the loop (a
/// task to step), and writes a byte to the pipe, which `select` watches,
/// so that a wait in progress returns.
pub(crate) struct Remote<T> {
    /// Simplification: a lock, where tokio's other threads push onto a
    /// lock-free queue; wakes from other threads are rare here.
    queue: Mutex<Vec<T>>,
    /// The pipe: a connected pair of sockets, as asyncio uses.
    reader: UnixStream,
    writer: UnixStream,
}

impl<T> Default for Remote<T> {
    fn default() -> Self {
        // Neither end may block: a full pipe already holds a wakeup, and
        // the loop reads it dry each time. Made non-blocking as it is made
        // (std's `set_nonblocking` is an ioctl, which miri cannot run).
        let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        let mut fds = [0; 2];
        // SAFETY: socketpair writes two new fds into `fds`, or returns -1.
        let made = unsafe {
            libc::socketpair(libc::AF_UNIX, kind, 0, fds.as_mut_ptr())
        };
        assert_eq!(made, 0, "a wake pipe: {}", io::Error::last_os_error());
        // SAFETY: the two fds were just opened, and nothing else owns them.
        let [reader, writer] =
            fds.map(|fd| unsafe { UnixStream::from_raw_fd(fd) });
        check_fd(reader.as_raw_fd()).expect("a wake pipe select can watch");
        Remote { queue: Mutex::default(), reader, writer }
    }
}

impl<T> Remote<T> {
    /// The fd that `select` watches, to be roused by other threads.
    pub fn fd(&self) -> RawFd {
        self.reader.as_raw_fd()
    }

    /// Queues `item` for the loop, from any thread, and rouses the loop.
    pub fn wake(&self, item: T) {
        self.queue.lock().unwrap().push(item);
        // A full pipe already holds a wakeup, and a closed one has no loop
        // left to wake: neither error matters.
        let _ = (&self.writer).write(&[1]);
    }

    /// What was queued since the last call. If `select` found bytes in
    /// the pipe (`read`), they are read and thrown away: they only said
    /// "look at the queue".
    pub fn take(&self, read: bool) -> Vec<T> {
        let mut bytes = [0; 64];
        while read && matches!((&self.reader).read(&mut bytes), Ok(1..)) {}
        mem::take(&mut *self.queue.lock().unwrap())
    }
}
// ANCHOR_END: Remote

/// What one `select` found ready.
pub(crate) struct Ready {
    /// The registrations whose fds are ready; they are no longer watched.
    pub registrations: Vec<Registration>,
    /// Whether the wake pipe was readable: another thread woke a task.
    pub pipe: bool,
}

// ANCHOR: Selector
/// The fds the loop watches: a registration for each task that waits.
#[derive(Default)]
pub(crate) struct Selector {
    registrations: RefCell<Vec<Registration>>,
    /// How many registrations have been made: the last one's number.
    registered: Cell<u64>,
    /// I/O calls the task being polled may still make before it must
    /// yield, so that sockets that are always ready cannot starve the
    /// other tasks: tokio's coop budget. The loop renews it at each poll.
    budget: Cell<u32>,
    /// The thread's timer slack before the loop set its own, to restore.
    slack: Cell<Option<libc::c_int>>,
}
// ANCHOR_END: Selector

impl Selector {
    /// The registrations waiting now, in the order they were made.
    pub fn registrations(&self) -> std::cell::Ref<'_, [Registration]> {
        std::cell::Ref::map(self.registrations.borrow(), Vec::as_slice)
    }

    /// Gives the task about to be polled its whole budget.
    pub fn renew_budget(&self) {
        self.budget.set(BUDGET);
    }

    /// Takes one I/O call from the polled task's budget: `false` if it is
    /// spent, and the task must yield before it makes another.
    pub fn spend_budget(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }

    // ANCHOR: register
    /// Wakes `waker` once `fd` is ready for `interest`; returns the
    /// registration's number, to remove it by. `task` and `what` are for
    /// the trace.
    pub fn register(
        &self,
        fd: RawFd,
        interest: Interest,
        (task, what): (u32, &'static str),
        waker: Waker,
    ) -> io::Result<u64> {
        check_fd(fd)?;
        // Numbers grow, so the list stays sorted by number, for `deregister` to
        // search.
        let number = self.registered.get() + 1;
        self.registered.set(number);
        let registration =
            Registration { number, fd, interest, task, what, waker };
        // Kept in the order made: traces name the ready ones in that order, not
        // by fd number, which varies by run.
        self.registrations.borrow_mut().push(registration);
        Ok(number)
    }

    /// Stops watching for registration `number`; `None` if it was gone.
    pub fn deregister(&self, number: u64) -> Option<Registration> {
        let mut registrations = self.registrations.borrow_mut();
        // Kept in the order they were made, so in order of number.
        // Gone already if it fired: then there is nothing to remove.
        let index =
            registrations.binary_search_by_key(&number, |r| r.number).ok()?;
        Some(registrations.remove(index))
    }
    // ANCHOR_END: register

    // ANCHOR: select
    // Exercise 3.1 `select`: Wait in select(2) until a registered fd or the
    // wake pipe is ready, or `timeout` passes (never, if `None`): build the
    // read and write fd sets, call select (again if a signal cut it short), and
    // take out the registrations whose fds are ready, in the order they were
    // made, and say whether the pipe was.
    // Hint: asyncio's `selectors.SelectSelector.select` does this in Python.
    // `libc::FD_SET` and `libc::FD_ISSET` on a `[libc::fd_set; 2]` (`interest
    // as usize` picks one), each `unsafe` block with a `// SAFETY:` comment.
    // Ask nothing of the kernel when the timeout is zero and nothing is
    // registered.
    // Tests: trace::accept_and_echo_one_client,
    // trace::read_would_block_then_wakes,
    // trace::cross_thread_wake_interrupts_select
    // Read: 03-select.md#the-selector
    /// Waits until a watched fd or the wake pipe's fd `pipe` is ready, or
    /// `timeout` passes (never, if `None`), and takes the ready
    /// registrations. `timeout` is in whole microseconds, the unit of
    /// select(2): the caller rounds it.
    pub fn select(&self, timeout: Option<Duration>, pipe: RawFd) -> Ready {
        let registrations = self.registrations.borrow();
        // Nothing to watch and no time to wait: nothing to ask the kernel.
        // A wake from another thread is queued in `Remote`, which the loop
        // reads after every wait, and its byte waits in the pipe.
        if timeout == Some(Duration::ZERO) && registrations.is_empty() {
            return Ready { registrations: Vec::new(), pipe: false };
        }
        // SAFETY: an fd_set is plain bits, and all zeros is the empty set.
        let mut sets: [libc::fd_set; 2] = unsafe { mem::zeroed() };
        let mut nfds = 0;
        let fds = registrations.iter().map(|r| (r.fd, r.interest));
        for (fd, interest) in fds.chain([(pipe, Interest::Read)]) {
            // SAFETY: check_fd let in only fds in 0..FD_SETSIZE, so FD_SET
            // writes inside the set; `Remote` checked the pipe's the same.
            unsafe { libc::FD_SET(fd, &mut sets[interest as usize]) };
            nfds = nfds.max(fd + 1);
        }
        drop(registrations);
        // The wait as select(2) takes it; no timeval at all means for ever.
        let mut tv = timeout.map(|t| libc::timeval {
            tv_sec: t.as_secs() as libc::time_t,
            tv_usec: t.subsec_micros() as libc::suseconds_t,
        });
        let tv = tv.as_mut().map_or(ptr::null_mut(), |tv| tv as *mut _);
        if timeout.is_some_and(|t| !t.is_zero()) {
            self.ask_for_no_slack();
        }
        let [read, write] = &mut sets;
        // No exceptional conditions are watched: the third set is null.
        let none = ptr::null_mut();
        // SAFETY: the sets and the timeval outlive the call, and nfds is one
        // more than the highest fd in them.
        while unsafe { libc::select(nfds, read, write, none, tv) } < 0 {
            // A signal cut the wait short, and Linux left what remains of
            // the timeout in `tv`: wait again. Anything else is a bug, as
            // no safe call can close an fd while a task waits on it.
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EINTR) {
                panic!("select(2) failed: {error}");
            }
        }
        // SAFETY: the sets are the ones select(2) filled in, and every fd
        // tested is one put in them above, so below FD_SETSIZE.
        let ready = |fd, interest: Interest| unsafe {
            libc::FD_ISSET(fd, &sets[interest as usize])
        };
        // Taken in the order they were made, so that traces do not depend
        // on fd numbers; once taken, they are no longer watched.
        let mut registrations = self.registrations.borrow_mut();
        // Taken out, not only marked: a ready registration has done its one
        // job.
        let taken = registrations.extract_if(.., |r| ready(r.fd, r.interest));
        let registrations = taken.collect();
        Ready { registrations, pipe: ready(pipe, Interest::Read) }
    }
    // ANCHOR_END: select

    /// Linux lets a timed wait end up to 50µs late (the thread's timer
    /// slack), to batch wake-ups. Before its first timed wait, the loop
    /// asks for its deadlines instead, and gives the old slack back when
    /// it is dropped.
    fn ask_for_no_slack(&self) {
        if self.slack.get().is_some() {
            return;
        }
        // SAFETY: prctl only reads this thread's timer slack.
        let slack = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) };
        // SAFETY: prctl only sets this thread's timer slack, to 1ns.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1) };
        self.slack.set(Some(slack));
    }
}

// ANCHOR: check_fd
/// Refuses an fd that `select` cannot watch. An `fd_set` has room for
/// `FD_SETSIZE` fds (1024); `FD_SET` on a bigger one would write past its
/// end.
///
/// Simplification: real runtimes use `poll` or `epoll` (mio, polling),
/// which have no such limit and do not rebuild their sets at every wait.
pub(crate) fn check_fd(fd: RawFd) -> io::Result<()> {
    if (0..libc::FD_SETSIZE as RawFd).contains(&fd) {
        return Ok(());
    }
    let limit = libc::FD_SETSIZE;
    let message = format!(
        "fd {fd} is not below FD_SETSIZE ({limit}): select(2) cannot watch it"
    );
    Err(io::Error::new(io::ErrorKind::InvalidInput, message))
}
// ANCHOR_END: check_fd

impl Drop for Selector {
    fn drop(&mut self) {
        if let Some(slack) = self.slack.get() {
            // SAFETY: prctl only sets this thread's timer slack.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, slack) };
        }
    }
}
