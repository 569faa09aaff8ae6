//! Tasks: a spawned future, the waker that schedules its next step, and
//! the `JoinHandle` that hands its result to whoever awaits it.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, atomic::AtomicBool, atomic::Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::{cell::RefCell, future::poll_fn, pin::Pin, pin::pin, rc::Rc, thread};

use crate::event_loop::{EventLoop, Handle};
use crate::selector::Remote;

// ANCHOR: Task
/// A spawned future, as the loop keeps it between steps.
pub(crate) struct Task {
    pub header: Arc<TaskWaker>,
    /// The same `TaskWaker` as a `Waker`, made once rather than per poll.
    pub waker: Waker,
    /// The future, wrapped to keep its output and to catch its panic. Its
    /// own output names how it ended, for the trace: "done" or "panic".
    pub future: Pin<Box<dyn Future<Output = &'static str>>>,
}
// ANCHOR_END: Task

// ANCHOR: TaskWaker
/// The waker of one task: waking it schedules the task's next step.
///
/// It holds no future, only where to find the task, so it is `Send` and
/// `Sync` as `Waker` requires, although the task's future need not be.
pub(crate) struct TaskWaker {
    pub id: u64,
    /// The task's place in the loop's slab of tasks.
    pub slot: usize,
    /// The loop's door for wakes from other threads.
    pub remote: Arc<Remote>,
    /// Whether a step is on the ready queue already: a second wake before
    /// that step runs schedules nothing, so duplicate wakes cost nothing.
    pub scheduled: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let first = !self.scheduled.swap(true, Ordering::AcqRel);
        // On the loop's own thread, a wake is asyncio's `call_soon`.
        let here = EventLoop::with(|event_loop| {
            if !Arc::ptr_eq(&event_loop.selector.remote, &self.remote) {
                return false;
            }
            let note = if first { "" } else { " (already scheduled)" };
            event_loop.trace("wake", format_args!("t{}{note}", self.id));
            if first {
                event_loop.call_soon(Handle::Step(self.slot, self.id));
            }
            true
        });
        // From any other thread, it is `call_soon_threadsafe`.
        if first && here != Some(true) {
            self.remote.wake(self.slot, self.id);
        }
    }
}
// ANCHOR_END: TaskWaker

// ANCHOR: JoinHandle
/// Awaits a spawned task's output. If the task panicked, awaiting its
/// handle resumes the panic in the awaiting task.
pub struct JoinHandle<T>(pub(crate) Rc<RefCell<Join<T>>>);

/// What a task shares with its handle.
pub(crate) struct Join<T> {
    /// The output, or the panic, once the task has finished.
    pub result: Option<thread::Result<T>>,
    /// The waker of whoever awaits the handle.
    waiter: Option<Waker>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context) -> Poll<T> {
        let mut join = self.0.borrow_mut();
        let Some(result) = join.result.take() else {
            join.waiter = Some(cx.waker().clone());
            return Poll::Pending;
        };
        Poll::Ready(result.unwrap_or_else(|panic| resume_unwind(panic)))
    }
}
// ANCHOR_END: JoinHandle

// ANCHOR: spawn
/// Starts `future` as a new task and returns its handle, as asyncio's
/// `create_task` does: the task is scheduled at once and runs whether or
/// not anyone awaits the handle. Panics outside [`run`](crate::run).
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    let join = Rc::new(RefCell::new(Join { result: None, waiter: None }));
    let handle = JoinHandle(Rc::clone(&join));
    let task = async move {
        let mut future = pin!(future);
        // A panic ends this task only: it is caught here, where the future
        // is polled, and kept for the handle to resume.
        let result = poll_fn(|cx| {
            catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)))
                .map_or_else(|panic| Poll::Ready(Err(panic)), |p| p.map(Ok))
        })
        .await;
        let ended = if result.is_ok() { "done" } else { "panic" };
        let waiter = join.replace(Join { result: Some(result), waiter: None });
        // Wake only once the result is stored and `join` is not borrowed.
        if let Some(waiter) = waiter.waiter {
            waiter.wake();
        }
        ended
    };
    EventLoop::with(|event_loop| event_loop.spawn(Box::pin(task)))
        .expect("spawn() called outside run(): no event loop runs here");
    handle
}
// ANCHOR_END: spawn

// ANCHOR: yield_now
/// Lets every other ready task run before this one goes on: asyncio's
/// `await asyncio.sleep(0)`.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        // Ask to be polled again: on the loop's next pass, after all that
        // is ready now.
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
// ANCHOR_END: yield_now
