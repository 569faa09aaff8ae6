//! The event loop: a ready queue of handles, run one pass at a time, the
//! event trace it writes, and `run`, which drives it to the end.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::{Arc, atomic::Ordering};
use std::task::{Context, Poll, Waker};
use std::{fmt::Display, iter, panic::resume_unwind, rc::Rc};

use crate::task::{Runnable, Task, TaskWaker, spawn_named};

thread_local! {
    /// The loop `run` is driving on this thread, for `spawn` and wakers.
    static CURRENT: RefCell<Option<Rc<EventLoop>>> = const { RefCell::new(None) };
}

/// Where the trace goes: a function given each line as it happens.
type Sink = Box<dyn FnMut(&str)>;

// ANCHOR: Handle
/// One piece of work on the ready queue: asyncio's `Handle`.
pub(crate) enum Handle {
    /// Poll the task in this slot once, if it still has this id:
    /// asyncio's `Task.__step`.
    Step(usize, u64),
}
// ANCHOR_END: Handle

// ANCHOR: EventLoop
/// The event loop: asyncio's `BaseEventLoop`, cut down to a ready queue.
#[derive(Default)]
pub(crate) struct EventLoop {
    /// Handles to run, oldest first: asyncio's `_ready`.
    ready: RefCell<VecDeque<Handle>>,
    /// Tasks between steps, in a slab: a task keeps its slot for life, and
    /// `free` lists the empty ones. Ids count spawns: `t1` is main.
    tasks: RefCell<Vec<Option<Task>>>,
    free: RefCell<Vec<usize>>,
    spawned: Cell<u64>,
    /// The pass the loop is in, and the task it is polling, for the trace.
    tick: Cell<u64>,
    running: Cell<Option<u64>>,
    sink: Option<RefCell<Sink>>,
    /// The pass of the last line traced, to set the passes apart.
    traced_tick: Cell<u64>,
}
// ANCHOR_END: EventLoop

impl EventLoop {
    /// Calls `f` with the loop running on this thread, if there is one.
    pub fn with<R>(f: impl FnOnce(&EventLoop) -> R) -> Option<R> {
        // `try_with`: a waker may fire while thread-locals are torn down.
        CURRENT.try_with(|current| current.borrow().as_deref().map(f)).ok()?
    }

    // ANCHOR: trace
    /// Writes a line of the trace: the pass, who acted (the running task,
    /// or the loop itself), what happened, and the details.
    pub fn trace(&self, what: &str, detail: impl Display) {
        // Untraced, the loop pays one branch: nothing is borrowed or built.
        if let Some(sink) = &self.sink {
            let who =
                self.running.get().map_or("loop".into(), |t| format!("t{t}"));
            let tick = self.tick.get();
            let line = format!("{tick:>4}  {who:<5} {what:<8} {detail}");
            let mut sink = sink.borrow_mut();
            if self.traced_tick.replace(tick) != tick {
                sink("");
            }
            sink(line.trim_end());
        }
    }
    // ANCHOR_END: trace

    // ANCHOR: call_soon
    /// Schedules `handle` to run on the next pass: asyncio's `call_soon`.
    pub fn call_soon(&self, handle: Handle) {
        self.ready.borrow_mut().push_back(handle);
    }
    // ANCHOR_END: call_soon

    // ANCHOR: spawn
    /// Adds a task and schedules its first step; `name` is for the trace.
    pub fn spawn(&self, cell: Rc<dyn Runnable>, name: &str) {
        let id = self.spawned.get() + 1;
        self.spawned.set(id);
        let mut tasks = self.tasks.borrow_mut();
        let slot = self.free.borrow_mut().pop().unwrap_or(tasks.len());
        let header = Arc::new(TaskWaker { id, slot, scheduled: true.into() });
        let waker = Waker::from(Arc::clone(&header));
        if slot == tasks.len() {
            tasks.push(None);
        }
        tasks[slot] = Some(Task { header, waker, cell });
        drop(tasks);
        self.trace("spawn", format_args!("t{id} {name}"));
        self.call_soon(Handle::Step(slot, id));
    }
    // ANCHOR_END: spawn

