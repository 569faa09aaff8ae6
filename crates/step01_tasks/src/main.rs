//! Demo of stage 1: prints the event trace of a few tasks taking turns.
//!
//! Run it with `cargo run -p step01_tasks`.

use std::io::{Write, stdout};

use step01_tasks::{Runtime, spawn_named, yield_now};

// ANCHOR: count
/// Counts to `n`, giving the other tasks a turn after each number.
async fn count(n: u32) -> u32 {
    for _ in 0..n {
        yield_now().await;
    }
    n
}
// ANCHOR_END: count

// ANCHOR: main
fn main() {
    // What the demo runs, on stderr: the trace on stdout stays the
    // trace, as the tests hold it.
    eprintln!(
        "stage 1 demo: two counting tasks and a task that awaits a child of \
         its own take turns on one loop. Its trace follows, one event a \
         line, a blank line between passes."
    );
    // Written with `writeln!`, not `println!`, so that a reader who pipes
    // the demo into `head` gets no panic when `head` closes the pipe.
    let say = |line: &str| drop(writeln!(stdout(), "{line}"));
    let (a, b, c) = Runtime::default().trace(say).run(async {
        // Two tasks that take turns with each other and with main.
        let a = spawn_named("count(2)", count(2));
        let b = spawn_named("count(3)", count(3));
        // A task that spawns a task of its own and awaits it.
        let c = spawn_named("spawner", async {
            spawn_named("count(1)", count(1)).await + 10
        });
        (a.await, b.await, c.await)
    });
    say(&format!("count(2) gave {a}, count(3) {b}, spawner 1 + 10 = {c}"));
}
// ANCHOR_END: main
