//! Answers for the book's questions-and-answers chapter that no other
//! test holds: what runs a future, how a wake finds the task's block, and
//! why a task that keeps its own waker is still freed.

use std::cell::{Cell, RefCell};
use std::future::{pending, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use insta::assert_snapshot;
use step01_tasks::{JoinHandle, Runtime, run, spawn, yield_now};

// ANCHOR: traced
/// Runs `main` on a traced loop; returns its output and the trace.
fn traced<T: 'static>(main: impl Future<Output = T> + 'static) -> (T, String) {
    let trace = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&trace);
    let runtime = Runtime::default().trace(move |line| {
        *sink.borrow_mut() += &format!("{line}\n");
    });
    let output = runtime.run(main);
    (output, trace.take())
}
// ANCHOR_END: traced

// ANCHOR: note
/// Writes `name` in `log` when it is first polled, and is done at once.
async fn note(log: Rc<RefCell<Vec<&'static str>>>, name: &'static str) {
    log.borrow_mut().push(name);
}
// ANCHOR_END: note

// ANCHOR: a_future_runs_only_when_awaited_or_spawned
#[test]
fn a_future_runs_only_when_awaited_or_spawned() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let main_log = Rc::clone(&log);
    let ((), trace) = traced(async move {
        // Made, and never awaited or spawned: nothing ever polls it.
        let forgotten = note(Rc::clone(&main_log), "forgotten");
        // Awaited: polled right here, inside main's own poll.
        note(Rc::clone(&main_log), "awaited").await;
        // Spawned: a task of its own, which runs on the next pass.
        drop(spawn(note(Rc::clone(&main_log), "spawned")));
        yield_now().await;
        drop(forgotten);
    });
    assert_snapshot!("a_future_runs_only_when_awaited_or_spawned", trace);
    assert_eq!(*log.borrow(), ["awaited", "spawned"]);
    // One task besides main: the await made none.
    assert_eq!(trace.matches("spawn ").count(), 2, "{trace}");
}
// ANCHOR_END: a_future_runs_only_when_awaited_or_spawned

// ANCHOR: PollAtOnce
thread_local! {
    /// The handle that `PollAtOnce` polls, and what that poll gave.
    static HANDLE: RefCell<Option<JoinHandle<u32>>> =
        const { RefCell::new(None) };
    static SEEN: Cell<Option<u32>> = const { Cell::new(None) };
}

/// A waker that polls `HANDLE` inside the wake itself, as a waker is free
/// to do: whatever it touches must be stored, and not borrowed, by then.
struct PollAtOnce;

impl Wake for PollAtOnce {
    fn wake(self: Arc<Self>) {
        let mut handle = HANDLE.take().expect("the handle was stored");
        let mut cx = Context::from_waker(Waker::noop());
        let polled = Pin::new(&mut handle).poll(&mut cx);
        SEEN.set(match polled {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        });
    }
}
// ANCHOR_END: PollAtOnce

// ANCHOR: a_wake_finds_the_output_stored_and_nothing_borrowed
#[test]
fn a_wake_finds_the_output_stored_and_nothing_borrowed() {
    let seen = run(async {
        let mut child = spawn(async {
            yield_now().await;
            42
        });
        // Polled once with `PollAtOnce`: pending, so the child keeps it.
        let waker = Waker::from(Arc::new(PollAtOnce));
        let polled =
            Pin::new(&mut child).poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
        HANDLE.set(Some(child));
        // The child finishes in the second of these passes.
        yield_now().await;
        yield_now().await;
        SEEN.get()
    });
    // Woken before the output was stored, the poll in the wake would have
    // been pending; woken with the block still borrowed, it would have
    // panicked.
    assert_eq!(seen, Some(42));
}
// ANCHOR_END: a_wake_finds_the_output_stored_and_nothing_borrowed

// ANCHOR: a_task_that_keeps_its_own_waker_is_still_freed
#[test]
fn a_task_that_keeps_its_own_waker_is_still_freed() {
    let shared = Rc::new(());
    let held = Rc::clone(&shared);
    let waker = run(async move {
        let slot = Rc::new(RefCell::new(None));
        let lent = Rc::clone(&slot);
        drop(spawn(async move {
            let _held = held;
            let own = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
            *lent.borrow_mut() = Some(own.clone());
            // Waits for ever with its own waker in its own state. A waker
            // that owned the task would make a cycle: future, waker, task.
            pending::<()>().await;
            drop(own);
        }));
        yield_now().await;
        slot.take().expect("the task lent its waker")
    });
    // `run` dropped the task, and the waker, still alive, held none of it.
    assert_eq!(Rc::strong_count(&shared), 1);
    waker.wake();
}
// ANCHOR_END: a_task_that_keeps_its_own_waker_is_still_freed
