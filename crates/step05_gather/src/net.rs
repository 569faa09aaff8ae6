//! TCP over non-blocking sockets: try the call; if it would block, wait
//! until `select` says the socket is ready, and try again.

use std::io::{self, Read, Write};
use std::net::{self, Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::task::{Context, Poll};
use std::{mem, pin::Pin, ptr};

use crate::event_loop::EventLoop;
use crate::selector::{BUDGET, Interest, check_fd};
use crate::task::yield_now;

// ANCHOR: io_ready
// Exercise 3.3 `io_ready`: Make the call `op` until it no longer would block.
// Before each try, spend one unit of the task's budget (if it is spent, trace
// `budget` with `BUDGET` and yield first); when the call fails with
// `WouldBlock`, await a `Readiness` for `fd`, then try again.
// Hint: asyncio's `_sock_recv` tries `sock.recv` again each time `select` finds
// the socket readable. The budget is tokio's coop budget: a socket that is
// always ready must not keep the other tasks waiting.
// Tests: trace::accept_and_echo_one_client,
// trace::an_always_ready_socket_cannot_starve_the_others,
// net::a_big_write_waits_for_the_reader_and_arrives_whole
// Read: 03-select.md#sockets-try-and-wait-if-it-would-block
/// Runs `op`, the call `what`, until it no longer would block. Each time
/// it would, the task waits until `select` finds `fd` ready for
/// `interest`. Readiness is only a hint (another reader may get there
/// first), hence the loop.
async fn io_ready<T>(
    fd: RawFd,
    (interest, what): (Interest, &'static str),
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    loop {
        // A task whose sockets are always ready would never be Pending,
        // and the others would never run: past its budget, it yields.
        let spent = EventLoop::with(|event_loop| {
            let spent = !event_loop.spend_budget();
            if spent {
                let budget = format!("{BUDGET} I/O calls: yield");
                event_loop.trace("budget", budget);
            }
            spent
        });
        if spent == Some(true) {
            yield_now().await;
        }
        match op() {
            // Not ready: wait until `select` says it may be, then try again.
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                Readiness { fd, interest, what, registration: None }.await?;
            }
            // Done, or failed for real: a reset peer, a refused connection.
            result => return result,
        }
    }
}
// ANCHOR_END: io_ready

// ANCHOR: Readiness
/// A leaf future that `select` completes: its first poll registers `fd`
/// with the selector and returns Pending; the selector wakes the task once
/// `fd` is ready. Dropped first, it takes its registration back.
///
/// Simplification: a task registers each time it would block, and the
/// registration goes once it fires, so `select` is asked afresh every
/// time (level-triggered). mio registers an fd once, edge-triggered on
/// epoll or kqueue, and tokio keeps each fd's readiness per direction
/// until a call reports `WouldBlock`.
struct Readiness {
    fd: RawFd,
    interest: Interest,
    what: &'static str,
    registration: Option<u64>,
}

impl Future for Readiness {
    type Output = io::Result<()>;

    // Exercise 3.2 `readiness`: The leaf future that `select` completes: on its
    // first poll, register `fd` with the loop (`watch`, traced `blocked` before
    // and `watch` after) and return Pending; once registered, any poll is
    // Ready, as the caller tries its call again and learns from it whether the
    // fd was ready.
    // Hint: asyncio's `sock_recv` calls `loop.add_reader(fd, callback)` and
    // awaits a future the callback completes. `watch` refuses an fd select
    // cannot watch: give that error as the output.
    // Tests: trace::read_would_block_then_wakes,
    // net::a_dropped_read_gives_back_its_registration,
    // fd_setsize::an_fd_select_cannot_watch_is_refused_with_a_clear_error_and_the_loop_goes_on
    // Read: 03-select.md#sockets-try-and-wait-if-it-would-block
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<Self::Output> {
        if self.registration.is_some() {
            // Woken: the fd is ready, or it was a spurious wake. Either way
            // the caller tries its call again, and will learn which.
            return Poll::Ready(Ok(()));
        }
        // The selector keeps a clone: the one thing it will wake.
        let waker = cx.waker().clone();
        let Readiness { fd, interest, what, .. } = *self;
        // `watch` fails for an fd select cannot watch: the call fails with it,
        // and the loop goes on.
        let registered = EventLoop::with(|event_loop| {
            event_loop.trace("blocked", what);
            let number = event_loop.watch(fd, interest, what, waker)?;
            event_loop.trace("watch", what);
            io::Result::Ok(number)
        });
        self.registration =
            Some(registered.expect("socket I/O outside run()")?);
        Poll::Pending
    }
}

impl Drop for Readiness {
    fn drop(&mut self) {
        // Dropped while it waited (its task was cancelled, or a timeout
        // ran out): the selector must not wake a task that has moved on.
        if let Some(number) = self.registration {
            EventLoop::with(|event_loop| {
                if let Some(what) = event_loop.unwatch(number) {
                    event_loop.trace("unwatch", what);
                }
            });
        }
    }
}
// ANCHOR_END: Readiness

// ANCHOR: TcpListener
/// A socket that accepts TCP connections.
pub struct TcpListener(net::TcpListener);

impl TcpListener {
    /// Listens on `addr`; port 0 picks a free port.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(TcpListener(listener))
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let fd = self.0.as_raw_fd();
        let (stream, peer) =
            io_ready(fd, (Interest::Read, "accept"), || self.0.accept())
                .await?;
        // Refused now, not at its first wait: select could never watch it.
        // Dropped, it is closed, and the client sees the connection end.
        check_fd(stream.as_raw_fd())?;
        // Accepted sockets do not inherit the listener's non-blocking flag on
        // Linux.
        stream.set_nonblocking(true)?;
        EventLoop::with(|event_loop| event_loop.trace("accept", ""));
        Ok((TcpStream(stream), peer))
    }
}
// ANCHOR_END: TcpListener

