//! Broken on purpose: a leaf future with no `Drop`. Cancelling a task
//! drops its future where it waits, and each future it holds must give
//! back what it holds in the loop. This sleep does not: its timer stays
//! in the loop after the task is gone, and fires for nobody. Chapter 4,
//! "Cancellation: the drop at the await", explains; `sleep` cancels its
//! timer in its `Drop`.
//!
//! Run it with `cargo run -p step04_periodic --example no_drop`.

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use step04_periodic::{
    Runtime, TimerHandle, call_later, live, sleep, spawn_named,
};

// ANCHOR: LeakySleep
/// Sleeps `delay`: its first poll sets a timer that wakes the task.
struct LeakySleep {
    delay: Duration,
    timer: Option<TimerHandle>,
    fired: Rc<Cell<bool>>,
}

impl Future for LeakySleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context) -> Poll<()> {
        if self.fired.get() {
            return Poll::Ready(());
        }
        if self.timer.is_none() {
            let (fired, waker) = (Rc::clone(&self.fired), cx.waker().clone());
            self.timer = Some(call_later(self.delay, move || {
                fired.set(true);
                waker.wake();
            }));
        }
        Poll::Pending
    }
}

// The bug is what is missing here: an `impl Drop for LeakySleep` that
// cancels `self.timer`, as `sleep`'s `Drop` does.
// ANCHOR_END: LeakySleep

/// Runs `nap` in a task, cancels the task 10 ms in, and waits past the
/// time `nap` would have ended. Gives the trace, and what the loop held
/// just after the cancel.
fn cancelled(nap: impl Future<Output = ()> + 'static) -> String {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::virtual_time().trace(move |line| {
        sink.borrow_mut().push_str(&format!("{line}\n"));
    });
    // ANCHOR: main
    let held = runtime.run(async move {
        let napper = spawn_named("napper", nap);
        sleep(Duration::from_millis(10)).await;
        napper.cancel().await;
        let held = live();
        sleep(Duration::from_millis(200)).await;
        held
    });
    // ANCHOR_END: main
    trace.take() + &format!("just after the cancel, the loop held: {held:?}\n")
}

/// Runs the program, and gives what it prints: the sleep with no `Drop`
/// cancelled, then the stage's own `sleep` cancelled the same way.
pub fn output() -> String {
    let (delay, fired) = (Duration::from_millis(100), Rc::default());
    let leaky = cancelled(LeakySleep { delay, timer: None, fired });
    let right = cancelled(sleep(delay));
    format!(
        "A sleep with no Drop, cancelled:\n{leaky}\nThe stage's own sleep, cancelled:\n{right}"
    )
}

fn main() {
    print!("{}", output());
}
