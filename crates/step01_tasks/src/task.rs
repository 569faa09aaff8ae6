//! Tasks: a spawned future and then its output, in one heap block; the
//! waker that schedules the task's next step; and the `JoinHandle` that
//! hands the output to whoever awaits it.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, atomic::AtomicBool, atomic::Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::{future::poll_fn, mem, pin::Pin, rc::Rc, thread};

use crate::event_loop::{EventLoop, Handle};

// ANCHOR: TaskKey
/// Where the loop keeps a task: its slot in the loop's slab, and its id,
/// which tells it apart from the tasks that held that slot before it.
///
/// Ids count spawns from 1 (the trace's `t1` is the main task) and wrap
/// after 2³² of them. That is harmless: a step or a wake meant for an old
/// task, finding a new one of the same id in its slot, only polls it once
/// too often, which every future allows. In return a key is 8 bytes, and
/// so is each step on the ready queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TaskKey {
    pub slot: u32,
    pub id: u32,
}
// ANCHOR_END: TaskKey

// ANCHOR: Task
/// A spawned task, as the loop keeps it between steps: its block, seen
/// without its future's type, so that tasks of every type share a slab.
pub(crate) type Task = Rc<dyn Runnable>;

/// A task's one heap block: its future while it runs, then its output
/// until the `JoinHandle` takes it; the waker of whoever awaits it; and
/// the task's own waker. The loop and the handle each hold an `Rc` of it.
///
/// Simplification: a task takes two heap blocks, this one and its
/// waker's `Arc`, because `Waker` must be `Send` and this block is not.
/// async-task and tokio put a task in one block, with a hand-written
/// waker vtable and reference count; that takes `unsafe` code this
/// project keeps out.
pub(crate) struct TaskCell<F: Future> {
    stage: RefCell<Stage<F>>,
    waiter: Cell<Option<Waker>>,
    /// The task's waker, made once rather than at every poll...
    waker: Waker,
    /// ...and the same waker's state, where the loop reads the task's key
    /// and marks it unscheduled before each poll.
    header: Arc<TaskWaker>,
}

impl<F: Future> TaskCell<F> {
    /// A task's block for `future`, with `key`. It starts out scheduled:
    /// the loop queues its first step as it spawns it.
    pub fn new(key: TaskKey, future: F) -> Self {
        let header =
            Arc::new(TaskWaker { key, scheduled: AtomicBool::new(true) });
        TaskCell {
            // A `RefCell`, as the loop and the handle both reach the block
            // through a shared `Rc`; `borrow_mut` also catches a task that
            // awaits its own handle.
            stage: RefCell::new(Stage::Running(future)),
            waiter: Cell::new(None),
            // Made through `std::task::Wake`: no hand-written vtable, no unsafe
            // code, and a clone is one atomic increment.
            waker: Waker::from(Arc::clone(&header)),
            header,
        }
    }
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
    /// The task's waker: its key, and who else holds it.
    fn header(&self) -> &Arc<TaskWaker>;
    /// Polls the future once, with the task's own waker. Ready with how it
    /// ended, "done" or "panic", once its output is stored and its waiter
    /// woken.
    fn poll(&self) -> Poll<&'static str>;
    /// Drops the future where it stands, if it has not finished.
    fn drop_future(&self);
}

impl<F: Future> Runnable for TaskCell<F> {
    fn header(&self) -> &Arc<TaskWaker> {
        &self.header
    }

    fn poll(&self) -> Poll<&'static str> {
        // From here on a wake schedules another step, even during this
        // poll: a future that wakes itself is polled again next pass.
        self.header.scheduled.store(false, Ordering::Release);
        // Only ever `&mut`: a shared reference to a pinned future would,
        // to miri, void the pointers the future holds into itself.
        let mut stage = self.stage.borrow_mut();
        // Only a pending task is in the slab, and only the slab's tasks are
        // polled.
        let Stage::Running(future) = &mut *stage else { unreachable!() };
        // SAFETY: the future is pinned in this block: the block is behind
        // an `Rc` and never moves, and the future is never moved out of
        // it, only dropped in place, when `stage` is overwritten below.
        let future = unsafe { Pin::new_unchecked(future) };
        // A panic ends this task only: it is caught here, where the future
        // is polled, and kept for the handle to resume.
        let mut cx = Context::from_waker(&self.waker);
        let output =
            match catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))) {
                // Pending: the future left a clone of the waker wherever it
                // waits (a timer, the selector, another task's handle).
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(output)) => Ok(output),
                Err(panic) => Err(panic),
            };
        // How it ended, for the trace.
        let ended = if output.is_ok() { "done" } else { "panic" };
        // The future is dropped here, in place, and with it all it held.
        *stage = Stage::Done(Some(output));
        // Wake only once the output is stored and `stage` is not borrowed:
        // the waiter may be polled at once, by a loop that is not ours.
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
    pub key: TaskKey,
    /// Whether a step is on the ready queue already: a second wake before
    /// that step runs schedules nothing, so duplicate wakes cost nothing.
    pub scheduled: AtomicBool,
}

