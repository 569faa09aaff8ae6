//! Demo of stage 2: tasks that sleep, in real time, and the loop waiting
//! for them. Pass `--virtual-time` to run it on the virtual clock.
//!
//! Run it with `cargo run -p step02_sleep`.

use std::io::{Write, stdout};
use std::time::Duration;

use step02_sleep::{Runtime, sleep, spawn_named};

// ANCHOR: nap
/// Sleeps for `ms` milliseconds, then returns how long that was.
async fn nap(ms: u64) -> u64 {
    sleep(Duration::from_millis(ms)).await;
    ms
}
// ANCHOR_END: nap

// ANCHOR: main
fn main() {
    // What the demo runs, on stderr: the trace on stdout stays the
    // trace, as the tests hold it.
    eprintln!(
        "stage 2 demo: tasks sleep 100 ms, 50 + 100 ms and 1 s; main \
         returns after about 150 ms, and the 1 s sleeper is dropped. Its \
         trace follows."
    );
    let runtime = match std::env::args().any(|arg| arg == "--virtual-time") {
        true => Runtime::virtual_time(),
        false => Runtime::default(),
    };
    // Written with `writeln!`, not `println!`, so that a reader who pipes
    // the demo into `head` gets no panic when `head` closes the pipe.
    let say = |line: &str| drop(writeln!(stdout(), "{line}"));
    let (short, twice) = runtime.trace(say).run(async {
        let short = spawn_named("nap(100)", nap(100));
        let twice = spawn_named("twice", async {
            let first = nap(50).await;
            // Zero: no timer, just a turn for the others.
            sleep(Duration::ZERO).await;
            first + nap(100).await
        });
        // Still asleep when main returns: `run` then drops the task, and
        // with it its sleep, which cancels its timer. (Dropping the handle
        // here only detaches the task.)
        drop(spawn_named("nap(1000)", nap(1000)));
        (short.await, twice.await)
    });
    say(&format!("nap(100) slept {short}ms, twice 50 + 100 = {twice}ms"));
}
// ANCHOR_END: main
