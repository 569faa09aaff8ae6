//! The FD_SETSIZE guard, alone in its own test binary (its own process):
//! it fills the low fd numbers, which would disturb other tests' sockets.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use step03_select::{TcpListener, TcpStream, run, sleep};

// ANCHOR: an_fd_select_cannot_watch_is_refused_with_a_clear_error_and_the_loop_goes_on
#[test]
fn an_fd_select_cannot_watch_is_refused_with_a_clear_error_and_the_loop_goes_on()
 {
    let outcome = run(async {
        // A listener with a low fd, and a client in its backlog.
        let early = TcpListener::bind("127.0.0.1:0")?;
        let mut client = std::net::TcpStream::connect(early.local_addr()?)?;
        // Open files until the next fd is past what an fd_set can hold.
        let mut filler = Vec::new();
        while filler.last().is_none_or(|file: &File| file.as_raw_fd() < 1024) {
            filler.push(
                File::open("/dev/null").expect("the fd limit is above 1024"),
            );
        }
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        // Nobody is connecting: accept would block, and must register.
        let error = listener.accept().await.err().expect("refused");
        // A connection that would get an fd select cannot watch is refused
        // by accept itself, and closed: the client sees it end at once.
        let refused = early.accept().await.err().expect("refused too");
        let eof = io::Read::read(&mut client, &mut [0; 1])?;
        drop(filler);
        // The loop goes on: a socket with a low fd works as usual.
        let client = TcpStream::connect(addr).await;
        sleep(std::time::Duration::from_millis(1)).await;
        io::Result::Ok((error, refused, eof, client.is_ok()))
    });
    let (error, refused, eof, connected) = outcome.unwrap();
    assert!(refused.to_string().contains("FD_SETSIZE"), "{refused}");
    assert_eq!(eof, 0, "the refused connection was closed");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("FD_SETSIZE"), "{error}");
    assert!(connected);
}
// ANCHOR_END: an_fd_select_cannot_watch_is_refused_with_a_clear_error_and_the_loop_goes_on
