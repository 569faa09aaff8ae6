//! What `run`, `spawn` and wakers promise beyond what a trace shows: the
//! loop ends clean, bad use gets a clear message, and `run` can be called
//! again.

use std::cell::{Cell, RefCell};
use std::future::{pending, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use step04_periodic::{JoinHandle, Runtime, run, spawn, yield_now};

/// The message of a panic that `f` raised.
fn panic_message(f: impl FnOnce()) -> String {
    let panic = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("panics");
    let text = panic.downcast_ref::<&str>().map(|s| s.to_string());
    text.or_else(|| panic.downcast_ref::<String>().cloned()).unwrap()
}

/// Counts its drops, to tell when the future that owns it was dropped.
struct DropCounter(Rc<Cell<u32>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

// ANCHOR: run_returns_the_main_output_and_can_run_again
#[test]
fn run_returns_the_main_output_and_can_run_again() {
    assert_eq!(run(async { 1 }), 1);
    assert_eq!(run(async { spawn(async { 2 }).await }), 2);
}
// ANCHOR_END: run_returns_the_main_output_and_can_run_again

// ANCHOR: spawn_outside_run_panics_with_a_reason
#[test]
fn spawn_outside_run_panics_with_a_reason() {
    let message = panic_message(|| drop(spawn(async {})));
    assert!(message.contains("spawn() called outside run()"), "{message}");
}
// ANCHOR_END: spawn_outside_run_panics_with_a_reason

// ANCHOR: run_inside_run_panics_with_a_reason
#[test]
fn run_inside_run_panics_with_a_reason() {
    let message = panic_message(|| run(async { run(async {}) }));
    assert!(message.contains("run() called inside run()"), "{message}");
    // The outer run cleaned up: the thread can run a loop again.
    assert_eq!(run(async { 3 }), 3);
}
// ANCHOR_END: run_inside_run_panics_with_a_reason

// ANCHOR: pending_tasks_are_dropped_when_run_returns
#[test]
fn pending_tasks_are_dropped_when_run_returns() {
    let drops = Rc::new(Cell::new(0));
    let guard = DropCounter(Rc::clone(&drops));
    let lines = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = Rc::clone(&lines);
    Runtime::default()
        .trace(move |line| sink.borrow_mut().push(line.into()))
        .run(async move {
            // Never finishes: it waits on a future nothing will wake.
            drop(spawn(async move {
                let _guard = guard;
                pending::<()>().await
            }));
            yield_now().await;
        });
    assert_eq!(drops.get(), 1, "the pending task was dropped, once");
    assert!(lines.borrow().iter().any(|line| line.ends_with("drop     t2")));
}
// ANCHOR_END: pending_tasks_are_dropped_when_run_returns

// ANCHOR: a_dropped_task_may_spawn_and_wake_while_it_is_dropped
#[test]
fn a_dropped_task_may_spawn_and_wake_while_it_is_dropped() {
    /// Spawns a task and wakes a waker when dropped.
    struct SpawnOnDrop(Option<Waker>, Rc<Cell<u32>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let counter = DropCounter(Rc::clone(&self.1));
            drop(spawn(async move { drop(counter) }));
            self.0.take().unwrap().wake();
        }
    }
    let drops = Rc::new(Cell::new(0));
    let task_drops = Rc::clone(&drops);
    run(async move {
        drop(spawn(async move {
            let waker = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
            let _guard = SpawnOnDrop(Some(waker), task_drops);
            pending::<()>().await
        }));
        yield_now().await;
    });
    // The task spawned during shutdown never ran, and was dropped too.
    assert_eq!(drops.get(), 1);
}
// ANCHOR_END: a_dropped_task_may_spawn_and_wake_while_it_is_dropped

// ANCHOR: a_panic_in_main_reaches_the_caller_of_run
#[test]
fn a_panic_in_main_reaches_the_caller_of_run() {
    let message = panic_message(|| run(async { panic!("main failed") }));
    assert_eq!(message, "main failed");
    assert_eq!(run(async { 5 }), 5);
}
// ANCHOR_END: a_panic_in_main_reaches_the_caller_of_run

// ANCHOR: a_panic_resumes_in_each_task_that_awaits_it_in_turn
#[test]
fn a_panic_resumes_in_each_task_that_awaits_it_in_turn() {
    let message = panic_message(|| {
        run(async {
            let inner = spawn(async { panic!("{}", String::from("deep")) });
            // A task whose whole future is awaiting `inner`.
            let outer: JoinHandle<()> = spawn(inner);
            outer.await
        })
    });
    assert_eq!(message, "deep");
}
// ANCHOR_END: a_panic_resumes_in_each_task_that_awaits_it_in_turn

// ANCHOR: a_task_nobody_awaits_still_runs
#[test]
fn a_task_nobody_awaits_still_runs() {
    let ran = Rc::new(Cell::new(false));
    let task_ran = Rc::clone(&ran);
    run(async move {
        drop(spawn(async move { task_ran.set(true) }));
        yield_now().await;
    });
    assert!(ran.get());
}
// ANCHOR_END: a_task_nobody_awaits_still_runs

// ANCHOR: nothing_the_tasks_held_outlives_run
#[test]
fn nothing_the_tasks_held_outlives_run() {
    let shared = Rc::new(());
    let (a, b) = (Rc::clone(&shared), Rc::clone(&shared));
    run(async move {
        let _a = a;
        drop(spawn(async move {
            let _b = b;
            pending::<()>().await
        }));
        yield_now().await;
    });
    assert_eq!(Rc::strong_count(&shared), 1);
}
// ANCHOR_END: nothing_the_tasks_held_outlives_run

// ANCHOR: a_handle_returned_from_run_does_not_keep_its_task_alive
#[test]
fn a_handle_returned_from_run_does_not_keep_its_task_alive() {
    let drops = Rc::new(Cell::new(0));
    let guard = DropCounter(Rc::clone(&drops));
    // The handle shares the task's block, but the loop still drops the
    // unfinished future when it ends, while it is current.
    let handle = run(async move {
        let task = spawn(async move {
            let _guard = guard;
            pending::<()>().await
        });
        // Returned unawaited, on purpose.
        Some(task)
    });
    assert_eq!(drops.get(), 1, "the future was dropped by run");
    drop(handle);
    assert_eq!(drops.get(), 1);
}
// ANCHOR_END: a_handle_returned_from_run_does_not_keep_its_task_alive

// ANCHOR: a_task_awaiting_its_own_handle_panics_with_a_reason
#[test]
fn a_task_awaiting_its_own_handle_panics_with_a_reason() {
    let slot: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
    let (own, said) = (Rc::clone(&slot), Rc::new(RefCell::new(None)));
    let task_said = Rc::clone(&said);
    run(async move {
        *slot.borrow_mut() = Some(spawn(async move {
            let mut me = own.borrow_mut().take().expect("main stored it");
            // Poll its own handle once, catching what that raises.
            let caught = poll_fn(|cx| {
                let me = Pin::new(&mut me);
                Poll::Ready(panic::catch_unwind(AssertUnwindSafe(|| {
                    me.poll(cx)
                })))
            });
            let panic = caught.await.expect_err("awaiting itself panics");
            // The reason, whether the panic formatted it or not.
            let text = panic.downcast_ref::<String>().cloned();
            let text =
                text.or(panic.downcast_ref::<&str>().map(|s| s.to_string()));
            *task_said.borrow_mut() = text;
        }));
        yield_now().await;
    });
    let said = said.take().expect("the task ran, and its await panicked");
    assert!(said.contains("cannot await its own JoinHandle"), "{said}");
}
// ANCHOR_END: a_task_awaiting_its_own_handle_panics_with_a_reason

// ANCHOR: a_waker_outlives_its_loop_harmlessly
#[test]
fn a_waker_outlives_its_loop_harmlessly() {
    let waker =
        run(async { poll_fn(|cx| Poll::Ready(cx.waker().clone())).await });
    // Its task and loop are gone: waking it does nothing, here or in
    // another run, whose task `t1` has the same id.
    waker.wake_by_ref();
    run(async move {
        waker.wake_by_ref();
        yield_now().await;
    });
}
// ANCHOR_END: a_waker_outlives_its_loop_harmlessly