// ANCHOR: TcpStream
/// A TCP connection. Its methods take `&self`, so one task can read while
/// another writes.
pub struct TcpStream(net::TcpStream);

impl TcpStream {
    /// Reads into `buf`; `Ok(0)` means the peer closed its side (EOF).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let op = || (&self.0).read(buf);
        let read = io_ready(self.fd(), (Interest::Read, "read"), op).await;
        traced("read", read)
    }

    /// Writes some of `buf`, perhaps not all: returns how much.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let op = || (&self.0).write(buf);
        let wrote = io_ready(self.fd(), (Interest::Write, "write"), op).await;
        traced("write", wrote)
    }

    /// Writes all of `buf`, however many writes it takes.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Fills `buf`, however many reads it takes; fails at EOF.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }
}
// ANCHOR_END: TcpStream

impl TcpStream {
    /// Turns Nagle's algorithm off (`true`), so small writes go at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.0.set_nodelay(nodelay)
    }

    /// Closes the read side, the write side, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.0.shutdown(how)
    }

    /// The address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }

    fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    // ANCHOR: connect
    /// Connects to `addr` without blocking the loop: `connect(2)` on a
    /// non-blocking socket starts the handshake and returns `EINPROGRESS`;
    /// the socket turns writable once the handshake is over, either way.
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let (sockaddr, len) = sockaddr(addr);
        // Non-blocking from birth, so that `connect` cannot block; std's
        // `TcpStream::connect` would, until the handshake is over.
        let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: socket(2) takes plain integers; -1 means failure.
        let fd = unsafe { libc::socket(sockaddr.ss_family.into(), kind, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a socket we just opened, and nothing else owns it.
        let stream = TcpStream(unsafe { net::TcpStream::from_raw_fd(fd) });
        // SAFETY: sockaddr holds a socket address of `len` bytes.
        let started =
            unsafe { libc::connect(fd, (&raw const sockaddr).cast(), len) };
        // Read at once, before another call can overwrite errno.
        let error = io::Error::last_os_error();
        if started < 0 && error.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(error);
        }
        io_ready(fd, (Interest::Write, "connect"), || {
            // Writable: the handshake is over, and SO_ERROR says how it went.
            match stream.0.take_error()? {
                Some(error) => Err(error),
                // Not connected yet (a wake too early): that is "would block".
                None => match stream.0.peer_addr() {
                    Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    other => other.map(drop),
                },
            }
        })
        .await?;
        EventLoop::with(|event_loop| event_loop.trace("connect", ""));
        Ok(stream)
    }
    // ANCHOR_END: connect
}

/// Traces how many bytes a read or write moved, or its error.
fn traced(what: &str, result: io::Result<usize>) -> io::Result<usize> {
    EventLoop::with(|event_loop| match &result {
        Ok(bytes) => event_loop.trace(what, format_args!("{bytes} bytes")),
        Err(e) => event_loop.trace(what, format_args!("error: {:?}", e.kind())),
    });
    result
}

/// `addr` as the C socket address that `connect(2)` takes, and the
/// address's length. `ss_family` says which family it is.
fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // Room for either family's address; the `len` returned says which part
    // counts.
    // SAFETY: sockaddr_storage is plain data; all zeros is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(addr) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                // The kernel wants the port and the address in network byte
                // order.
                sin_port: addr.port().to_be(),
                sin_addr: libc::in_addr { s_addr: addr.ip().to_bits().to_be() },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large and aligned enough to hold
            // any socket address, this one included.
            unsafe { ptr::write((&raw mut storage).cast(), sin) };
            mem::size_of_val(&sin)
        }
        SocketAddr::V6(addr) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: addr.port().to_be(),
                sin6_flowinfo: addr.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: addr.ip().octets() },
                sin6_scope_id: addr.scope_id(),
            };
            // SAFETY: as above.
            unsafe { ptr::write((&raw mut storage).cast(), sin6) };
            mem::size_of_val(&sin6)
        }
    };
    (storage, len as libc::socklen_t)
}
