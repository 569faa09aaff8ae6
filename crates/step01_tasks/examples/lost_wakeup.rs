//! Broken on purpose: a leaf future that returns `Pending` without
//! keeping the waker it was polled with. The task that awaits it can never
//! be woken, whatever happens later, and the loop says so. Chapter 1,
//! "The waker", explains; `JoinHandle` is the right way round.
//!
//! Run it with `cargo run -p step01_tasks --example lost_wakeup`.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use step01_tasks::{Runtime, spawn_named, yield_now};

// ANCHOR: Flag
/// A flag one task raises and another waits for.
#[derive(Clone, Default)]
struct Flag(Rc<Cell<bool>>);

impl Future for Flag {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context) -> Poll<()> {
        match self.0.get() {
            true => Poll::Ready(()),
            // The bug: Pending, but `cx.waker()` is kept nowhere, so
            // raising the flag later has no waker to call.
            false => Poll::Pending,
        }
    }
}
// ANCHOR_END: Flag

/// Runs the program, and gives what it prints: its trace, and how `run`
/// ended.
pub fn output() -> String {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::default().trace(move |line| {
        sink.borrow_mut().push_str(&format!("{line}\n"));
    });
    // ANCHOR: main
    let ended = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.run(async {
            let flag = Flag::default();
            let waiter = spawn_named("waiter", flag.clone());
            spawn_named("raiser", async move {
                yield_now().await;
                flag.0.set(true);
            });
            waiter.await
        })
    }));
    // ANCHOR_END: main
    let message = match ended {
        Ok(()) => "run returned".to_string(),
        Err(panic) => match panic.downcast::<String>() {
            Ok(message) => {
                format!("run panicked: {}", message.replace("; ", ";\n  "))
            }
            Err(_) => "run panicked".to_string(),
        },
    };
    trace.take() + &message + "\n"
}

fn main() {
    // The panic is caught and printed; its default report would repeat it.
    panic::set_hook(Box::new(|_| {}));
    print!("{}", output());
}
