//! Demo of stage 3: an echo server and two clients on 127.0.0.1, in one
//! loop, with a timer ticking beside them. Pass `--virtual-time` to run it
//! on the virtual clock.
//!
//! Run it with `cargo run -p step03_select`.

use std::io::{self, Write, stdout};
use std::net::SocketAddr;
use std::time::Duration;

use step03_select::{Runtime, TcpListener, TcpStream, sleep, spawn_named};

// ANCHOR: serve
/// Accepts connections for ever, and echoes each in a task of its own.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        spawn_named("echo", echo(stream));
    }
}

/// Sends back everything it reads, until the client closes.
async fn echo(stream: TcpStream) -> io::Result<()> {
    let mut buf = [0; 1024];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(()),
            n => stream.write_all(&buf[..n]).await?,
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: client
/// Connects, sends `message`, and reads the echo back.
async fn client(addr: SocketAddr, message: &'static str) -> io::Result<String> {
    let stream = TcpStream::connect(addr).await?;
    stream.write_all(message.as_bytes()).await?;
    let mut reply = vec![0; message.len()];
    stream.read_exact(&mut reply).await?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}
// ANCHOR_END: client

// ANCHOR: main
fn main() -> io::Result<()> {
    // What the demo runs, on stderr: the trace on stdout stays the
    // trace, as the tests hold it.
    eprintln!(
        "stage 3 demo: an echo server, two clients and a ticker share one \
         loop on one thread, waiting in select(2). Its trace follows."
    );
    let runtime = match std::env::args().any(|arg| arg == "--virtual-time") {
        true => Runtime::virtual_time(),
        false => Runtime::default(),
    };
    // Written with `writeln!`, not `println!`, so that a reader who pipes
    // the demo into `head` gets no panic when `head` closes the pipe.
    let say = |line: &str| drop(writeln!(stdout(), "{line}"));
    let runtime = runtime.trace(say);
    let replies = runtime.run(async {
        // Port 0: the system picks a free one.
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        spawn_named("serve", serve(listener));
        let ticker = spawn_named("ticker", async {
            for _ in 0..2 {
                sleep(Duration::from_millis(1)).await;
            }
        });
        let clients = ["hello", "select"].map(|message| {
            spawn_named(&format!("client({message})"), client(addr, message))
        });
        let mut replies = Vec::new();
        for client in clients {
            replies.push(client.await?);
        }
        ticker.await;
        io::Result::Ok(replies)
    })?;
    say(&format!("replies: {}", replies.join(", ")));
    Ok(())
}
// ANCHOR_END: main
