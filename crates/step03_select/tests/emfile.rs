//! The echo_server example's own accept loop, run out of fds. Alone in a
//! test binary of its own: it lowers this process's limit on open files.

use std::io;

use std::time::Duration;

use step03_select::{TcpListener, TcpStream, call_later, run, spawn};

#[path = "../examples/echo_server.rs"]
#[allow(dead_code)]
mod echo_server;

/// Sends `message` and reads the same number of bytes back.
async fn round_trip(stream: &TcpStream, message: &str) -> io::Result<String> {
    stream.write_all(message.as_bytes()).await?;
    let mut reply = vec![0; message.len()];
    stream.read_exact(&mut reply).await?;
    Ok(String::from_utf8(reply).unwrap())
}

/// Sets the soft limit on open files: no fd at or above `limit` opens.
fn set_fd_limit(limit: u64) -> u64 {
    // SAFETY: three plain syscalls on an rlimit we own and on fd 0;
    // a failure is asserted, never ignored.
    unsafe {
        let mut rlimit = std::mem::zeroed::<libc::rlimit>();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit), 0);
        let old = rlimit.rlim_cur;
        rlimit.rlim_cur = limit;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit), 0);
        old
    }
}

/// The lowest fd number that is free: the one the next open would get.
fn lowest_free_fd() -> u64 {
    // SAFETY: dup and close of an fd we just made; nothing else holds it.
    unsafe {
        let fd = libc::dup(0);
        assert!(fd >= 0);
        libc::close(fd);
        fd as u64
    }
}

// ANCHOR: the_echo_server_waits_out_emfile_and_serves_on
#[test]
#[cfg_attr(miri, ignore)]
fn the_echo_server_waits_out_emfile_and_serves_on() {
    let replies = run(async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        // Both connect before the server runs: they wait in the backlog.
        let first = TcpStream::connect(addr).await?;
        let second = TcpStream::connect(addr).await?;
        // Room for one more fd: the server accepts `first`, and then
        // accept fails with EMFILE while `first` is open.
        let old = set_fd_limit(lowest_free_fd() + 1);
        spawn(echo_server::serve(listener));
        // A server that gave up on EMFILE would leave `second` waiting.
        call_later(Duration::from_secs(60), || panic!("second never served"));
        let one = round_trip(&first, "one").await?;
        // Hanging up frees the server's fd; its retry accepts `second`.
        drop(first);
        let two = round_trip(&second, "two").await;
        set_fd_limit(old);
        io::Result::Ok((one, two?))
    });
    assert_eq!(replies.unwrap(), ("one".into(), "two".into()));
}
// ANCHOR_END: the_echo_server_waits_out_emfile_and_serves_on
