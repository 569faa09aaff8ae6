//! Appendix 1: sockets the plain, blocking way, with std and no loop.
//!
//!     cargo run -p step05_gather --example blocking_sockets
//!
//! A server thread and a client, one connection: listen, accept, connect,
//! partial writes, and the read that returns 0.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

// ANCHOR: server
/// Accepts one connection and echoes it until the client stops sending.
fn server(listener: TcpListener) -> io::Result<usize> {
    // accept() blocks until a client has connected: the kernel has done
    // the handshake, and hands us a new socket for this one conversation.
    let (mut stream, _) = listener.accept()?;
    let mut buf = [0; 1024];
    let mut echoed = 0;
    loop {
        // read() blocks until some bytes arrive, and returns how many:
        // any number from 1 to buf.len(). It returns 0 only when the
        // client has closed its sending side: that is end of file.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(echoed);
        }
        // write() may send less than it was given; write_all loops
        // until every byte is written.
        stream.write_all(&buf[..n])?;
        echoed += n;
    }
}
// ANCHOR_END: server

// ANCHOR: client
/// Sends `message`, says it is done sending, and reads the echo to EOF.
fn client(port: u16, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut rest = message;
    while !rest.is_empty() {
        // write() may take less than it was given (see the appendix):
        // keep going from where it stopped.
        let written = stream.write(rest)?;
        rest = &rest[written..];
    }
    // "I will send no more": the server's next read returns 0.
    stream.shutdown(Shutdown::Write)?;
    let mut echo = Vec::new();
    stream.read_to_end(&mut echo)?;
    Ok(echo)
}
// ANCHOR_END: client

fn main() -> io::Result<()> {
    // listen: bind to an address (port 0: any free port) and wait there.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = thread::spawn(move || server(listener));
    let message = b"one conversation, start to finish".repeat(1000);
    let echo = client(port, &message)?;
    let echoed = server.join().expect("the server thread")?;
    assert_eq!(echo, message);
    println!("echoed {echoed} bytes; the read that returned 0 ended it");
    Ok(())
}
