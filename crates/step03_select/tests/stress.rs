//! Many clients at once: every byte comes back, in order.

use std::io;
use std::time::Duration;

use step03_select::{TcpListener, TcpStream, call_later, run, spawn};

const CLIENTS: usize = 200;
const MESSAGES: usize = 200;

/// Echoes until EOF.
async fn echo(stream: TcpStream) -> io::Result<()> {
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(()),
            n => stream.write_all(&buf[..n]).await?,
        }
    }
}

/// Accepts for ever, echoing each connection in a task of its own.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        spawn(echo(stream));
    }
}

/// Sends `MESSAGES` messages of pseudo-random sizes and checks each echo.
async fn client(addr: std::net::SocketAddr, seed: u64) -> io::Result<usize> {
    let stream = TcpStream::connect(addr).await?;
    let mut state = seed | 1;
    let mut total = 0;
    for message in 0..MESSAGES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let size = 1 + (state % 3000) as usize;
        let sent: Vec<u8> =
            (0..size).map(|i| (i + message + seed as usize) as u8).collect();
        stream.write_all(&sent).await?;
        let mut echoed = vec![0; size];
        stream.read_exact(&mut echoed).await?;
        assert!(
            echoed == sent,
            "client {seed}, message {message}: bytes differ"
        );
        total += size;
    }
    Ok(total)
}

// ANCHOR: two_hundred_clients_each_echo_two_hundred_messages
#[test]
fn two_hundred_clients_each_echo_two_hundred_messages() {
    let total = run(async {
        // Bounded: if anything hangs, fail instead of waiting for ever.
        call_later(Duration::from_secs(300), || {
            panic!("the stress test took over 300 s")
        });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        spawn(serve(listener));
        let clients: Vec<_> =
            (0..CLIENTS).map(|i| spawn(client(addr, i as u64 + 1))).collect();
        let mut total = 0;
        for client in clients {
            total += client.await?;
        }
        io::Result::Ok(total)
    });
    assert!(
        total.unwrap() > CLIENTS * MESSAGES,
        "every client sent its messages"
    );
}
// ANCHOR_END: two_hundred_clients_each_echo_two_hundred_messages
