//! Demo of stage 4: a heartbeat that ticks every 100ms, beside a main
//! task that talks slowly to an echo server in the same loop. When main
//! ends, `run` cancels the heartbeat and the server, and the heartbeat's
//! destructor says so. Pass `--virtual-time` to run it on the virtual
//! clock.
//!
//! Run it with `cargo run -p step04_periodic`.

use std::io::{self, Write, stdout};
use std::time::Duration;

use step04_periodic::{
    Runtime, TcpListener, TcpStream, interval, sleep, spawn_named,
};

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

// ANCHOR: heartbeat
/// Says so when it is dropped: the "finally" of a task.
struct Goodbye(&'static str);

impl Drop for Goodbye {
    fn drop(&mut self) {
        let line = format!("{}: dropped, so its destructor runs", self.0);
        drop(writeln!(stdout(), "{line}"));
    }
}

/// Ticks every 100ms, for ever: only cancelling it ends it.
async fn heartbeat() {
    let _goodbye = Goodbye("heartbeat");
    let mut ticks = interval(Duration::from_millis(100));
    loop {
        ticks.tick().await;
    }
}
// ANCHOR_END: heartbeat

// ANCHOR: main
fn main() -> io::Result<()> {
    // What the demo runs, on stderr: the trace on stdout stays the
    // trace, as the tests hold it.
    eprintln!(
        "stage 4 demo: an echo server, a slow client and a heartbeat on an \
         interval; when main returns, the loop cancels what is left. Its \
         trace follows."
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
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        spawn_named("serve", serve(listener));
        spawn_named("heartbeat", heartbeat());
        // A slow client: a word, its echo, then a pause, twice.
        let stream = TcpStream::connect(addr).await?;
        let mut replies = Vec::new();
        for word in ["slow", "echo"] {
            stream.write_all(word.as_bytes()).await?;
            let mut reply = [0; 4];
            stream.read_exact(&mut reply).await?;
            replies.push(String::from_utf8_lossy(&reply).into_owned());
            sleep(Duration::from_millis(150)).await;
        }
        io::Result::Ok(replies)
    })?;
    say(&format!("replies: {}", replies.join(", ")));
    Ok(())
}
// ANCHOR_END: main
