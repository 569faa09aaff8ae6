//! Broken on purpose: `std::thread::sleep` inside a task. It blocks the
//! thread, and the loop runs on that thread: nothing else runs, and no
//! timer fires, until it returns. Chapter 3, "One thread, many sockets",
//! explains; `sleep(...).await` is the right way, and a blocking call that
//! cannot be avoided belongs on a thread of its own.
//!
//! Run it with `cargo run -p step03_select --example blocking_sleep`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use step03_select::{Runtime, now, sleep, spawn_named};

// ANCHOR: blocker
/// A task that must wait 50 ms, written wrong when `blocking`: it blocks
/// the thread, and so the whole loop, instead of returning Pending.
async fn blocker(blocking: bool) {
    match blocking {
        true => std::thread::sleep(Duration::from_millis(50)),
        false => sleep(Duration::from_millis(50)).await,
    }
}

/// A task that asks to sleep 10 ms, and says how long it really slept.
async fn ticker() -> Duration {
    let start = now();
    sleep(Duration::from_millis(10)).await;
    now() - start
}
// ANCHOR_END: blocker

/// `line` of the trace without its time column, each deadline in it
/// rounded to 10 ms, and a wait in `select` without its length: the real
/// clock's exact times vary from run to run, and the machine's load with
/// them.
fn coarse(line: &str) -> String {
    let line = match line.len() > 14 {
        true => format!("{}{}", &line[..4], &line[14..]),
        false => line.to_string(),
    };
    if let Some(at) = line.find("select   wait") {
        return line[..at + 13].to_string();
    }
    let words = line.split(' ').map(|word| match word.strip_suffix("ms") {
        Some(ms) if ms.parse::<f64>().is_ok() => {
            let ms: f64 = ms.parse().unwrap();
            format!("~{}ms", (ms / 10.0).round() * 10.0)
        }
        _ => word.to_string(),
    });
    words.collect::<Vec<_>>().join(" ")
}

/// Runs the two tasks side by side on the real clock; gives the trace
/// (see `coarse`), and what the ticker found.
pub fn side_by_side(blocking: bool) -> (String, Duration) {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::default().trace(move |line| {
        sink.borrow_mut().push_str(&(coarse(line) + "\n"));
    });
    // ANCHOR: main
    let slept = runtime.run(async move {
        let ticker = spawn_named("ticker", ticker());
        spawn_named("blocker", blocker(blocking));
        ticker.await
    });
    // ANCHOR_END: main
    (trace.take(), slept)
}

/// Runs the program, and gives what it prints.
pub fn output() -> String {
    let mut out = String::new();
    for blocking in [true, false] {
        let (trace, slept) = side_by_side(blocking);
        let how = if blocking { "std::thread::sleep" } else { "sleep().await" };
        let verdict = match slept >= Duration::from_millis(50) {
            true => "50 ms or more (it waited for the blocker)",
            false => "less than 50 ms (the blocker waited aside)",
        };
        out += &format!("With the blocker in {how}:\n{trace}");
        out += &format!("ticker: asked for 10 ms, slept {verdict}\n\n");
    }
    out
}

fn main() {
    print!("{}", output());
}
