//! Stage 3's echo server (`cargo run -p step03_select --example
//! echo_server`), on this stage's loop, for `tests/emfile.rs` to run out
//! of fds. It lives here, not in `examples/`, because examples of one
//! name in two packages of a workspace collide in `target/`.
//!
//! It serves until you press Ctrl-C. Each connection is a task; the trace
//! shows the loop moving between them. A failed accept is logged, and the
//! server goes on serving.

use std::io;
use std::time::Duration;

use step05_gather::{Runtime, TcpListener, TcpStream, sleep, spawn};

// ANCHOR: serve
/// Echoes one client's bytes back until it hangs up.
async fn echo(stream: TcpStream) -> io::Result<()> {
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(()),
            n => stream.write_all(&buf[..n]).await?,
        }
    }
}

/// Accepts connections for ever, each echoed by a task of its own. An
/// accept that fails costs that one connection, never the server.
pub async fn serve(listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of fds: retrying at once would fail again and spin. Wait
            // for connections to close, as hyper's accept loop does.
            Err(error) if is_out_of_fds(&error) => {
                println!("accept: {error}; retrying in 100ms");
                sleep(Duration::from_millis(100)).await;
                continue;
            }
            // One connection's trouble, such as a reset before accept, or
            // an fd that select cannot watch: log it and go on.
            Err(error) => {
                println!("accept: {error}");
                continue;
            }
        };
        println!("{peer} connected");
        spawn(async move {
            match echo(stream).await {
                Ok(()) => println!("{peer} hung up"),
                Err(error) => println!("{peer}: {error}"),
            }
        });
    }
}

/// Whether `error` is EMFILE or ENFILE: this process, or the whole system,
/// has as many files open as it may.
fn is_out_of_fds(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}
// ANCHOR_END: serve

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7000".into());
    let runtime = Runtime::default().trace(|line| eprintln!("{line}"));
    runtime.run(async move {
        let listener = TcpListener::bind(&addr)?;
        let local = listener.local_addr()?;
        println!("echoing on {local}; try: nc {} {}", local.ip(), local.port());
        serve(listener).await;
        Ok(())
    })
}
