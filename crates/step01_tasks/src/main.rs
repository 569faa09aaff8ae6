//! Demo of stage 1: prints the event trace of a few tasks taking turns.
//!
//! Run it with `cargo run -p step01_tasks`.

use step01_tasks::{Runtime, spawn, yield_now};

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
    let total =
        Runtime::default().trace(|line| println!("{line}")).run(async {
            // Two tasks that take turns with each other and with main.
            let a = spawn(count(2));
            let b = spawn(count(3));
            // A task that spawns a task of its own and awaits it.
            let c = spawn(async { spawn(count(1)).await + 10 });
            a.await + b.await + c.await
        });
    println!("result: {total}");
}
// ANCHOR_END: main
