//! Broken on purpose: a sleep that keeps the waker of its first poll. A
//! future may be polled by one task and then moved to another, and each
//! poll's waker is the one to wake; this one wakes the first task for
//! ever. Chapter 2, "sleep, a leaf future", explains; `sleep` itself puts
//! each new waker in its timer.
//!
//! Run it with `cargo run -p step02_sleep --example first_waker`.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use step02_sleep::{Runtime, call_later, sleep, spawn_named};

// ANCHOR: FirstWakerSleep
/// Sleeps `delay`: its first poll sets a timer that wakes the waker of
/// that poll, and it is done once the timer has fired.
struct FirstWakerSleep {
    delay: Duration,
    started: bool,
    fired: Rc<Cell<bool>>,
}

impl Future for FirstWakerSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        if self.fired.get() {
            return Poll::Ready(());
        }
        if !self.started {
            self.started = true;
            let (fired, waker) = (Rc::clone(&self.fired), cx.waker().clone());
            call_later(self.delay, move || {
                fired.set(true);
                waker.wake();
            });
        }
        // The bug: a later poll may come with another task's waker, and it
        // is not kept. The timer will wake the first poll's task only.
        Poll::Pending
    }
}
// ANCHOR_END: FirstWakerSleep

// ANCHOR: hand_over
/// Polls `nap` once in main, which starts it, then hands it to a task of
/// its own and waits for that task.
async fn hand_over(mut nap: Pin<Box<dyn Future<Output = ()>>>) -> &'static str {
    poll_fn(|cx| {
        let _ = nap.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
    spawn_named("napper", nap).await;
    "the napper woke"
}
// ANCHOR_END: hand_over

/// Runs `main` on a traced loop with a virtual clock; gives its trace
/// and how `run` ended.
fn traced(main: impl Future<Output = &'static str> + 'static) -> String {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::virtual_time().trace(move |line| {
        sink.borrow_mut().push_str(&format!("{line}\n"));
    });
    let ended = panic::catch_unwind(AssertUnwindSafe(|| runtime.run(main)));
    let ended = match ended {
        Ok(said) => format!("run returned: {said}"),
        Err(panic) => match panic.downcast::<String>() {
            Ok(message) => {
                format!("run panicked: {}", message.replace("; ", ";\n  "))
            }
            Err(_) => "run panicked".to_string(),
        },
    };
    trace.take() + &ended + "\n"
}

/// Runs the program, and gives what it prints: the broken sleep handed
/// over, then the stage's own `sleep` handed over the same way.
pub fn output() -> String {
    let fired = Rc::default();
    let broken = FirstWakerSleep {
        delay: Duration::from_millis(10),
        started: false,
        fired,
    };
    let broken = traced(hand_over(Box::pin(broken)));
    let right = traced(hand_over(Box::pin(sleep(Duration::from_millis(10)))));
    format!(
        "The sleep that keeps its first waker:\n{broken}\nThe stage's own sleep:\n{right}"
    )
}

fn main() {
    // The panic is caught and printed; its default report would repeat it.
    panic::set_hook(Box::new(|_| {}));
    print!("{}", output());
}
