//! Appendix 2: a non-blocking socket, and select(2) waiting on it.
//!
//!     cargo run -p step05_gather --example nonblocking
//!
//! A read that would block returns an error instead; select says when
//! to try again; and readiness is level-triggered.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::{mem, ptr};

// ANCHOR: readable
/// Waits up to `ms` milliseconds for `stream` to be readable.
fn readable(stream: &TcpStream, ms: i64) -> bool {
    let fd = stream.as_raw_fd();
    assert!(fd < libc::FD_SETSIZE as i32, "select cannot watch fd {fd}");
    // SAFETY: an all-zero fd_set is empty; fd is below FD_SETSIZE, so
    // FD_SET writes inside it; the set and timeout outlive select.
    unsafe {
        let mut set: libc::fd_set = mem::zeroed();
        libc::FD_SET(fd, &mut set);
        let mut timeout = libc::timeval { tv_sec: 0, tv_usec: ms * 1000 };
        let null = ptr::null_mut();
        libc::select(fd + 1, &mut set, null, null, &mut timeout) == 1
    }
}
// ANCHOR_END: readable

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server, _) = listener.accept()?;

    // ANCHOR: would_block
    server.set_nonblocking(true)?;
    let mut buf = [0; 64];
    // Nothing has been sent: instead of waiting, read fails at once.
    let error = server.read(&mut buf).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    println!("read with nothing to read: {error}");
    // ANCHOR_END: would_block

    // ANCHOR: select
    // select waits for the socket, up to a timeout: nothing yet.
    assert!(!readable(&server, 10));
    client.write_all(b"ping")?;
    // Now there is something to read, so select returns at once.
    assert!(readable(&server, 1000));
    // Level-triggered: it stays readable for as long as bytes wait, so
    // asking again without reading gives the same answer.
    assert!(readable(&server, 0));
    let n = server.read(&mut buf)?;
    assert_eq!(&buf[..n], b"ping");
    // All read: not readable any more.
    assert!(!readable(&server, 0));
    // ANCHOR_END: select
    println!("select saw the socket readable, and level-triggered");
    Ok(())
}
