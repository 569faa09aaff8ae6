//! The selector: `select(2)` over the sockets that tasks wait on, and the
//! wake pipe through which another thread can rouse a waiting loop.

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::Duration;
use std::{fmt, mem, ptr};

use crate::timer::Millis;

/// What a task waits for a socket to be ready for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Interest {
    Read,
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
    pub task: u64,
    pub what: &'static str,
    pub waker: Waker,
}
// ANCHOR_END: Registration

// ANCHOR: Remote
/// How other threads reach the loop: asyncio's `call_soon_threadsafe`.
/// A wake from another thread is queued here, and a byte written to the
/// wake pipe makes a `select` in progress return.
pub(crate) struct Remote {
    /// Steps to schedule, as (slot, task id).
    queue: Mutex<Vec<(usize, u64)>>,
    pipe: UnixStream,
}

impl Remote {
    /// The steps queued since the last call, for the loop to schedule.
    pub fn take(&self) -> Vec<(usize, u64)> {
        mem::take(&mut *self.queue.lock().unwrap())
    }

    /// Schedules a task's step from any thread.
    pub fn wake(&self, slot: usize, id: u64) {
        self.queue.lock().unwrap().push((slot, id));
        // A full pipe already holds a wakeup, and a closed one has no loop
        // left to wake: neither error matters.
        let _ = (&self.pipe).write(&[1]);
    }
}
// ANCHOR_END: Remote

/// How long a `select` may wait, as the trace shows it: formatted only if
/// the trace is written.
pub(crate) struct Wait(pub Option<Duration>);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            Some(timeout) => write!(f, "{}", Millis(timeout)),
            None => f.write_str("forever"),
        }
    }
}

/// The fds a `select` watches, as the trace names them: which task waits
/// to make which call, for up to three; past three, for the first two,
/// and how many more. The wake pipe is always watched too, unnamed.
pub(crate) struct Watched<'a>(pub &'a Selector);

impl fmt::Display for Watched<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let registrations = self.0.registrations.borrow();
        let n = registrations.len();
        let shown = if n > 3 { 2 } else { n };
        for (i, r) in registrations.iter().take(shown).enumerate() {
            let on = if i == 0 { " on" } else { "," };
            write!(f, "{on} t{} {}", r.task, r.what)?;
        }
        match n - shown {
            0 => Ok(()),
            more => write!(f, ", {more} more"),
        }
    }
}

/// What one `select` found ready.
#[derive(Default)]
pub(crate) struct Ready {
    /// The registrations whose fds are ready; they are no longer watched.
    pub registrations: Vec<Registration>,
    /// Whether the wake pipe had a byte: another thread woke a task.
    pub pipe: bool,
}

// ANCHOR: Selector
/// The sockets the loop watches, and its end of the wake pipe.
pub(crate) struct Selector {
    registrations: RefCell<Vec<Registration>>,
    registered: Cell<u64>,
    pipe: UnixStream,
    /// The other end, for wakers to take to other threads.
    pub remote: Arc<Remote>,
    /// The thread's timer slack before the loop set its own, to restore.
    slack: Cell<Option<libc::c_int>>,
}
// ANCHOR_END: Selector

impl Default for Selector {
    /// A selector, with the `Remote` that wakes it from other threads.
    fn default() -> Self {
        // A socket pair, as asyncio uses, both ends non-blocking.
        let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        let (mut fds, unix) = ([0; 2], libc::AF_UNIX);
        // SAFETY: socketpair writes two new fds into `fds`, or returns -1.
        if unsafe { libc::socketpair(unix, kind, 0, fds.as_mut_ptr()) } < 0 {
            panic!("no wake pipe: {}", io::Error::last_os_error());
        }
        // SAFETY: the two fds were just opened, and nothing else owns them.
        let [reader, writer] =
            fds.map(|fd| unsafe { UnixStream::from_raw_fd(fd) });
        check_fd(reader.as_raw_fd()).expect("a wake pipe select can watch");
        let remote = Arc::new(Remote { queue: Mutex::default(), pipe: writer });
        let (registrations, registered) = (RefCell::default(), Cell::default());
        let (pipe, slack) = (reader, Cell::default());
        Selector { registrations, registered, pipe, remote, slack }
    }
}

impl Selector {
    /// How many fds a `select` watches now, the wake pipe included.
    pub fn watching(&self) -> usize {
        self.registrations.borrow().len() + 1
    }

