//! Appendix 2: a non-blocking socket, and select(2) waiting on it.
//!
//!     cargo run -p step04_periodic --example nonblocking
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

// ANCHOR: would_block
/// A read on a non-blocking socket with nothing to read: it fails at once
/// with `WouldBlock` instead of waiting.
fn would_block(server: &mut TcpStream) -> io::Result<()> {
    server.set_nonblocking(true)?;
    let error = server.read(&mut [0; 64]).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    println!("read with nothing to read: {error}");
    Ok(())
}
// ANCHOR_END: would_block

// ANCHOR: level_triggered
/// `select` waits for `server` to be readable, and says so for as long as
/// bytes wait in it, however often it is asked: level-triggered.
fn level_triggered(
    server: &mut TcpStream,
    client: &mut TcpStream,
) -> io::Result<()> {
    // select waits for the socket, up to a timeout: nothing yet.
    assert!(!readable(server, 10));
    client.write_all(b"ping")?;
    // Now there is something to read, so select returns at once.
    assert!(readable(server, 1000));
    // Asking again without reading gives the same answer.
    assert!(readable(server, 0));
    let mut buf = [0; 64];
    let n = server.read(&mut buf)?;
    assert_eq!(&buf[..n], b"ping");
    // All read: not readable any more.
    assert!(!readable(server, 0));
    println!("select saw the socket readable, and level-triggered");
    Ok(())
}
// ANCHOR_END: level_triggered

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server, _) = listener.accept()?;
    would_block(&mut server)?;
    level_triggered(&mut server, &mut client)
}
