//! Sockets beyond what a trace shows: errors reach the task, a dropped
//! wait gives its registration back, and big writes survive back-pressure.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use step05_gather::{Runtime, TcpListener, TcpStream, run, sleep, spawn};

/// Runs `main` with a trace on the virtual clock: its output and lines.
fn traced<T: 'static>(
    main: impl Future<Output = T> + 'static,
) -> (T, Vec<String>) {
    let lines = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&lines);
    let runtime = Runtime::virtual_time()
        .trace(move |line| sink.borrow_mut().push(line.to_string()));
    let output = runtime.run(main);
    (output, lines.take())
}

// ANCHOR: connecting_to_a_closed_port_is_refused
#[test]
fn connecting_to_a_closed_port_is_refused() {
    // A port that was free a moment ago, with nobody listening on it now.
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let error = run(async move { TcpStream::connect(addr).await.err() })
        .expect("refused");
    assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
}
// ANCHOR_END: connecting_to_a_closed_port_is_refused

// ANCHOR: connecting_over_ipv6_works
#[test]
fn connecting_over_ipv6_works() {
    let listener = TcpListener::bind("[::1]:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = run(async move {
        let (accepted, client) = (
            spawn(async move { listener.accept().await }),
            TcpStream::connect(addr).await,
        );
        let (_, peer) = accepted.await.unwrap();
        client.unwrap().peer_addr().unwrap();
        peer
    });
    assert!(peer.is_ipv6());
}
// ANCHOR_END: connecting_over_ipv6_works

// ANCHOR: a_dropped_read_gives_back_its_registration
#[test]
fn a_dropped_read_gives_back_its_registration() {
    let ((), trace) = traced(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let mut buf = [0; 8];
        let mut read = Box::pin(server.read(&mut buf));
        // Polled once: nothing to read, so it registers and is pending.
        let polled = poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
        assert!(polled.is_pending());
        drop(read);
        // Something the trace shows after the drop, to order it by.
        sleep(Duration::from_millis(1)).await;
        drop(client);
    });
    let line = |text: &str| trace.iter().position(|l| l.ends_with(text));
    let (watch, unwatch) =
        (line("t1    watch    read"), line("t1    unwatch  read"));
    let after = line("t1    timer    #1 due 1.0ms");
    assert!(watch < unwatch && unwatch < after, "{}", trace.join("\n"));
    assert!(unwatch.is_some(), "{}", trace.join("\n"));
}
// ANCHOR_END: a_dropped_read_gives_back_its_registration

// ANCHOR: a_big_write_waits_for_the_reader_and_arrives_whole
#[test]
fn a_big_write_waits_for_the_reader_and_arrives_whole() {
    // Far more than the socket buffers hold: write must block, partly
    // written, until the reader makes room.
    const SIZE: usize = 16 << 20;
    let data: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let sent = data.clone();
    let (received, trace) = traced(async move {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.write_all(&sent).await
        });
        let (stream, _) = listener.accept().await?;
        let mut received = vec![0; SIZE];
        stream.read_exact(&mut received).await?;
        writer.await?;
        io::Result::Ok(received)
    });
    assert!(received.unwrap() == data, "every byte, in order");
    assert!(trace.iter().any(|line| line.ends_with("t2    blocked  write")));
}
// ANCHOR_END: a_big_write_waits_for_the_reader_and_arrives_whole
