//! An echo server to talk to by hand, on the stage 3 loop:
//!
//!     cargo run -p step03_select --example echo_server -- 127.0.0.1:7000
//!     nc 127.0.0.1 7000
//!
//! It serves until you press Ctrl-C. Each connection is a task; the trace
//! shows the loop moving between them.

use std::io;

use step03_select::{Runtime, TcpListener, TcpStream, spawn};

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

fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7000".into());
    let runtime = Runtime::default().trace(|line| eprintln!("{line}"));
    runtime.run(async move {
        let listener = TcpListener::bind(&addr)?;
        println!(
            "echoing on {}; try: nc {} {}",
            addr,
            listener.local_addr()?.ip(),
            listener.local_addr()?.port()
        );
        loop {
            let (stream, peer) = listener.accept().await?;
            println!("{peer} connected");
            spawn(async move {
                match echo(stream).await {
                    Ok(()) => println!("{peer} hung up"),
                    Err(error) => println!("{peer}: {error}"),
                }
            });
        }
    })
}
// ANCHOR_END: serve
