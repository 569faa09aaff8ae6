//! Tasks: a spawned future and then its output, in one heap block; the
//! waker that schedules the task's next step; and the `JoinHandle` that
//! hands the output to whoever awaits it.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, atomic::AtomicBool, atomic::Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::{future::poll_fn, mem, pin::Pin, rc::Rc, thread};

use crate::event_loop::{EventLoop, Handle};

// ANCHOR: Task
/// A spawned task, as the loop keeps it between steps.
pub(crate) struct Task {
    pub header: Arc<TaskWaker>,
    /// The same `TaskWaker` as a `Waker`, made once rather than per poll.
    pub waker: Waker,
    /// The task's block, seen without its type: the loop only polls it.
    pub cell: Rc<dyn Runnable>,
}

/// A task's one heap block: its future while it runs, then its output
/// until the `JoinHandle` takes it, and the waker of whoever awaits it.
/// The loop and the handle each hold an `Rc` of it.
pub(crate) struct TaskCell<F: Future> {
    stage: RefCell<Stage<F>>,
    waiter: Cell<Option<Waker>>,
}

enum Stage<F: Future> {
    Running(F),
    /// The output, or the panic that ended the task; `None` once taken,
    /// or if the future was dropped unfinished.
    Done(Option<thread::Result<F::Output>>),
}
// ANCHOR_END: Task

// ANCHOR: Runnable
/// What the loop does with a task's block, whatever its future's type.
pub(crate) trait Runnable {
    /// Polls the future once. Ready with how it ended, "done" or "panic",
    /// once its output is stored and its waiter woken.
    fn poll(&self, cx: &mut Context) -> Poll<&'static str>;
    /// Drops the future where it stands, if it has not finished.
    fn drop_future(&self);
}

impl<F: Future> Runnable for TaskCell<F> {
    fn poll(&self, cx: &mut Context) -> Poll<&'static str> {
        // Only ever `&mut`: a shared reference to a pinned future would,
        // to miri, void the pointers the future holds into itself.
        let mut stage = self.stage.borrow_mut();
        let Stage::Running(future) = &mut *stage else { unreachable!() };
        // SAFETY: the future is pinned in this block: the block is behind
        // an `Rc` and never moves, and the future is never moved out of
        // it, only dropped in place, when `stage` is overwritten below.
        let future = unsafe { Pin::new_unchecked(future) };
        // A panic ends this task only: it is caught here, where the future
        // is polled, and kept for the handle to resume.
        let output = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(panic) => Err(panic),
        };
        let ended = if output.is_ok() { "done" } else { "panic" };
        *stage = Stage::Done(Some(output));
        // Wake only once the output is stored and `stage` is not borrowed.
        drop(stage);
        if let Some(waiter) = self.waiter.take() {
            waiter.wake();
        }
        Poll::Ready(ended)
    }

    fn drop_future(&self) {
        // Only a task still in the loop's slab gets here: it is running.
        *self.stage.borrow_mut() = Stage::Done(None);
    }
}
// ANCHOR_END: Runnable

// ANCHOR: TaskWaker
/// The waker of one task: waking it schedules the task's next step.
///
/// It holds no future, only where to find the task, so it is `Send` and
/// `Sync` as `Waker` requires, although the task's future need not be.
pub(crate) struct TaskWaker {
    pub id: u64,
    /// The task's place in the loop's slab of tasks.
    pub slot: usize,
    /// Whether a step is on the ready queue already: a second wake before
    /// that step runs schedules nothing, so duplicate wakes cost nothing.
    pub scheduled: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Simplification: only a wake on the loop's own thread reaches it,
        // and one from elsewhere is lost without a trace. Stage 3 adds
        // asyncio's `call_soon_threadsafe`: a locked queue, and a pipe
        // that rouses the loop when another thread writes to it.
        EventLoop::with(|event_loop| {
            let first = !self.scheduled.swap(true, Ordering::AcqRel);
            let note = if first { "" } else { " (already scheduled)" };
            event_loop.trace("wake", format_args!("t{}{note}", self.id));
            if first {
                event_loop.call_soon(Handle::Step(self.slot, self.id));
            }
        });
    }
}
// ANCHOR_END: TaskWaker

// ANCHOR: JoinHandle
/// Awaits a spawned task's output. If the task panicked, awaiting its
/// handle resumes the panic in the awaiting task.
pub struct JoinHandle<T>(pub(crate) Rc<dyn Join<T>>);

/// The handle's view of a task's block: only its output's type is known.
pub(crate) trait Join<T> {
    /// The output, or the panic, if the task has finished (once only);
    /// else `None`, and the task will wake `waker` when it finishes.
    fn join(&self, waker: &Waker) -> Option<thread::Result<T>>;
}

impl<F: Future> Join<F::Output> for TaskCell<F> {
    fn join(&self, waker: &Waker) -> Option<thread::Result<F::Output>> {
        let stage = self.stage.try_borrow_mut();
        match &mut *stage.expect("a task cannot await its own JoinHandle") {
            Stage::Done(output) => output.take(),
            Stage::Running(_) => {
                self.waiter.set(Some(waker.clone()));
                None
            }
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context) -> Poll<T> {
        let Some(out) = self.0.join(cx.waker()) else { return Poll::Pending };
        Poll::Ready(out.unwrap_or_else(|panic| resume_unwind(panic)))
    }
}
// ANCHOR_END: JoinHandle

// ANCHOR: spawn
/// Starts `future` as a new task and returns its handle, as asyncio's
/// `create_task` does: the task is scheduled at once and runs whether or
/// not anyone awaits the handle. Panics outside [`run`](crate::run).
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    spawn_named("", future)
}

/// Like [`spawn`], with a name that the trace shows where the task is
/// spawned: asyncio's `create_task(coro, name=...)`.
pub fn spawn_named<F: Future + 'static>(
    name: &str,
    future: F,
) -> JoinHandle<F::Output> {
    let stage = RefCell::new(Stage::Running(future));
    let cell = Rc::new(TaskCell { stage, waiter: Cell::new(None) });
    EventLoop::with(|event_loop| event_loop.spawn(cell.clone(), name))
        .expect("spawn() called outside run(): no event loop runs here");
    JoinHandle(cell)
}
// ANCHOR_END: spawn

// ANCHOR: yield_now
/// Lets every other ready task run before this one goes on: asyncio's
/// `await asyncio.sleep(0)`.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| match mem::replace(&mut yielded, true) {
        true => Poll::Ready(()),
        // Ask to be polled again: on the loop's next pass, after all that
        // is ready now.
        false => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}
// ANCHOR_END: yield_now
