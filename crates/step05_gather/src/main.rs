//! Demo of stage 5: three "downloads" from a file server in the same loop,
//! each taking a time of its own, gathered: together they take as long as
//! the longest, not the sum. Then `try_gather` with a file that is
//! missing, and a `timeout` too short for a slow file. Pass
//! `--virtual-time` to run it on the virtual clock.
//!
//! Run it with `cargo run -p step05_gather`.

use std::io::{self, Write, stdout};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use step05_gather::{
    Runtime, TcpListener, TcpStream, gather, now, sleep, spawn_named, timeout,
    try_gather,
};

// ANCHOR: serve
/// Serves each connection in a task of its own, for ever.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        spawn_named("send_file", send_file(stream));
    }
}

/// Reads a request, `<delay in ms> <name>`, waits that long, and sends
/// the file. A file named `missing` is not there: nothing is sent.
async fn send_file(stream: TcpStream) -> io::Result<()> {
    let request = read_to_end(&stream).await?;
    let (delay, name) = request.split_once(' ').unwrap_or(("0", ""));
    sleep(Duration::from_millis(delay.parse().unwrap_or(0))).await;
    if name != "missing" {
        stream.write_all(format!("<{name}>").as_bytes()).await?;
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: download
/// Downloads the file `name`, which the server takes `delay` ms to send.
async fn download(
    addr: SocketAddr,
    name: &str,
    delay: u64,
) -> io::Result<String> {
    let stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("{delay} {name}").as_bytes()).await?;
    stream.shutdown(Shutdown::Write)?;
    let file = read_to_end(&stream).await?;
    if file.is_empty() {
        let error = format!("{name}: no such file");
        return Err(io::Error::new(io::ErrorKind::NotFound, error));
    }
    Ok(file)
}

/// Reads until the other side closes.
async fn read_to_end(stream: &TcpStream) -> io::Result<String> {
    let (mut text, mut buf) = (Vec::new(), [0; 64]);
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(String::from_utf8_lossy(&text).into_owned()),
            n => text.extend_from_slice(&buf[..n]),
        }
    }
}
// ANCHOR_END: download

// ANCHOR: main
fn main() -> io::Result<()> {
    // What the demo runs, on stderr: the trace on stdout stays the
    // trace, as the tests hold it.
    eprintln!(
        "stage 5 demo: three downloads gathered at once, a try_gather that \
         fails, and a download cut short by a timeout. Its trace follows."
    );
    let runtime = match std::env::args().any(|arg| arg == "--virtual-time") {
        true => Runtime::virtual_time(),
        false => Runtime::default(),
    };
    // Written with `writeln!`, not `println!`, so that a reader who pipes
    // the demo into `head` gets no panic when `head` closes the pipe.
    let say = |line: &str| drop(writeln!(stdout(), "{line}"));
    let runtime = runtime.trace(say);
    let report = runtime.run(async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        spawn_named("serve", serve(listener));
        let mut report = Vec::new();
        // Three at once: 300 + 100 + 200 ms of waiting, in about 300.
        let start = now();
        let files = [("a.txt", 300), ("b.txt", 100), ("c.txt", 200)]
            .map(|(name, delay)| download(addr, name, delay));
        let files = gather(Vec::from(files)).await;
        let took = (now() - start).as_millis();
        report.push(format!("gather: {files:?} in about {took}ms"));
        // The first error ends it; the slow download is dropped with it.
        let files = [("d.txt", 300), ("missing", 100)]
            .map(|(name, delay)| download(addr, name, delay));
        let files = try_gather(Vec::from(files)).await;
        report.push(format!("try_gather: {files:?}"));
        // Too slow: it is dropped when the timeout's 100ms are up.
        let file =
            timeout(Duration::from_millis(100), download(addr, "e.txt", 500));
        report.push(format!("timeout: {:?}", file.await));
        io::Result::Ok(report)
    })?;
    say(&report.join("\n"));
    Ok(())
}
// ANCHOR_END: main