impl Wake for TaskWaker {
    // By value, as a timer wakes when it fires: the same as by reference.
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    // Exercise 1.3 `wake`: Schedule the task's next step, once, however often
    // it is woken before that step runs: on the running loop, set `scheduled`,
    // trace `wake` with `t{id}` (and the words `(already scheduled)` after it
    // if it was set already), and queue `Handle::Step(self.key)` only if it was
    // not.
    // Hint: asyncio's `Task.__wakeup` schedules the task's `__step` with
    // `loop.call_soon`. `AtomicBool::swap` sets the flag and says what it was,
    // in one step.
    // Tests: trace::duplicate_and_spurious_wakes, trace::three_tasks_interleave
    // Read: 01-tasks.md#the-waker
    fn wake_by_ref(self: &Arc<Self>) {
        // Simplification: only a wake on the loop's own thread reaches it,
        // and one from elsewhere is lost without a trace. Stage 3 adds
        // asyncio's `call_soon_threadsafe`: a locked queue, and a pipe
        // that rouses the loop when another thread writes to it.
        EventLoop::with(|event_loop| {
            // Set under the loop, so that a lost wake leaves no mark.
            let first = !self.scheduled.swap(true, Ordering::AcqRel);
            // A duplicate wake does nothing, but the trace shows it.
            let note = if first { "" } else { " (already scheduled)" };
            event_loop.trace("wake", format_args!("t{}{note}", self.key.id));
            if first {
                event_loop.call_soon(Handle::Step(self.key));
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
    // Exercise 1.4 `join`: Give the task's output if it has finished (once:
    // take it); else keep a clone of `waker` in `self.waiter`, to be woken when
    // the task ends, and return `None`. A task that awaits its own handle would
    // wait for ever: panic instead, saying "a task cannot await its own
    // JoinHandle".
    // Hint: asyncio's `Future.__await__`: a done future gives its result, else
    // the awaiting task adds a done callback and waits. A task awaiting its own
    // handle finds `stage` borrowed by the poll that runs it:
    // `RefCell::try_borrow_mut` tells.
    // Tests: trace::await_join_handle, trace::panicking_task,
    // run::a_task_awaiting_its_own_handle_panics_with_a_reason
    // Read: 01-tasks.md#spawn-joinhandle-and-panics
    fn join(&self, waker: &Waker) -> Option<thread::Result<F::Output>> {
        // Borrowed only if the task is polling itself: it awaits its own
        // handle, and would wait for ever.
        let stage = self.stage.try_borrow_mut();
        match &mut *stage.expect("a task cannot await its own JoinHandle") {
            Stage::Done(output) => output.take(),
            Stage::Running(_) => {
                // Only the last waiter is woken: a handle is awaited by
                // one task, though it may move between polls.
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
    // The loop gives the task its key, and builds its block around it.
    let cell = EventLoop::with(|event_loop| event_loop.spawn(name, future));
    JoinHandle(cell.expect("spawn() called outside run(): no loop runs here"))
}
// ANCHOR_END: spawn

// ANCHOR: yield_now
// Exercise 1.5 `yield_now`: A future that is Pending once, having woken its own
// task, and Ready the next time it is polled.
// Hint: asyncio's `sleep(0)` is a bare `yield`, which `Task.__step` answers
// with `call_soon(self.__step)`. `std::future::poll_fn` makes a future of a
// closure, and `cx.waker().wake_by_ref()` wakes the task.
// Tests: trace::three_tasks_interleave, trace::yielding_loop_cannot_starve
// Read: 01-tasks.md#yield_now
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