    // ANCHOR: register
    /// Wakes `waker` once `fd` is ready for `interest`; returns the
    /// registration's number, to remove it by.
    pub fn register(
        &self,
        fd: RawFd,
        interest: Interest,
        (task, what): (u64, &'static str),
        waker: Waker,
    ) -> io::Result<u64> {
        check_fd(fd)?;
        let number = self.registered.get() + 1;
        self.registered.set(number);
        let registration =
            Registration { number, fd, interest, task, what, waker };
        self.registrations.borrow_mut().push(registration);
        Ok(number)
    }

    /// Stops watching for registration `number`; `None` if it was gone.
    pub fn deregister(&self, number: u64) -> Option<Registration> {
        let mut registrations = self.registrations.borrow_mut();
        // Kept in the order they were made, so in order of number.
        let index =
            registrations.binary_search_by_key(&number, |r| r.number).ok()?;
        Some(registrations.remove(index))
    }
    // ANCHOR_END: register

    // ANCHOR: select
    /// Waits until a watched fd or the wake pipe is ready, or `timeout`
    /// passes (never, if `None`), and takes the ready registrations.
    pub fn select(&self, timeout: Option<Duration>) -> Ready {
        // Nothing to watch and no time to wait: nothing to ask the kernel.
        // A wake from another thread is queued in `remote`, which the loop
        // reads after every wait, and its byte waits in the pipe.
        let registrations = self.registrations.borrow();
        if timeout == Some(Duration::ZERO) && registrations.is_empty() {
            return Ready::default();
        }
        // SAFETY: an fd_set is plain bits, and all zeros is the empty set.
        let mut sets: [libc::fd_set; 2] = unsafe { mem::zeroed() };
        let pipe = self.pipe.as_raw_fd();
        let mut nfds = pipe + 1;
        let fds = registrations.iter().map(|r| (r.fd, r.interest));
        for (fd, interest) in fds.chain([(pipe, Interest::Read)]) {
            // SAFETY: check_fd let in only fds in 0..FD_SETSIZE, so FD_SET
            // writes inside the set.
            unsafe { libc::FD_SET(fd, &mut sets[interest as usize]) };
            nfds = nfds.max(fd + 1);
        }
        drop(registrations);
        // select(2) takes microseconds. Round up, never down: a wait that
        // ended just short of a deadline would find nothing due, and spin
        // on zero waits until the deadline passed.
        let mut tv = timeout.map(|t| {
            let t = Duration::from_micros(t.as_nanos().div_ceil(1000) as u64);
            libc::timeval {
                tv_sec: t.as_secs() as libc::time_t,
                tv_usec: t.subsec_micros() as libc::suseconds_t,
            }
        });
        let tv = tv.as_mut().map_or(ptr::null_mut(), |tv| tv as *mut _);
        // Linux lets a timeout end up to 50µs late (the thread's timer
        // slack), to batch wake-ups. Before its first timed wait, the loop
        // asks for its deadlines instead.
        if timeout.is_some_and(|t| !t.is_zero()) && self.slack.get().is_none() {
            // SAFETY (both): prctl only reads and sets this thread's slack.
            self.slack
                .set(Some(unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) }));
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1) };
        }
        let ([read, write], none) = (&mut sets, ptr::null_mut());
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
        // SAFETY (both): the fds tested were put in the sets above.
        let ready = |fd, interest: Interest| unsafe {
            libc::FD_ISSET(fd, &sets[interest as usize])
        };
        let pipe = ready(pipe, Interest::Read);
        if pipe {
            // Empty the pipe: its bytes only said "look at the queue".
            let mut bytes = [0; 64];
            while let Ok(1..) = (&self.pipe).read(&mut bytes) {}
        }
        // Taken in the order they were made, so that traces do not depend
        // on fd numbers; once taken, they are no longer watched.
        let mut registrations = self.registrations.borrow_mut();
        let taken = registrations.extract_if(.., |r| ready(r.fd, r.interest));
        Ready { registrations: taken.collect(), pipe }
    }
    // ANCHOR_END: select
}

// ANCHOR: check_fd
/// Refuses an fd that `select` cannot watch. An `fd_set` has room for
/// `FD_SETSIZE` fds (1024); `FD_SET` on a bigger one would write past its
/// end. Real runtimes use `poll` or `epoll`, which have no such limit.
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
        // SAFETY: as in `new`.
        if let Some(slack) = self.slack.get() {
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, slack) };
        }
    }
}