    // ANCHOR: run_once
    /// One pass of the loop, asyncio's `_run_once`: runs the handles that
    /// were ready when it began, and returns how many there were.
    fn run_once(&self) -> usize {
        self.tick.set(self.tick.get() + 1);
        // Run what is ready now, and only that: what it schedules waits for
        // the next pass, so a task that keeps waking itself cannot starve
        // the others. The queue, and its buffer, stay.
        let ntodo = self.ready.borrow().len();
        self.trace("tick", format_args!("{ntodo} ready"));
        let ready = iter::from_fn(|| self.ready.borrow_mut().pop_front());
        for Handle::Step(slot, id) in ready.take(ntodo) {
            self.step(slot, id);
        }
        ntodo
    }
    // ANCHOR_END: run_once

    // ANCHOR: step
    /// Polls a task once: asyncio's `Task.__step`.
    fn step(&self, slot: usize, id: u64) {
        // Taken out of the slab while it runs, so that it may spawn. Gone,
        // or a newer task in its slot, if it finished after this step was
        // scheduled: then there is nothing to do.
        let task = self.tasks.borrow_mut()[slot].take_if(|t| t.header.id == id);
        let Some(task) = task else {
            return self.trace("skip", format_args!("t{id} (finished)"));
        };
        // From here on a wake schedules another step, even during the poll.
        task.header.scheduled.store(false, Ordering::Release);
        self.running.set(Some(id));
        self.trace("poll", "");
        let poll = task.cell.poll(&mut Context::from_waker(&task.waker));
        let what =
            if let Poll::Ready(ended) = poll { ended } else { "pending" };
        self.trace(what, "");
        match poll {
            Poll::Pending => self.tasks.borrow_mut()[slot] = Some(task),
            Poll::Ready(_) => self.free.borrow_mut().push(slot),
        }
        self.running.set(None);
    }
    // ANCHOR_END: step

    /// The pending tasks whose waker nothing holds but the loop, which no
    /// wake can ever reach, as the trace names them.
    fn unwakeable(&self) -> String {
        let tasks = self.tasks.borrow();
        // The loop holds each waker twice: as `header`, and as `waker`.
        let lost = tasks.iter().flatten();
        let lost = lost.filter(|t| Arc::strong_count(&t.header) == 2);
        let lost: Vec<_> = lost.map(|t| format!("t{}", t.header.id)).collect();
        lost.join(", ")
    }
}

// ANCHOR: Runtime
/// Builds an event loop and runs a future on it to completion.
#[derive(Default)]
pub struct Runtime {
    sink: Option<Sink>,
}

impl Runtime {
    /// Sends the loop's event trace to `sink`, a line at a time, starting
    /// with a line of column headings.
    pub fn trace(mut self, mut sink: impl FnMut(&str) + 'static) -> Self {
        sink("tick  who   event    detail");
        self.sink = Some(Box::new(sink));
        self
    }

    /// Runs `future` as the main task until it finishes, as `asyncio.run`
    /// does, then drops every task still pending. Resumes the main task's
    /// panic; panics if it waits for something nothing can wake.
    pub fn run<F: Future + 'static>(self, future: F) -> F::Output {
        let sink = self.sink.map(RefCell::new);
        let event_loop = Rc::new(EventLoop { sink, ..Default::default() });
        let nested = CURRENT.with_borrow(Option::is_some);
        assert!(!nested, "run() called inside run()");
        CURRENT.set(Some(Rc::clone(&event_loop)));
        let main = spawn_named("main", future);
        // Pass after pass, until main is done or nothing at all is ready.
        let mut output = None;
        while output.is_none() && event_loop.run_once() > 0 {
            output = main.0.join(Waker::noop());
        }
        // If main waits for ever, the tasks that no wake can reach say why.
        let unwakeable = event_loop.unwakeable();
        // Drop what is still pending while the loop is current, so that
        // those drops may spawn and wake; the loop drops what they spawn.
        event_loop.free.take();
        for task in event_loop.tasks.take().into_iter().flatten() {
            event_loop.trace("drop", format_args!("t{}", task.header.id));
            task.cell.drop_future();
        }
        CURRENT.set(None);
        let Some(output) = output else {
            let why = "deadlock: main waits, but nothing is ready";
            panic!("{why}; nothing holds the waker of: {unwakeable}")
        };
        output.unwrap_or_else(|panic| resume_unwind(panic))
    }
}
// ANCHOR_END: Runtime

/// Runs `future` to completion on a new event loop: `asyncio.run`.
pub fn run<F: Future + 'static>(future: F) -> F::Output {
    Runtime::default().run(future)
}
