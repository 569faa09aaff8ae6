//! Answers for the book's questions-and-answers chapter that no other
//! test holds: TCP moves bytes, not messages, in both directions.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use insta::assert_snapshot;
use step03_select::{Runtime, TcpListener, TcpStream, run, sleep, spawn};

// ANCHOR: traced
/// Runs `main` on a traced loop with a virtual clock; returns its output
/// and the trace.
fn traced<T: 'static>(main: impl Future<Output = T> + 'static) -> (T, String) {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::virtual_time().trace(move |line| {
        *sink.borrow_mut() += &format!("{line}\n");
    });
    let output = runtime.run(main);
    (output, trace.take())
}
// ANCHOR_END: traced

// ANCHOR: read_message
/// Reads one message framed by a 4-byte length prefix: first the length,
/// then exactly that many bytes, however many reads each takes.
async fn read_message(stream: &TcpStream) -> io::Result<Vec<u8>> {
    let mut length = [0; 4];
    stream.read_exact(&mut length).await?;
    let mut message = vec![0; u32::from_be_bytes(length) as usize];
    stream.read_exact(&mut message).await?;
    Ok(message)
}
// ANCHOR_END: read_message

// ANCHOR: a_message_arrives_in_pieces_and_its_length_frames_it
#[test]
#[cfg_attr(miri, ignore)] // select(2), which miri cannot run
fn a_message_arrives_in_pieces_and_its_length_frames_it() {
    let (message, trace) = traced(async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let sender = spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let message = b"hello, world";
            stream.write_all(&(message.len() as u32).to_be_bytes()).await?;
            // The message in two writes, 1 ms apart.
            stream.write_all(&message[..5]).await?;
            sleep(Duration::from_millis(1)).await;
            stream.write_all(&message[5..]).await
        });
        let (stream, _) = listener.accept().await?;
        let message = read_message(&stream).await?;
        sender.await?;
        io::Result::Ok(String::from_utf8(message).unwrap())
    });
    assert_snapshot!(
        "a_message_arrives_in_pieces_and_its_length_frames_it",
        trace
    );
    assert_eq!(message.unwrap(), "hello, world");
    // The 12 bytes came in two reads, 5 and 7, and read_exact joined them.
    assert!(trace.contains("t1    read     5 bytes\n"), "{trace}");
    assert!(trace.contains("t1    read     7 bytes\n"), "{trace}");
}
// ANCHOR_END: a_message_arrives_in_pieces_and_its_length_frames_it

// ANCHOR: a_write_may_take_only_part_of_its_buffer
#[test]
#[cfg_attr(miri, ignore)] // sockets, which miri cannot run
fn a_write_may_take_only_part_of_its_buffer() {
    // Far more than the kernel's socket buffers hold, and nobody reads.
    const SIZE: usize = 32 << 20;
    let written = run(async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let stream = TcpStream::connect(listener.local_addr()?).await?;
        let (_peer, _) = listener.accept().await?;
        stream.write(&vec![7; SIZE]).await
    });
    // One write took what fitted, and said how much: the caller must
    // write the rest, as `write_all` does.
    let written = written.unwrap();
    assert!(0 < written && written < SIZE, "wrote {written} of {SIZE}");
}
// ANCHOR_END: a_write_may_take_only_part_of_its_buffer
